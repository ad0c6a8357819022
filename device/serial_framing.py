"""Pure stream framing: characters or bytes as they arrive, in any chunks, become swipes.

Provides ``FramerConfig``, ``Frame``, ``SwipeFramer`` (stream -> frames of swipe text) and
``StreamSwipeDecoder`` (framer + ``decode_swipe`` + sign-on line and status-frame dropping),
shared by the serial reader, the evdev reader (after key translation), replay and benchmarks.

One physical swipe gives exactly one frame. Readers put terminators between tracks as well as
after the last one (ID TECH MiniMag and Unitech MS2xx defaults send Enter after every track;
MagTek's programmable format has a terminator per track, a pre/post track and pre/post card
string; some serial readers wrap each track in STX/ETX), so a line end does not end a swipe by
default. A frame ends at:

- silence: ``track_gap`` seconds with nothing new after a complete track or a line end, or
  ``silence_timeout`` seconds in the middle of a track (a half swipe becomes a ``BadSwipe``);
- a line end after all three tracks (no more can follow);
- a second track 1 (``%`` where a track may start): only one track 1 per swipe;
- with ``end_on_terminator=True`` (``per_track=no``: readers known to send one terminator per
  swipe), at once on CR/LF/Tab, ETX, or an STX that starts the next swipe.

After a swipe ended on its terminator or its last track, whatever follows within ``track_gap``
(a post-card string, a status digit) belongs to it and is discarded.
- ``void()`` (the evdev driver reported lost events): everything up to the next silence is
  discarded and the swipe is reported once as ``dropped``, never decoded.

With ``lrc=True`` the character after each end sentinel is an LRC and never starts a track.
The buffer is capped at ``max_chars``: beyond it the frame is reported once as an overflow and
the rest discarded until silence, so garbage never grows memory. The output depends only on the
characters and their timestamps, not on how they were chunked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from device.swipe import BadSwipe, DecoderConfig, Swipe, decode_swipe, is_status_frame

STX = "\x02"
ETX = "\x03"
LINE_ENDS = frozenset({"\r", "\n", "\t"})
"""Characters a reader may be set to send as its terminator."""
_BLANK = "\x00\r\n\t "


@dataclass(frozen=True, slots=True)
class FramerConfig:
    """How a reader delimits tracks and swipes."""

    terminators: frozenset[str] = frozenset({"\r", "\n"})
    """Line ends the reader sends (CR, LF, Tab); ETX always is one."""
    end_on_terminator: bool = False
    """True for readers that send one terminator per swipe (``per_track=no``): it ends the
    swipe at once. False (the default) waits ``track_gap`` for more tracks."""
    silence_timeout: float = 0.3
    """Seconds without data after which a swipe stopped mid-track is flushed."""
    track_gap: float = 0.1
    """Seconds without data after a complete track (or a line end) that end the swipe; well
    above a reader's gap between characters (ID TECH MiniMag default 2 ms, Unitech 1 ms)."""
    max_chars: int = 1024
    """Longest frame kept; longer input is reported once as too long and discarded."""
    sentinels: bool = True
    """False for readers set to send no start/end sentinels: only line ends and silence frame."""
    lrc: bool = False
    """True when the reader sends an LRC character after each end sentinel."""

    def __post_init__(self) -> None:
        if not self.terminators <= LINE_ENDS:
            raise ValueError("terminators must be CR, LF and/or Tab")
        if self.silence_timeout <= 0 or self.track_gap <= 0:
            raise ValueError("silence timeout and track gap must be positive")
        if self.max_chars < 16:
            raise ValueError("max_chars must be at least 16")


@dataclass(frozen=True, slots=True)
class Frame:
    """The text of one swipe as framed; ``text`` is raw track data, so it is not in the repr."""

    text: str = field(repr=False)
    ended_by: str
    """"terminator", "etx", "stx", "sentinel", "complete", "silence", "flush", "overflow" or
    "dropped"."""
    at: float
    """The time (caller's clock) the frame ended."""


