"""How the reference server writes its answers: XML (default), JSON, JSONP, condensed; streamed.

A payload is a dict whose ``status`` is ``success``, ``error`` or ``no_match``, with nested dicts,
lists and :class:`Lazy` lists (rows produced while the answer is written, so that a search of
100,000 customers is never held in memory). :func:`render` yields the answer piece by piece.

XML follows the real service's shapes (api-notes.md), one element per line as the documented
example shows: ``<response status="...">`` around the payload; a nested ``status`` becomes an
attribute (``<customer status="new">``, R1); lists are wrapped,
``<campaigns><campaign>...</campaign></campaigns>``, except the customers of a search, which
repeat ``<customer>`` directly under ``<response>``. JSON is the same content; an error is
``{"status": "error", "error": message}`` as rule R4 documents (the public JSON clients read an
``errors`` list: our client reads both); ``callback`` wraps JSONP and ``condensed`` removes white
space (R3).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from kiosk.domain.render import OutputFormat

BARE_LISTS = frozenset(("customers",))
"""Top-level lists written as repeated elements without a wrapper (a search's customers)."""
JSON_ONLY: dict[str, str] = {"customers": "customer"}
"""Keys left out of XML when the other key is present: ``customer_info`` also lists its customer
as ``customers`` in JSON, as earlier versions of this server did (real clients ignore it)."""
SINGULAR: dict[str, str] = {"available_rewards": "reward", "balances": "item", "errors": "error"}
"""Element names of list entries where dropping the final ``s`` is not the name."""


class Lazy:
    """A list whose entries are produced while the answer is written."""

    def __init__(self, produce: Callable[[], Iterator[Mapping[str, Any]]]) -> None:
        self._produce = produce

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return self._produce()


def error(message: str) -> dict[str, Any]:
    """R4: the payload of a refused request (``{"status": "error", "error": message}``)."""
    return {"status": "error", "error": message}


def render(payload: Mapping[str, Any], fmt: OutputFormat) -> Iterator[str]:
    """The answer in the requested format, piece by piece."""
    if not fmt.json:
        yield from _xml(payload)
        return
    if fmt.callback:
        yield f"{fmt.callback}("
    yield from _json(payload, 0, pretty=not fmt.condensed)
    if fmt.callback:
        yield ")"


def _xml(payload: Mapping[str, Any]) -> Iterator[str]:
    yield f"<response status={quoteattr(str(payload.get('status', 'success')))}>\n"
    for key, value in payload.items():
        if key == "status" or (key in JSON_ONLY and JSON_ONLY[key] in payload):
            continue
        if key in BARE_LISTS and _is_list(value):
            for entry in value:
                yield from _xml_element(_singular(key), entry)
        else:
            yield from _xml_element(key, value)
    yield "</response>\n"


def _xml_element(name: str, value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        status = value.get("status")
        attribute = f" status={quoteattr(str(status))}" if status is not None else ""
        yield f"<{name}{attribute}>\n"
        for key, inner in value.items():
            if key != "status":
                yield from _xml_element(key, inner)
        yield f"</{name}>\n"
    elif _is_list(value):
        yield f"<{name}>\n"
        for entry in value:
            yield from _xml_element(_singular(name), entry)
        yield f"</{name}>\n"
    else:
        yield f"<{name}>{escape('' if value is None else str(value))}</{name}>\n"


def _json(payload: Mapping[str, Any], _level: int, *, pretty: bool) -> Iterator[str]:
    """JSON text of ``payload``, the same as ``json.dumps`` (``indent=2`` when pretty); a
    :class:`Lazy` list in it is written entry by entry as it is produced."""
    if not any(isinstance(value, Lazy) for value in payload.values()):
        yield _dumps(payload, pretty)
        return
    inner = "\n  " if pretty else ""
    yield "{"
    for index, (key, value) in enumerate(payload.items()):
        yield ("," if index else "") + inner + json.dumps(str(key), ensure_ascii=False)
        yield ": " if pretty else ":"
        if not isinstance(value, Lazy):
            yield _dumps(value, pretty).replace("\n", inner)
            continue
        empty = True
        for entry in value:
            yield ("[" if empty else ",") + inner + ("  " if pretty else "")
            yield _dumps(entry, pretty).replace("\n", inner + "  ")
            empty = False
        yield "[]" if empty else inner + "]"
    yield ("\n" if pretty else "") + "}"


def _dumps(value: Any, pretty: bool) -> str:
    if pretty:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, Lazy))


def _singular(name: str) -> str:
    return SINGULAR.get(name, name[:-1] if name.endswith("s") else name)


def joined(pieces: Iterable[str]) -> str:
    """A whole answer as one text (the CLI and tests)."""
    return "".join(pieces)
