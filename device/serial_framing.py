"""Pure stream framing: characters or bytes as they arrive, in any chunks, become swipes.

Provides ``FramerConfig``, ``Frame``, ``SwipeFramer`` (stream -> frames of swipe text) and
``StreamSwipeDecoder`` (framer + ``decode_swipe`` + sign-on line dropping), shared by the serial
reader, the evdev reader (after key translation) and the benchmarks.

A frame ends at:

- a terminator (CR and/or LF, configurable; with ``end_on_terminator=False`` they only separate
  tracks, for readers that send Enter after each track);
- ETX (STX starts a frame; text pending before an STX is flushed as its own frame);
- a repeated start sentinel: a second track 1 (``%``), a second ``+`` or a third ``;`` can only
  belong to the next swipe, so readers that send no terminator still frame back-to-back swipes;
- silence: nothing for ``silence_timeout`` seconds flushes what is pending, so a half swipe
  followed by silence becomes a ``BadSwipe`` (truncated) rather than waiting forever.

The buffer is capped at ``max_chars``: beyond it the frame is dropped and reported once as an
overflow, and the rest is discarded until the next frame boundary, so garbage never grows memory.
The output depends only on the characters and their timestamps, not on how they were chunked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from device.swipe import BadSwipe, DecoderConfig, Swipe, decode_swipe

STX = "\x02"
ETX = "\x03"
_BLANK = "\x00\r\n\t "


@dataclass(frozen=True, slots=True)
class FramerConfig:
    """How a reader delimits swipes."""

    terminators: frozenset[str] = frozenset({"\r", "\n"})
    """Characters (CR, LF) that end a swipe; ETX always does."""
    end_on_terminator: bool = True
    """False for readers that send Enter after every track: then only silence, ETX or a
    repeated sentinel ends a swipe."""
    silence_timeout: float = 0.3
    """Seconds without data after which a pending partial swipe is flushed."""
    max_chars: int = 512
    """Longest frame kept; longer input is reported once as too long and discarded."""

    def __post_init__(self) -> None:
        if not self.terminators <= {"\r", "\n"}:
            raise ValueError("terminators must be CR and/or LF")
        if self.silence_timeout <= 0:
            raise ValueError("silence timeout must be positive")
        if self.max_chars < 16:
            raise ValueError("max_chars must be at least 16")


@dataclass(frozen=True, slots=True)
class Frame:
    """The text of one swipe as framed; ``text`` is raw track data, so it is not in the repr."""

    text: str = field(repr=False)
    ended_by: str
    """"terminator", "etx", "stx", "sentinel", "silence", "flush" or "overflow"."""
    at: float
    """The time (caller's clock) the frame ended."""


class SwipeFramer:
    """Frames a stream of characters into swipes; pure, fed with the caller's clock."""

    def __init__(self, config: FramerConfig | None = None) -> None:
        self.config = config or FramerConfig()
        self._buf: list[str] = []
        self._overflow = False
        self._last: float | None = None
        self._open: str | None = None  # start sentinel of the track being read, if any
        self._starts = {"%": 0, ";": 0, "+": 0}

    @property
    def pending(self) -> bool:
        """True while part of a swipe is buffered."""
        return bool(self._buf) or self._overflow

    def feed(self, data: str | bytes, now: float) -> list[Frame]:
        """Add data received at ``now``; return the frames it completed (possibly none)."""
        text = data.decode("latin-1") if isinstance(data, bytes | bytearray) else data
        frames = self.poll(now)
        if not text:
            return frames
        cfg = self.config
        for char in text:
            if char == STX:
                self._end(frames, "stx", now)
            elif char == ETX:
                self._end(frames, "etx", now)
            elif char in "\r\n" and char in cfg.terminators and cfg.end_on_terminator:
                self._end(frames, "terminator", now)
            elif self._overflow:
                continue
            else:
                # A CR/LF that does not end the swipe stays in the text: between tracks the
                # decoder skips it, inside a track it spoils the track instead of joining
                # digits from both sides into a number that was never sent.
                self._track_sentinels(char, frames, now)
                self._buf.append(char)
                if len(self._buf) > cfg.max_chars:
                    self._reset()
                    self._overflow = True
                    frames.append(Frame("", "overflow", now))
        self._last = now
        return frames

    def poll(self, now: float) -> list[Frame]:
        """Flush a pending frame if nothing has arrived for ``silence_timeout`` seconds."""
        frames: list[Frame] = []
        if self._last is not None and now - self._last >= self.config.silence_timeout:
            self._end(frames, "silence", now)
        return frames

    def flush(self, now: float) -> list[Frame]:
        """Flush whatever is pending now (the reader went away mid-swipe)."""
        frames: list[Frame] = []
        self._end(frames, "flush", now)
        return frames

    def _track_sentinels(self, char: str, frames: list[Frame], now: float) -> None:
        # Mirrors device.swipe.tokenize so that framing and decoding agree on tracks.
        if self._open is None:
            if char in "%;+":
                limit = 2 if char == ";" else 1
                if self._starts[char] >= limit:
                    self._end(frames, "sentinel", now)
                self._starts[char] += 1
                self._open = char
        elif char == "?":
            self._open = None
        elif char in "%;" or (char == "+" and self._open != "%"):
            self._open = None
            self._track_sentinels(char, frames, now)

    def _end(self, frames: list[Frame], reason: str, now: float) -> None:
        text = "".join(self._buf)
        self._reset()
        self._overflow = False
        if text.strip(_BLANK):
            frames.append(Frame(text, reason, now))

    def _reset(self) -> None:
        self._buf.clear()
        self._open = None
        self._starts = {"%": 0, ";": 0, "+": 0}


class StreamSwipeDecoder:
    """A framer plus the swipe decoder: feed data, get ``Swipe``/``BadSwipe`` results.

    Optionally drops a sign-on line: the first frame that ends within ``signon_window``
    seconds of ``reset()`` (the port being opened) and contains no start sentinel.
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
        self._framer = SwipeFramer(self.framing)
        self._opened_at: float | None = None

    def reset(self, now: float) -> None:
        """Start afresh (a port was just opened at ``now``): clears the buffer, arms sign-on."""
        self._framer = SwipeFramer(self.framing)
        self._opened_at = now if self.signon_window > 0 else None

    def feed(self, data: str | bytes, now: float) -> list[Swipe | BadSwipe]:
        """Add data received at ``now``; return the swipes it completed."""
        return self._decode(self._framer.feed(data, now))

    def poll(self, now: float) -> list[Swipe | BadSwipe]:
        """Call when idle: returns a swipe flushed by silence, if any."""
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
                results.append(BadSwipe.of("too_long"))
            else:
                results.append(decode_swipe(frame.text, self.decoder))
        return results
