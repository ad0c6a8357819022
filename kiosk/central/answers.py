"""Answers of the central loyalty API: the exceptions, the result types, and body parsing.

Used by :mod:`kiosk.central.client` (which re-exports everything here). A body is read as JSON,
JSONP or XML (defusedxml, DTDs refused) into a plain payload dict; anything that does not parse
or lacks a known ``status`` is :class:`UnknownOutcome`, since the request may have been applied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from kiosk.domain.fields import CUSTOM_FIELD_NAME, PROFILE_FIELDS
from kiosk.domain.secrets import mask_card

_JSONP = re.compile(r"\A\s*[A-Za-z_$][A-Za-z0-9_$.]*\((.*)\)\s*;?\s*\Z", re.DOTALL)
DIGITS = re.compile(r"[0-9]+")
"""Codes and card numbers are strings of digits (R5)."""


class CentralError(Exception):
    """Base of every failure of a central API call; ``str()`` never contains credentials."""


class ApiError(CentralError):
    """The API answered ``status="error"``: definitive, resending the same request will not help.

    Attributes:
        message: the API's own message (credentials redacted), for staff to act on.
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


@dataclass(frozen=True)
class EditResponse:
    """The answer to an accepted ``record_customer`` call (rules R1, R2)."""

    status: Literal["new", "update"]
    """Whether a customer was created or updated."""
    code: str
    """The customer's code at the central API: adopt it (S4). Digits, leading zeros kept (R5)."""
    card_number: str | None
    """Only when ``card_number_generate`` made one (M6)."""

    def __repr__(self) -> str:
        return (
            f"EditResponse(status={self.status!r}, code={self.code!r}, "
            f"card_number={_masked(self.card_number)!r})"
        )


@dataclass(frozen=True)
class CentralBalance:
    """A customer's balance in one campaign."""

    campaign_id: str
    campaign_name: str
    campaign_type: str
    balance: Decimal
    item: str = ""
    """The product or service name, for buy-X balances."""


@dataclass(frozen=True)
class CentralCustomer:
    """A customer as ``customer_search`` and ``customer_info`` return it (never a PIN or hash)."""

    code: str
    card_number: str | None
    profile: dict[str, str]
    """The :data:`~kiosk.domain.fields.PROFILE_FIELDS` the API returned."""
    custom_values: dict[int, str]
    """``custom_field_N`` values by N."""
    balances: tuple[CentralBalance, ...]

    def __repr__(self) -> str:
        # S8: a card number shows its last 4 digits; so does a code that is the card number.
        code = _masked(self.code) if self.code == self.card_number else self.code
        return (
            f"CentralCustomer(code={code!r}, card_number={_masked(self.card_number)!r}, "
            f"profile={self.profile!r}, custom_values={self.custom_values!r}, "
            f"balances={self.balances!r})"
        )


def _masked(card: str | None) -> str | None:
    return None if card is None else mask_card(card)


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
        text = body.decode("utf-8").lstrip("\ufeff \t\r\n")
    except UnicodeDecodeError:
        raise UnknownOutcome("The central API's answer is not valid UTF-8") from None
    if text.startswith("<"):
        payload = parse_xml(text)
    else:
        match = _JSONP.match(text)
        try:
            # parse_int/parse_float keep numbers as text: codes keep their digits (R5).
            payload = json.loads(match.group(1) if match else text, parse_int=str, parse_float=str)
        except (ValueError, RecursionError):
            raise UnknownOutcome("The central API's answer is not valid JSON") from None
    if not isinstance(payload, dict) or payload.get("status") not in (
        "success",
        "error",
        "no_match",
    ):
        raise UnknownOutcome("The central API's answer has no known status")
    return payload


def parse_xml(text: str) -> dict[str, Any]:
    try:
        root = SafeET.fromstring(text, forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError, ValueError, RecursionError):
        raise UnknownOutcome("The central API's answer is not acceptable XML") from None
    if root.tag != "response":
        raise UnknownOutcome("The central API's XML answer is not a <response>")
    return element(root)  # type: ignore[return-value]


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


def many(payload: Mapping[str, Any], singular: str) -> list[dict[str, Any]]:
    """Items named ``<singular>s`` (JSON list) or ``<singular>`` (XML, one or repeated)."""
    value = payload.get(singular + "s", payload.get(singular))
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, dict) for item in items):
        raise UnknownOutcome(f"The central API's answer has malformed {singular} items")
    return items


def one(payload: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = payload.get(name)
    if not isinstance(value, dict):
        raise UnknownOutcome(f"The central API's answer has no {name}")
    return value


def text(value: Any) -> str:
    """A scalar answer value as text; structures are not text."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise UnknownOutcome("The central API's answer has a structure where text belongs")
    return str(value)


def customer_from(item: Mapping[str, Any]) -> CentralCustomer:
    code = text(item.get("code"))
    if not DIGITS.fullmatch(code):
        raise UnknownOutcome("A customer in the central API's answer has no valid code")
    card = text(item.get("card_number")) or None
    profile = {name: text(item[name]) for name in PROFILE_FIELDS if name in item}
    custom: dict[int, str] = {}
    for name, value in item.items():
        match = CUSTOM_FIELD_NAME.fullmatch(name)
        if match:
            custom[int(match.group(1))] = text(value)
    balances = []
    for entry in many(item, "campaign"):
        try:
            amount = Decimal(text(entry.get("balance")).replace(",", ".") or "0")
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            raise UnknownOutcome("A balance in the central API's answer is not a number")
        balances.append(
            CentralBalance(
                campaign_id=text(entry.get("campaign_id")),
                campaign_name=text(entry.get("campaign_name")),
                campaign_type=text(entry.get("campaign_type")),
                balance=amount,
                item=text(entry.get("item")),
            )
        )
    return CentralCustomer(code, card, profile, custom, tuple(balances))
