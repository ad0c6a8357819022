"""Answers of the central loyalty API: the exceptions, body parsing, and tolerant readers.

Used by :mod:`kiosk.central.client` (which re-exports the exceptions). A body is read as JSON,
JSONP or XML (defusedxml, DTDs refused) into a plain payload dict; anything that does not parse
or lacks a known ``status`` is :class:`UnknownOutcome`, since the request may have been applied.

The readers accept every variant the public clients accept (api-notes.md): an ``errors`` list or
one ``error`` string; lists as a JSON array, an XML wrapper (``<campaigns><campaign>``), bare
repeated elements (``<customer>`` under ``<response>``) or a single element for a list of one;
unknown keys are ignored. Codes and card numbers are bounded printable text
(:func:`identifier`); anything else is a bad answer, never adopted. Every text that came from the
API and may reach a log, the CLI or a screen goes through :func:`clean_text` first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from kiosk.domain.fields import MAX_IDENTIFIER_LENGTH, is_identifier
from kiosk.domain.secrets import mask_card

STATUSES = ("success", "error", "no_match")
"""The statuses an answer may carry (in the body, not the HTTP code)."""
MAX_MESSAGE_CHARS = 300
"""An error text from the API is cut to this many characters before anyone sees it."""
_JSONP = re.compile(r"\A\s*[A-Za-z_$][A-Za-z0-9_$.]*\((.*)\)\s*;?\s*\Z", re.DOTALL)
# Terminal escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other ESC x.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A card-number-like run: 8 or more digits in a row, or 3 or more groups of 3 to 6 digits split by
# one space or dash (``6001 0000 0000 0011``); a date (``2024-01-02``) is neither.
_DIGIT_RUN = re.compile(r"(?<![0-9])(?:[0-9]{8,}|[0-9]{3,6}(?:[ -][0-9]{3,6}){2,})(?![0-9])")


class CentralError(Exception):
    """Base of every failure of a central API call; ``str()`` never contains credentials."""


class ApiError(CentralError):
    """The API answered ``status="error"``: definitive, resending the same request will not help.

    Attributes:
        message: the API's own message, cleaned (:func:`clean_text`), for staff to act on.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CentralError):
    """The API answered ``status="no_match"`` where one result was required."""


class Unreachable(CentralError):
    """The request was certainly not processed: DNS, connection refused or timed out, TLS."""


class UnknownOutcome(CentralError):
    """The request was (maybe) sent and no usable answer came back: it may have been applied."""


class BadAnswer(UnknownOutcome):
    """An answer arrived but cannot be trusted (a garbage code, a structure where text belongs):
    nothing of it is adopted, and since the request may have been applied it is in doubt."""


