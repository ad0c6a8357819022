"""Reading a search answer of any size as it arrives: one customer at a time, bounded memory.

A ``customer_search`` of a whole account (100,000 customers is a real shop) is far larger than
any answer the kiosk should hold at once. :class:`CustomerStream` is fed the XML body chunk by
chunk (expat through defusedxml: DTDs and entities refused) and hands back each ``<customer>``
under ``<response>`` as soon as its end tag arrives, as the same dict :func:`~kiosk.central.
answers.element` makes; the element is then dropped. The answer's ``status`` (an attribute of
``<response>``) and an ``<error>`` are kept. One customer may not exceed
:data:`MAX_RECORD_BYTES`, nor nest deeper than :data:`MAX_DEPTH`: a hostile answer is refused,
never buffered.
"""

from __future__ import annotations

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