class SwipeFramer:
    """Frames a stream of characters into swipes; pure, fed with the caller's clock."""

    def __init__(self, config: FramerConfig | None = None) -> None:
        self.config = config or FramerConfig()
        self._buf: list[str] = []
        self._overflow = False
        self._void = False
        self._last: float | None = None
        self._open: str | None = None  # start sentinel of the track being read, if any
        self._closed = {"%": 0, ";": 0, "+": 0}
        self._line_end = False
        self._skip_lrc = False
        self._tail_from: float | None = None  # a swipe just ended: what follows at once is its tail

    @property
    def pending(self) -> bool:
        """True while part of a swipe is buffered (or a voided swipe is being discarded)."""
        return bool(self._buf) or self._overflow or self._void

    def feed(self, data: str | bytes, now: float) -> list[Frame]:
        """Add data received at ``now``; return the frames it completed (possibly none)."""
        text = data.decode("latin-1") if isinstance(data, bytes | bytearray) else data
        frames = self.poll(now)
        if not text:
            return frames
        for char in text:
            self._char(char, frames, now)
        self._last = now
        return frames

    def void(self, now: float) -> list[Frame]:
        """The source lost data: discard the swipe in progress and the rest of it."""
        self._reset()
        self._overflow = False
        self._void = True
        self._last = now
        return []

    def poll(self, now: float) -> list[Frame]:
        """End a pending frame once the silence that ends a swipe has passed."""
        frames: list[Frame] = []
        if self.pending and self._last is not None and now - self._last >= self._quiet_needed():
            self._end(frames, "silence", now)
        return frames

    def flush(self, now: float) -> list[Frame]:
        """Flush whatever is pending now (the reader went away mid-swipe)."""
        frames: list[Frame] = []
        self._end(frames, "flush", now)
        return frames

    def _quiet_needed(self) -> float:
        cfg = self.config
        if self._void or self._overflow:
            return cfg.track_gap
        at_boundary = self._line_end or (cfg.sentinels and self._open is None)
        return cfg.track_gap if at_boundary else cfg.silence_timeout

    def _char(self, char: str, frames: list[Frame], now: float) -> None:
        cfg = self.config
        if self._void or self._overflow:
            return  # the rest of a lost or oversized swipe: discarded until silence
        if self._tail_from is not None:
            if now - self._tail_from < cfg.track_gap:
                # Within the track gap of a swipe that ended on its terminator or its last
                # track: a postamble or trailer of that swipe, never a second result.
                self._tail_from = now
                return
            self._tail_from = None
        line_end = char == ETX or (char in cfg.terminators)
        if cfg.end_on_terminator and (line_end or char == STX):
            self._end(frames, "stx" if char == STX else "etx" if char == ETX else "terminator", now)
            self._tail_from = None if char == STX else now
            return
        if self._skip_lrc:
            self._skip_lrc = False
        elif cfg.sentinels and not line_end and char != STX:
            self._track_sentinels(char, frames, now)
        # A line end that does not end the swipe stays in the text: between tracks the decoder
        # skips it, inside a track it spoils the track instead of joining digits from both
        # sides into a number that was never sent.
        self._buf.append(char)
        self._line_end = line_end or (self._line_end and char in _BLANK + STX)
        if len(self._buf) > cfg.max_chars:
            self._reset()
            self._overflow = True
            frames.append(Frame("", "overflow", now))
        elif line_end and self._all_tracks_in():
            self._end(frames, "complete", now)
            self._tail_from = now

    def _all_tracks_in(self) -> bool:
        closed = self._closed
        return closed["%"] >= 1 and (closed[";"] >= 2 or (closed[";"] >= 1 and closed["+"] >= 1))

    def _track_sentinels(self, char: str, frames: list[Frame], now: float) -> None:
        # Mirrors device.track_parse.tokenize so that framing and decoding agree on tracks.
        if self._open is None:
            if char in "%;+":
                if char == "%" and self._closed["%"]:
                    self._end(frames, "sentinel", now)  # only one track 1 per swipe
                self._open = char
        elif char == "?":
            self._closed[self._open] += 1
            self._open = None
            self._skip_lrc = self.config.lrc
        elif char in "%;" or (char == "+" and self._open != "%"):
            self._open = None
            self._track_sentinels(char, frames, now)

    def _end(self, frames: list[Frame], reason: str, now: float) -> None:
        text = "".join(self._buf)
        voided = self._void
        self._reset()
        self._overflow = self._void = False
        if voided:
            frames.append(Frame("", "dropped", now))
        elif text.strip(_BLANK + STX + ETX):
            frames.append(Frame(text, reason, now))

    def _reset(self) -> None:
        self._buf.clear()
        self._open = None
        self._closed = {"%": 0, ";": 0, "+": 0}
        self._line_end = False
        self._skip_lrc = False


