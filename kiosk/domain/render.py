"""Response rendering shared by every caller: XML (default), JSON, JSONP, condensed (R1-R4).

A response is a plain payload: a dict whose ``status`` is ``success``, ``error`` or ``no_match``,
with nested dicts and lists of dicts. Lists render in XML as repeated elements named by the
singular of the list's key (``customers`` -> ``<customer>``); a nested ``status`` becomes an
attribute, as in the documented ``<customer status="update">``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from kiosk.domain.fields import field_problem, is_yes

Payload = Mapping[str, Any]
"""A response before rendering."""


@dataclass(frozen=True)
class OutputFormat:
    """How a response is written, from the ``output``, ``callback`` and ``condensed`` fields."""

    json: bool = False
    """R2: JSON instead of the default XML."""
    callback: str | None = None
    """R3: wrap the JSON as ``callback(...)``."""
    condensed: bool = False
    """R3: no white space in JSON(P); XML is unaffected."""

    @property
    def content_type(self) -> str:
        """The HTTP content type of the rendered body."""
        if self.callback:
            return "application/javascript; charset=utf-8"
        return "application/json; charset=utf-8" if self.json else "text/xml; charset=utf-8"


class OutputFormatError(ValueError):
    """An output-format field is invalid; the error itself is rendered as XML."""


def output_format(request: Mapping[str, str]) -> OutputFormat:
    """Read the output-format fields of a request (R1-R3).

    Raises:
        OutputFormatError: ``output`` is neither JSON nor XML, or ``callback`` is not a name.
    """
    output = request.get("output", "XML").strip().upper() or "XML"
    if output not in ("XML", "JSON"):
        raise OutputFormatError(f"output must be JSON or XML, got {output[:20]!r}")
    callback = request.get("callback") or None
    if callback is not None:
        problem = field_problem("callback", callback)
        if problem:
            raise OutputFormatError(problem)
    return OutputFormat(
        json=output == "JSON" or callback is not None,
        callback=callback,
        condensed=is_yes(request.get("condensed", "")),
    )


def edit_success(status: str, code: str, card_number: str | None = None) -> dict[str, Any]:
    """R1/R2: the payload of an accepted edit; ``card_number`` only when one was generated."""
    customer: dict[str, Any] = {"status": status, "code": code}
    if card_number is not None:
        customer["card_number"] = card_number
    return {"status": "success", "customer": customer}


def error(message: str) -> dict[str, Any]:
    """R4: the payload of a refused request."""
    return {"status": "error", "error": message}


def render(payload: Payload, fmt: OutputFormat) -> str:
    """Write ``payload`` in the requested format."""
    if not fmt.json:
        return render_xml(payload)
    if fmt.condensed:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    else:
        text = json.dumps(payload, indent=2, ensure_ascii=False)
    return f"{fmt.callback}({text})" if fmt.callback else text


def render_xml(payload: Payload) -> str:
    """R1/R4: ``<response status="...">`` around the payload's elements, one per line."""
    lines = [f"<response status={quoteattr(str(payload.get('status', 'success')))}>"]
    for key, value in payload.items():
        if key != "status":
            _xml_element(key, value, lines)
    lines.append("</response>")
    return "\n".join(lines) + "\n"


def _xml_element(name: str, value: Any, lines: list[str]) -> None:
    if isinstance(value, Mapping):
        status = value.get("status")
        attribute = f" status={quoteattr(str(status))}" if status is not None else ""
        lines.append(f"<{name}{attribute}>")
        for key, inner in value.items():
            if key != "status":
                _xml_element(key, inner, lines)
        lines.append(f"</{name}>")
    elif isinstance(value, list):
        singular = name[:-1] if name.endswith("s") else name
        for item in value:
            _xml_element(singular, item, lines)
    else:
        text = "" if value is None else str(value)
        lines.append(f"<{name}>{escape(text)}</{name}>")
