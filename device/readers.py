"""One factory for every card reader: ``open_reader(spec, on_event) -> CardReader``.

Provides ``open_reader()``, ``parse_spec()``, ``with_options()``, the decoder builders shared
with ``kiosk readers replay`` (``decoder_config()``, ``serial_decoder()``, ``hid_decoder()``),
``TerminalReader`` and re-exports the reader types (``CardReader``, ``ReaderEvent``,
``ReaderStatus``). Reader modules that need ``evdev`` or ``serial`` are imported only when such a
reader is opened.

Specs (options after ``?``, ``&``-separated, values percent-encoded; ``+`` is kept literally):

- ``evdev:/dev/input/by-id/usb-...-event-kbd``, ``evdev:name=Magtek USB Reader``,
  ``evdev:usb=0801:0001``; options ``layout=us|de``, ``terminator=enter|tab|any|none``;
- ``serial:/dev/ttyUSB0?baud=9600&terminator=cr``, ``serial:loop://``; options ``baud``,
  ``terminator=cr|lf|crlf|any|none`` (ETX is always a line end), ``signon_ms`` (drop a greeting
  line within that time after opening; default 500);
- ``terminal`` (swipes typed into the TUI; see ``device.wedge``); option ``gap`` (seconds);
- ``script:FILE`` (see ``device.script_reader``).

Options for all kinds: ``track=2,1`` (tracks to take the number from, in order),
``pattern=REGEX`` (tried on each track's raw text), ``prefix=``/``preamble=`` and
``suffix=``/``postamble=`` (text the reader sends around a swipe or a track),
``sentinels=no`` (tracks without sentinels, or the account number only), ``lrc=yes`` (an LRC
character after each track), and the card-number rules ``digits=MIN-MAX``, ``prefixes=A,B``,
``luhn=yes``. For evdev and serial also ``per_track=auto|yes|no`` (``no``: the reader sends one
terminator per swipe, which then ends it at once; otherwise ``track_gap`` seconds of silence
after a track end the swipe, default 0.1), ``timeout`` (silence mid-track, seconds) and ``max``
(longest swipe, characters).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from device.card_rules import MAX_DIGITS, MIN_DIGITS, CardRules
from device.hid_keymap import get_layout
from device.reader_base import CardReader, EventCallback, ReaderEvent, ReaderStatus
from device.serial_framing import FramerConfig, StreamSwipeDecoder
from device.swipe import DecoderConfig
from device.wedge import TerminalWedge

if TYPE_CHECKING:
    from device.hid_decoder import HidSwipeDecoder

__all__ = [
    "CardReader",
    "ReaderEvent",
    "ReaderSpec",
    "ReaderStatus",
    "TerminalReader",
    "decoder_config",
    "hid_decoder",
    "open_reader",
    "parse_spec",
    "serial_decoder",
    "with_options",
]

_COMMON = {"track", "pattern", "prefix", "suffix", "preamble", "postamble", "sentinels", "lrc"}
_COMMON |= {"digits", "prefixes", "luhn"}
_STREAM = _COMMON | {"timeout", "max", "per_track", "track_gap", "terminator"}
KNOWN_OPTIONS: dict[str, frozenset[str]] = {
    "evdev": frozenset(_STREAM | {"layout"}),
    "serial": frozenset(_STREAM | {"baud", "signon_ms"}),
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
EVDEV_TERMINATORS: dict[str, frozenset[str]] = {
    "enter": frozenset({"\r"}),
    "tab": frozenset({"\t"}),
    "any": frozenset({"\r", "\t"}),
    "none": frozenset(),
}
_YES = ("1", "yes", "true", "on")
_NO = ("0", "no", "false", "off")


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


def with_options(spec: str, extra: dict[str, str]) -> str:
    """``spec`` with ``extra`` options added where the spec does not set them already.

    The store's card-number rules (``reader.card_*`` in kiosk.toml) reach every reader this way.
    """
    parsed = parse_spec(spec)
    added = {k: v for k, v in extra.items() if v != "" and k not in parsed.options}
    if not added:
        return spec
    query = "&".join(f"{k}={quote(v, safe=',-')}" for k, v in added.items())
    return f"{spec.strip()}{'&' if '?' in spec else '?'}{query}"


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
    decoder = decoder_config(options)
    if parsed.kind == "terminal":
        return TerminalReader(on_event, TerminalWedge(decoder, gap=_float(options, "gap", 0.5)))
    if parsed.kind == "script":
        from device.script_reader import ScriptReader

        return ScriptReader(parsed.target, on_event, decoder)
    if parsed.kind == "evdev":
        from device.evdev_reader import DeviceSelector, EvdevReader

        selector = DeviceSelector.parse(parsed.target)
        return EvdevReader(selector, on_event, hid_decoder(options))
    from device.serial_reader import SerialReader

    baud = _int(options, "baud", 9600)
    if baud <= 0:
        raise ValueError("serial reader: baud must be a positive number")
    return SerialReader(parsed.target, on_event, baud, serial_decoder(options))


def serial_decoder(options: dict[str, str]) -> StreamSwipeDecoder:
    """The framing and decoding of a serial reader with these spec options."""
    terminator = options.get("terminator", "any").lower()
    if terminator not in TERMINATORS:
        raise ValueError(f"serial reader: terminator must be one of {', '.join(TERMINATORS)}")
    framing = _framing(options, TERMINATORS[terminator])
    signon = _int(options, "signon_ms", 500)
    if signon < 0:
        raise ValueError("serial reader: signon_ms must not be negative")
    return StreamSwipeDecoder(decoder_config(options), framing, signon_window=signon / 1000)


def hid_decoder(options: dict[str, str]) -> HidSwipeDecoder:
    """The key translation, framing and decoding of an evdev reader with these options."""
    from device.hid_decoder import HidSwipeDecoder

    terminator = options.get("terminator", "enter").lower()
    if terminator not in EVDEV_TERMINATORS:
        raise ValueError(f"evdev reader: terminator must be one of {', '.join(EVDEV_TERMINATORS)}")
    framing = _framing(options, EVDEV_TERMINATORS[terminator])
    layout = get_layout(options.get("layout", "us"))
    return HidSwipeDecoder(decoder_config(options), framing, layout)


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


def decoder_config(options: dict[str, str]) -> DecoderConfig:
    """The decoder settings (tracks, pattern, framing text, card rules) of spec options."""
    order: tuple[int, ...] = (2, 1)
    if "track" in options:
        try:
            order = tuple(int(part) for part in options["track"].split(","))
        except ValueError:
            raise ValueError("option track must list track numbers, e.g. track=2,1") from None
    return DecoderConfig(
        track_order=order,
        card_pattern=options.get("pattern") or None,
        prefix=options.get("preamble", options.get("prefix", "")),
        suffix=options.get("postamble", options.get("suffix", "")),
        sentinels=_flag(options, "sentinels", True),
        lrc=_flag(options, "lrc", False),
        rules=card_rules(options),
    )


def card_rules(options: dict[str, str]) -> CardRules:
    """The card-number rules of spec options ``digits``, ``prefixes`` and ``luhn``."""
    low, high = MIN_DIGITS, MAX_DIGITS
    if options.get("digits"):
        first, dash, last = options["digits"].partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise ValueError(
                "option digits must be a length or a range, e.g. 16 or 12-19"
            ) from None
    prefixes = tuple(p.strip() for p in options.get("prefixes", "").split(",") if p.strip())
    return CardRules(low, high, prefixes, _flag(options, "luhn", False))


def _framing(options: dict[str, str], terminators: frozenset[str]) -> FramerConfig:
    per_track = options.get("per_track", "auto").lower()
    if per_track not in ("auto", *_YES, *_NO):
        raise ValueError("option per_track must be auto, yes or no")
    decoder = decoder_config(options)
    return FramerConfig(
        terminators=terminators,
        end_on_terminator=per_track in _NO,
        silence_timeout=_float(options, "timeout", 0.3),
        track_gap=_float(options, "track_gap", 0.1),
        max_chars=_int(options, "max", 1024),
        sentinels=decoder.sentinels,
        lrc=decoder.lrc,
    )


def _flag(options: dict[str, str], key: str, default: bool) -> bool:
    value = options.get(key, "").lower()
    if not value:
        return default
    if value not in (*_YES, *_NO):
        raise ValueError(f"option {key} must be yes or no")
    return value in _YES


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