class StreamSwipeDecoder:
    """A framer plus the swipe decoder: feed data, get ``Swipe``/``BadSwipe`` results.

    Drops a sign-on line (the first frame that ends within ``signon_window`` seconds of
    ``reset()``, the port being opened, and holds no start sentinel) and the status frames of
    insert readers. ``observer``, when set, sees each frame's text with its result (for
    ``kiosk readers test``; the text is raw track data and must only be shown masked).
    """

    def __init__(
        self,
        decoder: DecoderConfig | None = None,
        framing: FramerConfig | None = None,
        signon_window: float = 0.0,
    ) -> None:
        self.decoder = decoder or DecoderConfig()
        self.framing = framing or FramerConfig()
        self.signon_window = signon_window
        self.observer: Callable[[str, Swipe | BadSwipe], None] | None = None
        self._framer = SwipeFramer(self.framing)
        self._opened_at: float | None = None

    def reset(self, now: float) -> None:
        """Start afresh (a port was just opened at ``now``): clears the buffer, arms sign-on."""
        self._framer = SwipeFramer(self.framing)
        self._opened_at = now if self.signon_window > 0 else None

    def feed(self, data: str | bytes, now: float) -> list[Swipe | BadSwipe]:
        """Add data received at ``now``; return the swipes it completed."""
        return self._decode(self._framer.feed(data, now))

    def void(self, now: float) -> list[Swipe | BadSwipe]:
        """Data was lost: the swipe in progress is voided and reported once, as ``dropped``."""
        return self._decode(self._framer.void(now))

    def poll(self, now: float) -> list[Swipe | BadSwipe]:
        """Call when idle: returns a swipe ended by silence, if any."""
        return self._decode(self._framer.poll(now))

    def flush(self, now: float) -> list[Swipe | BadSwipe]:
        """Flush a pending partial swipe (the reader went away)."""
        return self._decode(self._framer.flush(now))

    @property
    def pending(self) -> bool:
        """True while part of a swipe is buffered."""
        return self._framer.pending

    def _decode(self, frames: list[Frame]) -> list[Swipe | BadSwipe]:
        results: list[Swipe | BadSwipe] = []
        for frame in frames:
            if self._opened_at is not None:
                opened, self._opened_at = self._opened_at, None
                in_window = frame.at - opened <= self.signon_window
                if in_window and not any(s in frame.text for s in "%;+"):
                    continue  # the reader's sign-on banner, not a swipe
            if frame.ended_by == "overflow":
                result: Swipe | BadSwipe = BadSwipe.of("too_long")
            elif frame.ended_by == "dropped":
                result = BadSwipe.of("dropped")
            elif self.decoder.sentinels and is_status_frame(frame.text):
                continue  # an insert reader saying a card went in or out
            else:
                result = decode_swipe(frame.text, self.decoder)
            if self.observer is not None:
                self.observer(frame.text, result)
            results.append(result)
        return results