def clean_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Make a text from the API (or about it) safe to log, print or show.

    Terminal escape sequences and control characters are removed (a message cannot move the
    cursor, change colours or ring the bell), secrets are redacted, every card-number-like run of
    digits shows only its last 4 digits (S8), white space is collapsed and the text is cut to
    :data:`MAX_MESSAGE_CHARS`.
    """
    text = _ESCAPES.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = redact(text, secrets)
    text = _DIGIT_RUN.sub(lambda match: mask_card(re.sub(r"[ -]", "", match.group(0))), text)
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1].rstrip() + "…"
    return text


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """Remove secrets from a message; short ones (PINs) only where they stand alone."""
    for secret in secrets:
        if not secret:
            continue
        pattern = re.escape(secret)
        if len(secret) < 12:
            pattern = rf"(?<![0-9A-Za-z]){pattern}(?![0-9A-Za-z])"
        text = re.sub(pattern, "[redacted]", text)
    return text


def parse_body(body: bytes) -> dict[str, Any]:
    """Read a JSON, JSONP or XML body into a payload whose ``status`` is known.

    Raises:
        UnknownOutcome: the body is not valid UTF-8, does not parse, or has no known status.
    """
    try:
        text_body = body.decode("utf-8").lstrip("\ufeff \t\r\n")
    except UnicodeDecodeError:
        raise UnknownOutcome("The central API's answer is not valid UTF-8") from None
    if text_body.startswith("<"):
        payload: Any = parse_xml(text_body)
    else:
        match = _JSONP.match(text_body)
        try:
            # parse_int/parse_float keep numbers as text: codes keep their digits (R5).
            payload = json.loads(
                match.group(1) if match else text_body, parse_int=str, parse_float=str
            )
        except (ValueError, RecursionError):
            raise UnknownOutcome("The central API's answer is not valid JSON") from None
    if not isinstance(payload, dict) or payload.get("status") not in STATUSES:
        raise UnknownOutcome("The central API's answer has no known status")
    return payload


def parse_xml(text_body: str) -> dict[str, Any]:
    """An XML answer as a payload (``<response status=...>`` and its children)."""
    try:
        root = SafeET.fromstring(text_body, forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError, ValueError, RecursionError):
        raise UnknownOutcome("The central API's answer is not acceptable XML") from None
    if root.tag != "response":
        raise UnknownOutcome("The central API's XML answer is not a <response>")
    value = element(root)
    return value if isinstance(value, dict) else {}


def element(node: Element) -> dict[str, Any] | str:
    """An element as a dict (attributes and children; a repeated child becomes a list)."""
    if len(node) == 0 and not node.attrib:
        return node.text or ""
    result: dict[str, Any] = dict(node.attrib)
    for child in node:
        value = element(child)
        if child.tag in result:
            if not isinstance(result[child.tag], list):
                result[child.tag] = [result[child.tag]]
            result[child.tag].append(value)
        else:
            result[child.tag] = value
    return result


def error_message(payload: Mapping[str, Any], secrets: tuple[str, ...] = ()) -> str:
    """The message of a ``status="error"`` answer: an ``errors`` list (JSON clients), an
    ``<errors><error>`` wrapper, or one ``error`` string (XML, R4); cleaned for display."""
    parts: list[str] = []
    for key in ("errors", "error"):
        value = payload.get(key)
        if isinstance(value, Mapping) and "error" in value:
            value = value["error"]  # <errors><error>...</error></errors>
        values = value if isinstance(value, list) else [value]
        parts += [str(v) for v in values if isinstance(v, (str, int, float)) and str(v).strip()]
        if parts:
            break
    return clean_text("; ".join(parts) or "error without a message", secrets)


def items(payload: Mapping[str, Any], plural: str, singular: str) -> list[dict[str, Any]]:
    """The entries of a list in any of its shapes; none at all is ``[]``.

    ``plural`` holding a JSON list, a wrapper (``{singular: ...}``) or one object; else bare
    ``singular`` elements (repeated: a list; once: one object).

    Raises:
        BadAnswer: an entry is not an object.
    """
    value = payload.get(plural)
    if isinstance(value, Mapping) and singular in value and len(value) == 1:
        value = value[singular]
    elif value is None:
        value = payload.get(singular)
    if value is None or (isinstance(value, str) and not value.strip()):
        return []  # an empty XML wrapper (<campaigns>\n</campaigns>) is an empty list
    entries = value if isinstance(value, list) else [value]
    if not all(isinstance(entry, dict) for entry in entries):
        raise BadAnswer(f"The central API's answer has malformed {singular} entries")
    return entries


def has_list(payload: Mapping[str, Any], plural: str, singular: str) -> bool:
    """Whether the answer carries the list at all (an empty list is known to be empty)."""
    return plural in payload or singular in payload


def one(payload: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A nested object the answer must have.

    Raises:
        BadAnswer: it is missing or not an object.
    """
    value = payload.get(name)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, dict):
        raise BadAnswer(f"The central API's answer has no {name}")
    return value


def text(value: Any) -> str:
    """A scalar answer value as text (missing: empty); structures are not text.

    Raises:
        BadAnswer: the value is a structure.
    """
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise BadAnswer("The central API's answer has a structure where text belongs")
    return str(value)


def first(entry: Mapping[str, Any], *names: str) -> Any:
    """The first of several names an entry carries (``id`` or ``campaign_id``); None if none."""
    for name in names:
        if name in entry and entry[name] not in (None, ""):
            return entry[name]
    return None


def identifier(value: Any, what: str) -> str:
    """A code or card number from an answer, checked (printable, bounded; not only digits).

    Raises:
        BadAnswer: missing, too long, with control characters or spaces: refused, never adopted.
    """
    found = text(value).strip()
    if not is_identifier(found):
        raise BadAnswer(
            f"The central API's answer has an unusable {what} (not 1 to "
            f"{MAX_IDENTIFIER_LENGTH} printable characters); nothing was adopted"
        )
    return found
