"""Pure HID keyboard-wedge decoding: evdev key events (integer codes) to swipes.

Provides ``HidSwipeDecoder``: ``feed(code, value, timestamp)`` with the fields of an evdev
``EV_KEY`` event returns a ``Swipe``, a ``BadSwipe`` or None; ``poll(now)`` flushes a half swipe
after silence.

Rules, and why:

- Characters are typed on key-down (value 1) only. Key-up (0) and auto-repeat (2) type nothing:
  a reader presses each key once, far faster than the typematic delay, so a repeat can only come
  from a stuck key or a person, and must not add a digit to a card number.
- Shift (either side) and AltGr are tracked from their own down/up events. A key that was held
  when the device was grabbed produces only repeats and a key-up here, so it types nothing (no
  phantom characters); a modifier held at grab time can be passed as ``held_keys``.
- A key that types nothing we know (Tab, Backspace, an unmapped code) puts an invalid character
  into the swipe instead of being skipped: silently dropping a key inside a track could turn it
  into a different, valid-looking card number.
- Enter (main or keypad) and Tab are line ends (CR, Tab); which of them ends tracks or swipes,
  and the silence that ends a swipe, are ``StreamSwipeDecoder``'s framing.
- Lost events void the swipe: the kernel reports an overrun of its event buffer with
  ``SYN_DROPPED`` (a keyboard's buffer holds only a few characters, and a reading thread that
  stalls for tens of milliseconds on a loaded Pi overflows it). Events up to the next
  ``SYN_REPORT`` are ignored (the kernel's documented rule), the rest of that swipe is discarded,
  and it is reported once as a bad swipe: a number with missing digits must never be read.
  Modifier state may be stale after a drop; ``needs_resync`` asks the reader to pass the keys
  held now (``EVIOCGKEY``) to ``resync()``, as libevdev does.
"""

from __future__ import annotations

from collections.abc import Iterable

from device.hid_keymap import (
    ALTGR_KEYS,
    ENTER_KEYS,
    EV_KEY,
    EV_SYN,
    IGNORED_KEYS,
    KEY_TAB,
    SHIFT_KEYS,
    SYN_DROPPED,
    SYN_REPORT,
    KeyLayout,
    get_layout,
)
from device.serial_framing import FramerConfig, StreamSwipeDecoder
from device.swipe import BadSwipe, DecoderConfig, Swipe

KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
INVALID_CHAR = "\ufffd"
"""Stands in for a key that types nothing known; no track format accepts it."""


class HidSwipeDecoder:
    """Turns a reader's key events into swipes; pure, fed with the caller's clock."""

    def __init__(
        self,
        decoder: DecoderConfig | None = None,
        framing: FramerConfig | None = None,
        layout: KeyLayout | str = "us",
        held_keys: Iterable[int] = (),
    ) -> None:
        self.layout = get_layout(layout) if isinstance(layout, str) else layout
        # HID readers end tracks and swipes with Enter, which we translate to CR.
        self._stream = StreamSwipeDecoder(decoder, framing or FramerConfig(frozenset({"\r"})))
        self._down: set[int] = set()
        self._pending: list[Swipe | BadSwipe] = []
        self._ignoring = False
        self.needs_resync = False
        """True after lost events, until ``resync()`` is given the keys held now."""
        self.reset(held_keys)

    @property
    def stream(self) -> StreamSwipeDecoder:
        """The framer and decoder behind the key translation (``observer`` lives there)."""
        return self._stream

    def reset(self, held_keys: Iterable[int] = ()) -> None:
        """Forget all state (after a re-grab); ``held_keys`` are keys down right now."""
        self._down = {code for code in held_keys if code in SHIFT_KEYS | ALTGR_KEYS}
        self._pending.clear()
        self._ignoring = self.needs_resync = False
        self._stream.reset(0.0)

    def resync(self, held_keys: Iterable[int]) -> None:
        """Take the modifier state from the keys held now (after lost events)."""
        self._down = {code for code in held_keys if code in SHIFT_KEYS | ALTGR_KEYS}
        self.needs_resync = False

    def event(self, type_: int, code: int, value: int, timestamp: float) -> list[Swipe | BadSwipe]:
        """Process one evdev event of any type, in the order the kernel delivered them.

        ``EV_KEY`` types; ``SYN_DROPPED`` voids the swipe and ignores events up to the next
        ``SYN_REPORT``; ``EV_MSC`` scan codes, LEDs and the rest only let time pass.
        """
        if self._ignoring and not self._stream.pending:
            self._ignoring = False  # the voided swipe has ended (silence) without a SYN_REPORT
        if type_ == EV_SYN and code == SYN_DROPPED:
            self._ignoring = self.needs_resync = True
            self._pending.extend(self._stream.void(timestamp))
        elif type_ == EV_SYN and code == SYN_REPORT and self._ignoring:
            self._ignoring = False
        elif type_ == EV_KEY and not self._ignoring:
            self._key(code, value, timestamp)
        else:
            self._pending.extend(self._stream.poll(timestamp))
        results = list(self._pending)
        self._pending.clear()
        return results

    @property
    def shift(self) -> bool:
        """True while either shift key is down."""
        return bool(self._down & SHIFT_KEYS)

    def feed(self, code: int, value: int, timestamp: float) -> Swipe | BadSwipe | None:
        """Process one key event; return a completed swipe, if any.

        Args:
            code: the integer key code (``event.code``).
            value: 1 key-down, 0 key-up, 2 auto-repeat.
            timestamp: seconds on a clock shared with ``poll()``.
        """
        self._key(code, value, timestamp)
        return self._pending.pop(0) if self._pending else None

    def _key(self, code: int, value: int, timestamp: float) -> None:
        if code in SHIFT_KEYS or code in ALTGR_KEYS:
            if value == KEY_DOWN:
                self._down.add(code)
            elif value == KEY_UP:
                self._down.discard(code)
        elif value == KEY_DOWN and code not in IGNORED_KEYS:
            self._pending.extend(self._stream.feed(self._char(code), timestamp))
        else:
            # Key-ups and repeats type nothing, but time still passes for the silence timeout.
            self._pending.extend(self._stream.poll(timestamp))

    def poll(self, now: float) -> list[Swipe | BadSwipe]:
        """Return results not yet handed out, plus a half swipe flushed by silence."""
        results = [*self._pending, *self._stream.poll(now)]
        self._pending.clear()
        return results

    def flush(self, now: float) -> list[Swipe | BadSwipe]:
        """Flush everything pending (the device went away mid-swipe)."""
        results = [*self._pending, *self._stream.flush(now)]
        self._pending.clear()
        return results

    def _char(self, code: int) -> str:
        if code in ENTER_KEYS:
            return "\r"
        if code == KEY_TAB:
            return "\t"
        altgr = bool(self._down & ALTGR_KEYS)
        char = self.layout.char(code, self.shift, altgr)
        return char if char is not None else INVALID_CHAR
