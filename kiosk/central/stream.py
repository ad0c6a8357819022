"""Reading a search answer of any size as it arrives: one customer at a time, bounded memory.

A ``customer_search`` of a whole account (100,000 customers is a real shop) is far larger than
any answer the kiosk should hold at once. The body is fed chunk by chunk and each customer is
handed back as soon as it is complete, then dropped: :class:`JsonCustomerStream` for the JSON the
client asks for (each customer decoded by the C decoder, so the pull is not slowed by parsing),
:class:`CustomerStream` for an XML answer (expat through defusedxml: DTDs and entities refused;
each ``<customer>`` under ``<response>`` as the same dict :func:`~kiosk.central.answers.element`
makes). The answer's ``status`` and error text are kept. One customer may not exceed
:data:`MAX_RECORD_BYTES` (nor, in XML, nest deeper than :data:`MAX_DEPTH`): a hostile answer is
refused, never buffered.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from kiosk.central.answers import BadAnswer, UnknownOutcome, element

MAX_RECORD_BYTES = 256_000
"""The most one customer's XML may take (a record is ~1 kB; a garbage one is refused)."""
MAX_DEPTH = 12
"""The deepest nesting accepted (``response/customer/campaigns/campaign/items/item/...``)."""


class _Target:
    """Builds only the element being read; hands finished customers to the stream."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.error: str = ""
        self.done: list[dict[str, Any]] = []
        self._stack: list[Element] = []
        self._size = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        depth = len(self._stack)
        if depth == 0:
            if tag != "response":
                raise BadAnswer("The central API's XML answer is not a <response>")
            self.status = attrib.get("status")
        if depth >= MAX_DEPTH:
            raise BadAnswer("The central API's answer nests too deep")
        node = Element(tag, attrib)
        if depth >= 1:
            self._stack[-1].append(node)
        self._stack.append(node)
        self._count(len(tag) + sum(len(k) + len(v) for k, v in attrib.items()))

    def data(self, text: str) -> None:
        if len(self._stack) >= 2:
            node = self._stack[-1]
            node.text = (node.text or "") + text
            self._count(len(text))

    def end(self, tag: str) -> None:
        node = self._stack.pop()
        depth = len(self._stack)
        if depth == 1:
            root = self._stack[0]
            root.remove(node)  # a finished child of <response> is not kept
            self._size = 0
            if tag == "customer":
                value = element(node)
                self.done.append(value if isinstance(value, dict) else {})
            elif tag in ("error", "errors"):
                value = element(node)
                self.error = value if isinstance(value, str) else str(value.get("error", ""))

    def close(self) -> None:
        return None

    def _count(self, size: int) -> None:
        self._size += size
        if self._size > MAX_RECORD_BYTES:
            raise BadAnswer(
                f"One record of the central API's answer is larger than {MAX_RECORD_BYTES} bytes"
            )


class CustomerStream:
    """Feed it chunks of an XML search answer; take the customers finished so far."""

    def __init__(self) -> None:
        self._target = _Target()
        self._parser = SafeET.DefusedXMLParser(target=self._target, forbid_dtd=True)
        self._closed = False

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        """Parse one more chunk; return the customers it completed.

        Raises:
            BadAnswer: not acceptable XML, a record too large or too deep.
        """
        try:
            self._parser.feed(chunk)
        except (ParseError, DefusedXmlException, ValueError, RecursionError) as problem:
            raise BadAnswer(f"The central API's answer is not acceptable XML ({problem})") from None
        done, self._target.done = self._target.done, []
        return done

    def close(self) -> None:
        """The body has ended: it must have been a whole ``<response>`` with a known status.

        Raises:
            UnknownOutcome: cut short, or no known status.
        """
        try:
            self._parser.close()
        except (ParseError, DefusedXmlException, ValueError) as problem:
            raise UnknownOutcome(f"The central API's answer ended early ({problem})") from None
        if self._target.status not in ("success", "error", "no_match"):
            raise UnknownOutcome("The central API's answer has no known status")

    @property
    def status(self) -> str | None:
        """The answer's status, known once ``<response>`` has started."""
        return self._target.status

    @property
    def error(self) -> str:
        """The text of an ``<error>``, if the answer had one."""
        return self._target.error


