"""One factory for every card reader: ``open_reader(spec, on_event) -> CardReader``.

Provides ``open_reader()``, ``parse_spec()``, ``TerminalReader`` and re-exports the reader
types (``CardReader``, ``ReaderEvent``, ``ReaderStatus``). Reader modules that need ``evdev`` or
``serial`` are imported only when such a reader is opened.

Specs (options after ``?``, ``&``-separated, values percent-encoded; ``+`` is kept literally):

- ``evdev:/dev/input/by-id/usb-...-event-kbd``, ``evdev:name=Magtek USB Reader``,
  ``evdev:usb=0801:0001``; options ``layout=us|de``;
- ``serial:/dev/ttyUSB0?baud=9600&terminator=cr``, ``serial:loop://``; options ``baud``,
  ``terminator=cr|lf|any|none`` (ETX always ends a swipe), ``per_track=yes`` (Enter after every
  track: a swipe then ends on silence), ``signon_ms`` (drop a greeting line within that time
  after opening; default 500);
- ``terminal`` (swipes typed into the TUI; see ``device.wedge``); option ``gap`` (seconds);
- ``script:FILE`` (see ``device.script_reader``).

Options for all: ``track=2,1`` (tracks to take the number from, in order), ``pattern=REGEX``,
``prefix=TEXT``, ``suffix=TEXT``; for evdev and serial also ``timeout`` (silence, seconds) and
``max`` (longest swipe, characters).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from device.hid_keymap import get_layout
from device.reader_base import CardReader, EventCallback, ReaderEvent, ReaderStatus
from device.serial_framing import FramerConfig
from device.swipe import DecoderConfig
from device.wedge import TerminalWedge

__all__ = [
    "CardReader",
    "ReaderEvent",
    "ReaderSpec",
    "ReaderStatus",
    "TerminalReader",
    "open_reader",
    "parse_spec",
]

_COMMON = {"track", "pattern", "prefix", "suffix"}
_STREAM = _COMMON | {"timeout", "max"}
KNOWN_OPTIONS: dict[str, frozenset[str]] = {
    "evdev": frozenset(_STREAM | {"layout"}),
    "serial": frozenset(_STREAM | {"baud", "terminator", "per_track", "signon_ms"}),
    "terminal": frozenset(_COMMON | {"gap"}),
    "script": frozenset(_COMMON),
}
TERMINATORS: dict[str, frozenset[str]] = {
    "cr": frozenset({"\r"}),
    "lf": frozenset({"\n"}),
    "crlf": frozenset({"\r", "\n"}),
    "any": frozenset({"\r", "\n"}),
    "none": frozenset(),
}


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    """A parsed reader spec."""

    kind: str
    target: str
    options: dict[str, str] = field(default_factory=dict)


def parse_spec(spec: str) -> ReaderSpec:
    """Split a spec into kind, target and options, checking the option names.

    Raises:
        ValueError: with a message naming the problem.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("reader spec is empty; use evdev:..., serial:..., terminal or script:FILE")
    spec = spec.strip()
    head, _, query = spec.partition("?")
    kind, colon, target = head.partition(":")
    kind = kind.strip().lower()
    if kind not in KNOWN_OPTIONS:
        raise ValueError(
            f"unknown reader kind {kind!r} in {spec!r}; use evdev:, serial:, terminal or script:"
        )
    if kind == "terminal" and target:
        raise ValueError("the terminal reader takes no target: use just 'terminal'")
    if kind != "terminal" and not (colon and target):
        raise ValueError(f"{kind} reader needs a target after '{kind}:'")
    options: dict[str, str] = {}
    for item in query.split("&") if query else []:
        key, equals, value = item.partition("=")
        key = unquote(key).strip().lower()
        if not equals or not key:
            raise ValueError(f"reader option {item!r} must look like name=value")
        if key not in KNOWN_OPTIONS[kind]:
            known = ", ".join(sorted(KNOWN_OPTIONS[kind]))
            raise ValueError(f"unknown option {key!r} for the {kind} reader; known: {known}")
        options[key] = unquote(value)
    return ReaderSpec(kind, target, options)


