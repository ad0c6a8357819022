"""Pure terminal-wedge helper: spots a swipe typed into the terminal among ordinary keys.

Provides ``TerminalWedge``. Where there is no grabbed reader (a laptop, the demo, or a HID reader
whose keys reach the terminal before it is grabbed or after the grab is lost), the TUI feeds it
every key character it receives with a timestamp. A burst that starts with ``%`` or ``;`` is
held back (consumed) and decoded when Enter arrives; the UI swallows consumed keys.

One swipe, one result: a reader may send Enter after every track (ID TECH, Unitech defaults).
A burst that decodes at its Enter is reported at once, and keys arriving within ``track_gap``
after it are the rest of that swipe: swallowed, never a second result. A burst that does not
decode at its Enter waits ``track_gap`` for more tracks (call ``poll()`` from a timer).

Giving keys back, and why: a person may really want to type ``%`` or ``;`` into a form. Held
keys are released (handed back to the UI, in order) when

- the next key comes more than ``gap`` seconds after the previous one (a reader types a whole
  swipe in a fraction of a second; a person pauses), or ``expire(now)`` is called after such a
  pause (call it from a timer so a lone ``%`` appears on screen);
- Enter ends a burst that does not decode *and* was typed at human speed (keys on average more
  than ``typed_gap`` apart): that was typing, not a swipe. The demo, where people type swipes
  by hand, sets ``typed_gap`` to infinity: there a slow burst is still a swipe.

A fast burst that does not decode is a bad swipe, reported as ``BadSwipe``, and its keys stay
consumed (they are raw track data). Insert readers' status frames are swallowed. Released text
is collected by ``take_released()``: after ``feed()``, insert it *before* the current key (when
that key was not consumed).
"""

from __future__ import annotations

from device.swipe import BadSwipe, DecoderConfig, Swipe, decode_swipe, is_status_frame

ENTER = frozenset({"\r", "\n", "enter"})
"""What the UI may pass for the Enter key."""
VISIBLE = "%;?=^"
"""Characters ``progress`` shows as they are; every other typed key shows as a bullet."""


class TerminalWedge:
    """Collects swipe bursts from terminal key characters; pure, fed with the caller's clock."""

    def __init__(
        self,
        decoder: DecoderConfig | None = None,
        gap: float = 0.5,
        typed_gap: float = 0.03,
        max_chars: int = 512,
        track_gap: float = 0.1,
        guard: bool = False,
    ) -> None:
        self.decoder = decoder or DecoderConfig()
        self.gap = gap
        """Longest pause between two keys of one swipe, in seconds."""
        self.typed_gap = typed_gap
        """Mean pause between keys above which a burst that fails to decode counts as typing."""
        self.max_chars = max_chars
        """Longest burst held; beyond it the burst is a bad swipe."""
        self.track_gap = track_gap
        """Silence after an Enter that ends a swipe (more tracks may follow before it)."""
        self.guard = guard
        """True when this wedge only guards a HID reader that is not grabbed (yet)."""
        self._held: list[str] = []
        self._start = 0.0
        self._last = 0.0
        self._enter_at: float | None = None
        self._tail_until: float | None = None
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
            the swipe completed by this key (or ended by the pause before it), if any. Check
            ``take_released()`` afterwards.
        """
        result = self.poll(now)
        self.expire(now, collect=True)
        if self._tail_until is not None:
            if now <= self._tail_until:
                # The rest of a swipe already reported (more tracks): swallowed.
                self._tail_until = now + self.track_gap
                return True, result
            self._tail_until = None
        if not self._held:
            if key in ("%", ";"):
                self._held, self._start, self._last = [key], now, now
                return True, result
            return False, result
        if self._enter_at is not None:
            if key in ("%", ";", "+"):
                self._enter_at = None  # the next track of the same swipe
            else:
                result = self._finish(now)
                return self.feed(key, now)[0], result
        self._last = now
        if key in ENTER:
            return self._enter(now)
        self._held.append(key if len(key) == 1 else "\ufffd")
        if len(self._held) > self.max_chars:
            self._held = []
            return True, BadSwipe.of("too_long")
        return True, result

    def poll(self, now: float) -> Swipe | BadSwipe | None:
        """End a burst whose Enter was followed by ``track_gap`` of silence."""
        if self._enter_at is not None and now - self._enter_at > self.track_gap:
            return self._finish(now)
        return None

    @property
    def progress(self) -> str:
        """The swipe being typed, masked: sentinels and separators, a bullet for the rest."""
        return "".join(c if c in VISIBLE else "\u2022" for c in self._held if c not in "\r")

    def _enter(self, now: float) -> tuple[bool, Swipe | BadSwipe | None]:
        text = "".join(self._held)
        if is_status_frame(text):
            self._held = []
            return True, None
        result = decode_swipe(text, self.decoder)
        if isinstance(result, Swipe):
            self._held = []
            self._tail_until = now + self.track_gap
            return True, result
        typed_slowly = (now - self._start) / len(self._held) > self.typed_gap
        if typed_slowly:
            self._held = []
            self._released.append(text)
            return False, None
        self._held.append("\r")
        self._enter_at = now
        return True, None

    def _finish(self, now: float) -> Swipe | BadSwipe | None:
        text = "".join(self._held)
        self._held, self._enter_at = [], None
        if is_status_frame(text):
            return None
        return decode_swipe(text, self.decoder)

    def expire(self, now: float, collect: bool = False) -> str:
        """Release held keys if the burst has paused longer than ``gap``.

        Returns:
            The released text (also kept for ``take_released()`` when ``collect`` is True).
        """
        if not self._held or self._enter_at is not None or now - self._last <= self.gap:
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
