"""Pure magnetic-stripe swipe decoding: track text in, ``Swipe`` or ``BadSwipe`` out.

Provides ``Swipe``, ``BadSwipe``, ``DecoderConfig``, ``decode_swipe()`` and ``encode_swipe()``
(the inverse, for tests, demos and benchmarks).

Formats (ISO 7811/7813 as readers send them, sentinels included in the length limits):

- track 1, format B: ``%B<card>^<NAME>^<YYMM><data>?``, at most 79 characters;
- track 2: ``;<card>=<YYMM><data>?``, at most 40; loyalty cards often carry only
  ``;<card>?`` and that is accepted too;
- track 3: ``;...?`` or ``+...?``, at most 107; a card number is read from track 3 only when
  the configuration lists track 3 (format ``;<2-digit code><card>=...?``) or via a pattern.

Choices, and why:

- Tracks may come in any order: a backward swipe on some readers delivers track 3/2 before
  track 1. Track 1 is told by ``%``. Of several ``;`` tracks, the one next to track 1 is track 2
  (true in both directions); a lone ``;`` track is track 2 when it fits track 2's length.
- A track that is an error marker (``%E?``, ``;E?``, ``+E?``), truncated (no end sentinel),
  too long or malformed is unusable; the card number comes from the first usable track in
  ``DecoderConfig.track_order`` (track 2, then track 1, by default).
- Card numbers are 4..32 digits, taken verbatim from the input (no Luhn check: loyalty cards
  often fail it), so a decoded number is always a substring of the input.
- ``decode_swipe`` never raises and never logs: raw track data must not be stored or logged
  (S8), and garbage must not crash the kiosk (S10). ``repr(Swipe)`` masks the card number and
  hides the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from device.masking import mask_card_number

TRACK_MAX_LENGTH: dict[int, int] = {1: 79, 2: 40, 3: 107}
"""Longest valid track text per track number, sentinels included (ISO 7811)."""

MAX_INPUT_CHARS = 1024
"""Longer input is rejected unparsed: three maximal tracks plus any prefix fit well inside."""

FRAMING_CHARS = "\x00\x02\x03\r\n\t "
"""Characters readers put around a swipe (NUL padding, STX/ETX, Enter, blanks)."""

_CARD_DIGITS = re.compile(r"[0-9]{4,32}")
_TRACK1 = re.compile(r"B(?P<pan>[0-9]{4,32})\^(?P<name>[ -\]_]{0,26})\^(?P<rest>[ -_]*)")
_TRACK2 = re.compile(r"(?P<pan>[0-9]{4,32})(?:=(?P<rest>[0-9:<=>]*))?")
_TRACK3_CHARS = re.compile(r"[0-9:<=>]*")
_TRACK3 = re.compile(r"[0-9]{2}(?P<pan>[0-9]{4,32})=")

# Machine reason codes, with the plain text shown to the person at the counter.
REASONS: dict[str, str] = {
    "empty": "Nothing was read. Please swipe the card again.",
    "read_error": "Could not read the card. Please swipe again.",
    "truncated": "The swipe was cut short. Please swipe again, in one smooth movement.",
    "too_long": "Could not read the card (too much data). Please swipe again.",
    "bad_format": "Could not read the card. Please swipe again.",
    "no_card_number": "This card has no card number we can use.",
    "ambiguous": "Could not read the card. Please swipe again.",
    "internal": "Could not read the card. Please swipe again.",
}


@dataclass(frozen=True, slots=True)
class Swipe:
    """A successfully decoded swipe.

    ``repr``/``str`` show the masked card number and whether a name was read, never the full
    number or the name itself (S8); the full number is only available as ``card_number``.
    """

    card_number: str
    """The full card number, digits only (4..32)."""
    name: str | None = None
    """Cardholder name from track 1 as encoded (e.g. ``DOE/JANE``), or None."""
    expiry: str | None = None
    """Expiry as ``YYMM`` (month 01..12), or None."""
    source_track: int = 2
    """The track the card number was taken from (1, 2 or 3)."""

    def __repr__(self) -> str:
        name = "<hidden>" if self.name else None
        return (
            f"Swipe(card_number={mask_card_number(self.card_number)}, name={name}, "
            f"expiry={self.expiry}, source_track={self.source_track})"
        )

    __str__ = __repr__

    @property
    def masked(self) -> str:
        """The card number as it may be shown: ``************1234``."""
        return mask_card_number(self.card_number)


@dataclass(frozen=True, slots=True)
class BadSwipe:
    """A swipe that gave no usable card number."""

    reason: str
    """Plain text for the person at the counter."""
    code: str = "bad_format"
    """Machine reason code: a key of ``REASONS``."""

    @classmethod
    def of(cls, code: str) -> BadSwipe:
        """Build a BadSwipe from a reason code, with its standard plain text."""
        return cls(REASONS.get(code, REASONS["bad_format"]), code)


@dataclass(frozen=True, slots=True)
class DecoderConfig:
    """How to turn track text into a card number."""

    track_order: tuple[int, ...] = (2, 1)
    """Tracks to take the card number from, first usable wins."""
    card_pattern: str | None = None
    """Regex searched in each track's text (sentinels excluded) instead of the standard
    formats; the group named ``card`` (else group 1, else the match) must be 4..32 digits."""
    prefix: str = ""
    """Text the reader is configured to send before a swipe; removed when present."""
    suffix: str = ""
    """Text the reader is configured to send after a swipe; removed when present."""
    _compiled: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.track_order or any(t not in (1, 2, 3) for t in self.track_order):
            raise ValueError(f"track order must list tracks 1, 2 or 3, got {self.track_order!r}")
        if self.card_pattern is not None:
            try:
                compiled = re.compile(self.card_pattern)
            except re.error as error:
                raise ValueError(f"card pattern is not a valid regex: {error}") from None
            object.__setattr__(self, "_compiled", compiled)

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """The compiled card pattern, if any."""
        return self._compiled


@dataclass(slots=True)
class _Track:
    number: int
    status: str  # "ok" or a BadSwipe reason code
    content: str = ""
    card: str | None = None
    expiry: str | None = None
    name: str | None = None


def decode_swipe(data: str | bytes, config: DecoderConfig | None = None) -> Swipe | BadSwipe:
    """Decode one swipe's text. Never raises; see the module docstring for the rules.

    Args:
        data: the swipe as received (bytes are read as Latin-1, one character per byte).
        config: track order, card pattern, prefix and suffix; the defaults when None.

    Returns:
        A ``Swipe`` with a card number found verbatim in ``data``, or a ``BadSwipe``.
    """
    try:
        return _decode(data, config or DecoderConfig())
    except Exception:  # S10: garbage must never crash the kiosk
        return BadSwipe.of("internal")


def _decode(data: str | bytes, config: DecoderConfig) -> Swipe | BadSwipe:
    text = data.decode("latin-1") if isinstance(data, bytes | bytearray) else str(data)
    if len(text) > MAX_INPUT_CHARS:
        return BadSwipe.of("too_long")
    text = text.strip(FRAMING_CHARS)
    if config.prefix and text.startswith(config.prefix):
        text = text[len(config.prefix) :].strip(FRAMING_CHARS)
    if config.suffix and text.endswith(config.suffix):
        text = text[: -len(config.suffix)].strip(FRAMING_CHARS)
    if not text:
        return BadSwipe.of("empty")
    tokens = tokenize(text)
    hints = _semicolon_hints(tokens)
    tracks = [_classify(*token, hints.get(index)) for index, token in enumerate(tokens)]
    if not tracks:
        return BadSwipe.of("bad_format")
    usable = [t for t in tracks if t.status == "ok"]
    found = _find_card(usable, config)
    if isinstance(found, BadSwipe):
        return found
    if found is None:
        return BadSwipe.of(_worst_reason(tracks))
    card, source = found
    same = [t for t in usable if t.card == card]
    name = next((t.name for t in same if t.number == 1 and t.name), None)
    own = [t for t in same if t.number == source] + [t for t in same if t.number != source]
    expiry = next((t.expiry for t in own if t.expiry), None)
    return Swipe(card, name, expiry, source)


def tokenize(text: str) -> list[tuple[str, str, bool]]:
    """Split text into ``(start_sentinel, content, closed)`` tracks; text outside is ignored.

    A ``%`` or ``;`` always starts a new track (an unclosed one before it is truncated); ``+``
    does too except inside track 1, where it is an ordinary character.
    """
    tokens: list[tuple[str, str, bool]] = []
    start: str | None = None
    begin = 0
    for index, char in enumerate(text):
        if start is None:
            if char in "%;+":
                start, begin = char, index + 1
        elif char == "?":
            tokens.append((start, text[begin:index], True))
            start = None
        elif char in "%;" or (char == "+" and start != "%"):
            tokens.append((start, text[begin:index], False))
            start, begin = char, index + 1
    if start is not None:
        tokens.append((start, text[begin:], False))
    return tokens


def _semicolon_hints(tokens: list[tuple[str, str, bool]]) -> dict[int, int]:
    """Tell track 2 from track 3 when two or more tracks start with ``;``.

    The track next to track 1 is track 2, whichever way the card was swiped (``%1 ;2 ;3``
    forward, ``;3 ;2 %1`` backward). Without track 1, a track 3 in ISO 4909 format repeats the
    track-2 number after a 2-digit format code. Otherwise formats and lengths decide.
    """
    semis = [i for i, token in enumerate(tokens) if token[0] == ";"]
    if len(semis) < 2:
        return {}
    anchors = [i for i, token in enumerate(tokens) if token[0] == "%"]
    track2: int | None = None
    if anchors:
        track2 = min(semis, key=lambda i: abs(i - anchors[0]))
    else:
        for i in semis:
            number = tokens[i][1].split("=", 1)[0]
            if len(number) >= 4 and any(
                tokens[j][1][2:].startswith(number + "=") for j in semis if j != i
            ):
                track2 = i
                break
    if track2 is None:
        return {}
    return {i: 2 if i == track2 else 3 for i in semis}


def _classify(start: str, content: str, closed: bool, hint: int | None = None) -> _Track:
    length = len(content) + 2
    if start == "%":
        number = 1
    elif start == "+":
        number = 3
    elif hint is not None:
        number = 2 if hint == 2 and length <= TRACK_MAX_LENGTH[2] else 3
    else:
        # A lone ";" track is track 2 if it fits track 2's length, else track 3.
        number = 2 if length <= TRACK_MAX_LENGTH[2] else 3
    if content.strip() == "E":
        return _Track(number, "read_error")
    if length > TRACK_MAX_LENGTH[number]:
        return _Track(number, "too_long")
    if not closed:
        return _Track(number, "truncated")
    track = _Track(number, "ok", content)
    if number == 1:
        match = _TRACK1.fullmatch(content)
        if match is None:
            track.status = "bad_format"
            return track
        track.card = match["pan"]
        track.name = match["name"].strip() or None
        track.expiry = _expiry(match["rest"])
    elif number == 2:
        match = _TRACK2.fullmatch(content)
        if match is None:
            track.status = "bad_format"
            return track
        track.card = match["pan"]
        track.expiry = _expiry(match["rest"] or "")
    else:
        if not _TRACK3_CHARS.fullmatch(content):
            track.status = "bad_format"
            return track
        match3 = _TRACK3.match(content)
        track.card = match3["pan"] if match3 else None
    return track


def _expiry(rest: str) -> str | None:
    candidate = rest[:4]
    if len(candidate) == 4 and candidate.isdigit() and candidate.isascii():
        return candidate if 1 <= int(candidate[2:]) <= 12 else None
    return None


def _find_card(usable: list[_Track], config: DecoderConfig) -> tuple[str, int] | BadSwipe | None:
    pattern = config.pattern
    for number in config.track_order:
        cards: list[str] = []
        for track in usable:
            if track.number != number:
                continue
            card = _pattern_card(pattern, track.content) if pattern else track.card
            if card is not None and card not in cards:
                cards.append(card)
        if len(cards) > 1:
            # Two different numbers on one track (two cards, or a corrupt read): pick neither.
            return BadSwipe.of("ambiguous")
        if cards:
            return cards[0], number
    return None


def _pattern_card(pattern: re.Pattern[str], content: str) -> str | None:
    match = pattern.search(content)
    if match is None:
        return None
    if "card" in pattern.groupindex:
        value = match["card"]
    elif pattern.groups:
        value = match[1]
    else:
        value = match[0]
    if value and _CARD_DIGITS.fullmatch(value):
        return value
    return None


def _worst_reason(tracks: list[_Track]) -> str:
    statuses = {t.status for t in tracks}
    for code in ("read_error", "truncated", "too_long", "bad_format"):
        if code in statuses:
            return code
    return "no_card_number"


def encode_swipe(
    card_number: str,
    name: str | None = None,
    expiry: str | None = None,
    tracks: tuple[int, ...] = (1, 2),
    discretionary: str = "",
) -> str:
    """Build the text a reader sends for a card (tracks in the given order, no terminator).

    Args:
        card_number: 4..32 digits.
        name: track 1 name (upper case, up to 26 characters of the track 1 alphabet).
        expiry: ``YYMM`` or None.
        tracks: which tracks to write, in order (1, 2 and/or 3).
        discretionary: digits appended after the expiry.

    Raises:
        ValueError: when a track would be invalid or too long (the message never includes the
            card number).
    """
    if not _CARD_DIGITS.fullmatch(card_number):
        raise ValueError("card number must be 4..32 digits")
    parts: list[str] = []
    exp = expiry if expiry is not None else "="
    for number in tracks:
        if number == 1:
            exp1 = expiry if expiry is not None else "^"
            text = f"%B{card_number}^{name or ''}^{exp1}{discretionary}?"
        elif number == 2:
            text = f";{card_number}={exp}{discretionary}?"
        elif number == 3:
            # Real track 3 data (ISO 4909) is long; pad past track 2's limit, as cards do.
            body = f"01{card_number}={exp}{discretionary}"
            text = f";{body.ljust(TRACK_MAX_LENGTH[2], '0')}?"
        else:
            raise ValueError(f"no such track: {number}")
        if len(text) > TRACK_MAX_LENGTH[number]:
            raise ValueError(f"track {number} would be longer than {TRACK_MAX_LENGTH[number]}")
        parts.append(text)
    return "".join(parts)