def open_reader(spec: str, on_event: EventCallback) -> CardReader:
    """Build (not start) the reader a spec describes.

    Args:
        spec: see the module docstring.
        on_event: called from the reader's own thread with each ``Swipe``, ``BadSwipe`` and
            ``ReaderStatus``; it must be thread-safe (Textual's ``post_message`` is).

    Raises:
        ValueError: when the spec is malformed, naming the problem.
    """
    parsed = parse_spec(spec)
    options = parsed.options
    decoder = _decoder_config(options)
    if parsed.kind == "terminal":
        return TerminalReader(on_event, TerminalWedge(decoder, gap=_float(options, "gap", 0.5)))
    if parsed.kind == "script":
        from device.script_reader import ScriptReader

        return ScriptReader(parsed.target, on_event, decoder)
    if parsed.kind == "evdev":
        from device.evdev_reader import DeviceSelector, EvdevReader
        from device.hid_decoder import HidSwipeDecoder

        selector = DeviceSelector.parse(parsed.target)
        framing = _framing(options, frozenset({"\r"}), end_on_terminator=True)
        layout = get_layout(options.get("layout", "us"))
        return EvdevReader(selector, on_event, HidSwipeDecoder(decoder, framing, layout))
    from device.serial_framing import StreamSwipeDecoder
    from device.serial_reader import SerialReader

    baud = _int(options, "baud", 9600)
    if baud <= 0:
        raise ValueError("serial reader: baud must be a positive number")
    terminator = options.get("terminator", "any").lower()
    if terminator not in TERMINATORS:
        raise ValueError(f"serial reader: terminator must be one of {', '.join(TERMINATORS)}")
    per_track = options.get("per_track", "no").lower() in ("1", "yes", "true", "on")
    framing = _framing(options, TERMINATORS[terminator], end_on_terminator=not per_track)
    signon = _int(options, "signon_ms", 500)
    if signon < 0:
        raise ValueError("serial reader: signon_ms must not be negative")
    stream = StreamSwipeDecoder(decoder, framing, signon_window=signon / 1000)
    return SerialReader(parsed.target, on_event, baud, stream)


class TerminalReader:
    """The reader for swipes typed into the terminal; the TUI feeds it every key.

    It has no thread: ``feed_key()`` runs on the UI thread and calls ``on_event`` there.
    """

    def __init__(self, on_event: EventCallback, wedge: TerminalWedge | None = None) -> None:
        self._on_event = on_event
        self.wedge = wedge or TerminalWedge()
        self._status = "stopped"

    @property
    def name(self) -> str:
        """A short description of the reader."""
        return "terminal"

    @property
    def status(self) -> str:
        """The current state in a few words."""
        return self._status

    def start(self) -> None:
        """Mark the reader ready; keys arrive through ``feed_key()``."""
        self._set_status("connected")

    def stop(self) -> None:
        """Mark the reader stopped."""
        self._set_status("stopped")

    def feed_key(self, key: str, now: float | None = None) -> bool:
        """Offer one key; return True if the UI must swallow it.

        Keys handed back (a ``%`` or ``;`` that was not a swipe) are in
        ``wedge.take_released()``; insert them before this key.
        """
        consumed, result = self.wedge.feed(key, time.monotonic() if now is None else now)
        if result is not None:
            self._on_event(result)
        return consumed

    def _set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self._on_event(ReaderStatus(text))


def _decoder_config(options: dict[str, str]) -> DecoderConfig:
    order: tuple[int, ...] = (2, 1)
    if "track" in options:
        try:
            order = tuple(int(part) for part in options["track"].split(","))
        except ValueError:
            raise ValueError("option track must list track numbers, e.g. track=2,1") from None
    return DecoderConfig(
        track_order=order,
        card_pattern=options.get("pattern") or None,
        prefix=options.get("prefix", ""),
        suffix=options.get("suffix", ""),
    )


def _framing(
    options: dict[str, str], terminators: frozenset[str], end_on_terminator: bool
) -> FramerConfig:
    return FramerConfig(
        terminators=terminators,
        end_on_terminator=end_on_terminator,
        silence_timeout=_float(options, "timeout", 0.3),
        max_chars=_int(options, "max", 512),
    )


def _float(options: dict[str, str], key: str, default: float) -> float:
    try:
        value = float(options.get(key, default))
    except ValueError:
        raise ValueError(f"option {key} must be a number of seconds") from None
    if not 0 < value <= 60:
        raise ValueError(f"option {key} must be between 0 and 60 seconds")
    return value


def _int(options: dict[str, str], key: str, default: int) -> int:
    try:
        return int(options.get(key, default))
    except ValueError:
        raise ValueError(f"option {key} must be a whole number") from None