_SPACE = re.compile(r"[ \t\r\n\ufeff]*")


class JsonCustomerStream:
    """The same for a JSON answer: ``{"status": ..., "customers": [{...}, ...]}`` in any key
    order, each customer decoded (by the C decoder) as soon as it is complete. Codes keep their
    digits: numbers are read as text (R5)."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")("strict")
        self._decoder = json.JSONDecoder(parse_int=str, parse_float=str)
        self._buffer = ""
        self._state = "start"
        self._key = ""
        self.status: str | None = None
        self.error = ""

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        """Parse one more chunk; return the customers it completed.

        Raises:
            BadAnswer: not UTF-8, not a JSON object, or one value larger than
                :data:`MAX_RECORD_BYTES`.
        """
        try:
            self._buffer += self._text.decode(chunk)
        except UnicodeDecodeError:
            raise BadAnswer("The central API's answer is not valid UTF-8") from None
        done: list[dict[str, Any]] = []
        position = 0
        while True:
            moved = self._step(position, done)
            if moved is None:
                break
            position = moved
        self._buffer = self._buffer[position:]
        if len(self._buffer) > MAX_RECORD_BYTES:
            raise BadAnswer(
                f"One value of the central API's answer is larger than {MAX_RECORD_BYTES} bytes"
            )
        return done

    def close(self) -> None:
        """The body has ended: it must have been a whole object with a known status.

        Raises:
            UnknownOutcome: cut short, or no known status.
        """
        if self._state != "done" or self._buffer.strip():
            raise UnknownOutcome("The central API's answer ended early")
        if self.status not in ("success", "error", "no_match"):
            raise UnknownOutcome("The central API's answer has no known status")

    def _step(self, at: int, done: list[dict[str, Any]]) -> int | None:
        """Parse one token or value from ``at``; its end, or None when more text is needed."""
        at = _SPACE.match(self._buffer, at).end()  # type: ignore[union-attr]
        if at >= len(self._buffer):
            return None
        char = self._buffer[at]
        if self._state == "start":
            if char != "{":
                raise BadAnswer("The central API's answer is not a JSON object")
            self._state = "key"
            return at + 1
        if self._state == "key":
            if char in ",":
                return at + 1
            if char == "}":
                self._state = "done"
                return at + 1
            key, end = self._value(at)
            if end is None:
                return None
            end = _SPACE.match(self._buffer, end).end()  # type: ignore[union-attr]
            if end >= len(self._buffer):
                return None
            if self._buffer[end] != ":" or not isinstance(key, str):
                raise BadAnswer("The central API's answer is not valid JSON")
            self._key, self._state = key, "value"
            return end + 1
        if self._state == "value":
            if self._key in ("customers", "customer") and char == "[":
                self._state = "items"
                return at + 1
            value, end = self._value(at)
            if end is None:
                return None
            self._keep(value, done)
            self._state = "key"
            return end
        if self._state == "items":
            if char == ",":
                return at + 1
            if char == "]":
                self._state = "key"
                return at + 1
            value, end = self._value(at)
            if end is None:
                return None
            if not isinstance(value, dict):
                raise BadAnswer("The central API's answer has malformed customer entries")
            done.append(value)
            return end
        raise BadAnswer("The central API's answer goes on after its end")

    def _value(self, at: int) -> tuple[Any, int | None]:
        try:
            return self._decoder.raw_decode(self._buffer, at)
        except json.JSONDecodeError:
            return None, None  # incomplete (or broken: the size bound or close() will tell)
        except RecursionError:
            raise BadAnswer("The central API's answer nests too deep") from None

    def _keep(self, value: Any, done: list[dict[str, Any]]) -> None:
        if self._key == "status" and isinstance(value, str):
            self.status = value
        elif self._key in ("error", "errors"):
            self.error = "; ".join(value) if isinstance(value, list) else str(value)
        elif self._key in ("customers", "customer"):
            entries = value if isinstance(value, list) else [value]
            if not all(isinstance(entry, dict) for entry in entries):
                raise BadAnswer("The central API's answer has malformed customer entries")
            done.extend(entries)
