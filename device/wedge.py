"""Pure terminal-wedge helper: spots a swipe typed into the terminal among ordinary keys.

Provides ``TerminalWedge``. Where there is no grabbed reader (a laptop, the demo, or a HID reader
whose keys reach the terminal), the TUI feeds it every key character it receives with a
timestamp. A burst that starts with ``%`` or ``;`` is held back (consumed) and decoded when Enter
arrives; the UI swallows consumed keys.

Giving keys back, and why: a person may really want to type ``%`` or ``;`` into a form. Held
keys are released (handed back to the UI, in order) when

- the next key comes more than ``gap`` seconds after the previous one (a reader types a whole
  swipe in a fraction of a second; a person pauses), or ``expire(now)`` is called after such a
  pause (call it from a timer so a lone ``%`` appears on screen);
- Enter ends a burst that does not decode *and* was typed at human speed (keys on average more
  than ``typed_gap`` apart): that was typing, not a swipe.

A fast burst that does not decode is a bad swipe, reported as ``BadSwipe``, and its keys stay
consumed (they are raw track data). Released text is collected by ``take_released()``: after
``feed()``, insert it *before* the current key (when that key was not consumed).
"""

from __future__ import annotations

from device.swipe import BadSwipe, DecoderConfig, Swipe, decode_swipe

ENTER = frozenset({"\r", "\n", "enter"})
"""What the UI may pass for the Enter key."""


class TerminalWedge:
    """Collects swipe bursts from terminal key characters; pure, fed with the caller's clock."""

    def __init__(
        self,
        decoder: DecoderConfig | None = None,
        gap: float = 0.5,
        typed_gap: float = 0.03,
        max_chars: int = 512,
    ) -> None:
        self.decoder = decoder or DecoderConfig()
        self.gap = gap
        """Longest pause between two keys of one swipe, in seconds."""
        self.typed_gap = typed_gap
        """Mean pause between keys above which a burst that fails to decode counts as typing."""
        self.max_chars = max_chars
        """Longest burst held; beyond it the burst is a bad swipe."""
        self._held: list[str] = []
        self._start = 0.0
        self._last = 0.0
        self._released: list[str] = []

    @property
    def active(self) -> bool:
        """True while a possible swipe is being held."""
        return bool(self._held)

    def feed(self, key: str, now: float) -> tuple[bool, Swipe | BadSwipe | None]:
        """Offer one key to the wedge.

        Args:
            key: the key's character (``"enter"``, CR or LF for Enter).
            now: seconds on a monotonic clock.

        Returns:
            ``(consumed, result)``: consumed keys must not reach the focused widget; result is
            the swipe completed by this key, if any. Check ``take_released()`` afterwards.
        """
        self.expire(now, collect=True)
        if not self._held:
            if key in ("%", ";"):
                self._held, self._start, self._last = [key], now, now
                return True, None
            return False, None
        self._last = now
        if key in ENTER:
            text = "".join(self._held)
            typed_slowly = (now - self._start) / len(self._held) > self.typed_gap
            self._held = []
            result = decode_swipe(text, self.decoder)
            if isinstance(result, BadSwipe) and typed_slowly:
                self._released.append(text)
                return False, None
            return True, result
        self._held.append(key if len(key) == 1 else "\ufffd")
        if len(self._held) > self.max_chars:
            self._held = []
            return True, BadSwipe.of("too_long")
        return True, None

    def expire(self, now: float, collect: bool = False) -> str:
        """Release held keys if the burst has paused longer than ``gap``.

        Returns:
            The released text (also kept for ``take_released()`` when ``collect`` is True).
        """
        if not self._held or now - self._last <= self.gap:
            return ""
        text = "".join(self._held)
        self._held = []
        if collect:
            self._released.append(text)
        return text

    def take_released(self) -> str:
        """Return (and forget) keys handed back by the last ``feed()`` calls."""
        text = "".join(self._released)
        self._released.clear()
        return text
