"""Pure magnetic-stripe swipe decoding: one swipe's text in, ``Swipe`` or ``BadSwipe`` out.

Provides ``Swipe``, ``BadSwipe``, ``DecoderConfig``, ``decode_swipe()``, ``is_status_frame()``
and ``encode_swipe()`` (the inverse, for tests, demos and benchmarks). Tokenizing and track
formats are in ``device.track_parse``; card-number rules and masked output in
``device.card_rules``.

Formats (ISO 7811/7813 as readers send them, sentinels included in the length limits):

- track 1, format B: ``%B<card>^<NAME>^<YYMM><data>?``, at most 79 characters;
- track 2: ``;<card>=<YYMM><data>?``, at most 40; loyalty cards often carry only
  ``;<card>?`` and that is accepted too;
- track 3: ``;...?`` or ``+...?``, at most 107; a card number is read from track 3 only when
  the configuration lists track 3 (format ``;<2-digit code><card>=...?``) or via a pattern;
- readers set to send no sentinels (``sentinels=False``): one track per line, which covers
  readers that send only the account number.

Choices, and why:

- Tracks may come in any order: a backward swipe on some readers delivers track 3/2 before
  track 1. Of several ``;`` tracks, the one next to track 1 is track 2.
- A configured pattern is tried on each track's raw text before any format check, so a custom
  badge format that the standard checks would refuse can be read; it then replaces them.
- Otherwise the card number comes from the first usable track in ``track_order`` (track 2,
  then track 1); when tracks 1 and 2 both carry a number they must agree, else the swipe is
  refused (a lost digit must never give a shorter, different number).
- Masked or encrypted output is refused (``masked``), and the store's ``CardRules`` (length
  range, prefixes, Luhn) apply to every number, whichever way it was read.
- Card numbers are taken verbatim from the input, so a decoded number is always a substring of
  it. ``decode_swipe`` never raises and never logs: raw track data must not be stored or logged
  (S8), and garbage must not crash the kiosk (S10). ``repr(Swipe)`` masks the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from device.card_rules import CardRules, looks_masked
from device.masking import mask_card_number
from device.track_parse import (
    LINE_BREAKS,
    TRACK_MAX_LENGTH,
    Token,
    Track,
    classify,
    plain_lines,
    semicolon_hints,
    tokenize,
    track_number,
)

__all__ = [
    "REASONS",
    "TRACK_MAX_LENGTH",
    "BadSwipe",
    "CardRules",
    "DecoderConfig",
    "Swipe",
    "decode_swipe",
    "encode_swipe",
    "is_status_frame",
    "tokenize",
]

MAX_INPUT_CHARS = 1024
"""Longer input is rejected unparsed: three maximal tracks plus any prefix fit well inside."""

FRAMING_CHARS = "\x00\x02\x03\r\n\t "
"""Characters readers put around a swipe (NUL padding, STX/ETX, Enter, blanks)."""

_CARD_DIGITS = re.compile(r"[0-9]{4,32}")
_TRACKS_1_2 = re.compile(r"[%;][^%;?]*\?")
_CLAIMED = re.compile(r"[Bb]?([0-9]{4,32})(?:[=^]|$)")
_STATUS_FRAME = re.compile(r"(?:[%;+]\??)*[01]?")

# Machine reason codes, with the plain text shown to the person at the counter.
REASONS: dict[str, str] = {
    "empty": "Nothing was read. Please swipe the card again.",
    "read_error": "Could not read the card. Please swipe again.",
    "truncated": "The swipe was cut short. Please swipe again, in one smooth movement.",
    "too_long": "Could not read the card (too much data). Please swipe again.",
    "bad_format": "Could not read the card. Please swipe again.",
    "no_card_number": "This card has no card number we can use.",
    "ambiguous": "Could not read the card. Please swipe again.",
    "mismatch": "The card was not read reliably. Please swipe again.",
    "dropped": "Part of the swipe was lost. Please swipe again.",
    "masked": (
        "This card reader hides card numbers (masked or encrypted output). Staff: set the "
        "reader to send clear card data; `kiosk readers test` shows what it sends."
    ),
    "card_length": "This card number is incomplete or not one of ours. Please swipe again.",
    "card_prefix": "This card is not one of this shop's cards.",
    "card_luhn": "The card number did not check out. Please swipe again.",
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
    """Regex searched in each track's raw text (sentinels excluded) before the standard
    formats; the group named ``card`` (else group 1, else the match) must be 4..32 digits."""
    prefix: str = ""
    """Preamble: text the reader is set to send before a swipe or a track; removed."""
    suffix: str = ""
    """Postamble: text the reader is set to send after a swipe or a track; removed."""
    sentinels: bool = True
    """False for readers set to send tracks without sentinels (one per line), or only the
    account number."""
    lrc: bool = False
    """True for readers that send an LRC character after each end sentinel."""
    rules: CardRules = field(default_factory=CardRules)
    """The store's card-number rules, applied to every number read."""
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


def decode_swipe(data: str | bytes, config: DecoderConfig | None = None) -> Swipe | BadSwipe:
    """Decode one swipe's text. Never raises; see the module docstring for the rules.

    Args:
        data: the swipe as received (bytes are read as Latin-1, one character per byte).
        config: tracks, pattern, preamble/postamble, sentinels, LRC and card rules.

    Returns:
        A ``Swipe`` with a card number found verbatim in ``data``, or a ``BadSwipe``.
    """
    try:
        return _decode(data, config or DecoderConfig())
    except Exception:  # S10: garbage must never crash the kiosk
        return BadSwipe.of("internal")


def is_status_frame(data: str | bytes) -> bool:
    """True for what an insert reader sends besides swipes, which is no swipe at all.

    MagTek's insertion readers send ``1`` when a card goes in and ``0`` when it leaves, and
    empty tracks with the status (``%?;?0``) when the data was already sent (MagTek Half Card
    Port manual, "Transmission examples").
    """
    text = data.decode("latin-1") if isinstance(data, bytes | bytearray) else str(data)
    text = text.strip(FRAMING_CHARS)
    return bool(text) and _STATUS_FRAME.fullmatch(text) is not None


def _decode(data: str | bytes, config: DecoderConfig) -> Swipe | BadSwipe:
    text = data.decode("latin-1") if isinstance(data, bytes | bytearray) else str(data)
    if len(text) > MAX_INPUT_CHARS:
        return BadSwipe.of("too_long")
    text = _without_framing(text, config)
    if not text:
        return BadSwipe.of("empty")
    if config.sentinels:
        tokens, outside = tokenize(text, config.lrc)
    else:
        tokens, outside = plain_lines(text), ""
    if not tokens:
        return BadSwipe.of("bad_format")
    trailer = outside if not config.sentinels else _TRACKS_1_2.sub("", text)
    if looks_masked([t.content for t in tokens if t.closed], trailer):
        return BadSwipe.of("masked")
    hints = semicolon_hints(tokens)
    found = _pattern_card(tokens, hints, config)
    tracks = [classify(token, hints.get(index)) for index, token in enumerate(tokens)]
    usable = [t for t in tracks if t.status == "ok"]
    if found is None and config.pattern is not None:
        # A configured pattern is how this store's numbers are read: no fallback to the
        # standard formats, which could pick a field the pattern was written to avoid.
        return BadSwipe.of(_worst_reason(tracks))
    if found is None:
        standard = _find_card(usable, config.track_order)
        if isinstance(standard, BadSwipe):
            return standard
        if standard is None:
            return BadSwipe.of(_worst_reason(tracks))
        found = standard
        # Tracks 1 and 2 of one swipe carry the same number; a difference means lost or
        # misread characters on one of them (a dropped event, a bad read): trust neither.
        if found[1] in (1, 2) and _claimed_numbers(tokens, hints, found[0]) - {found[0]}:
            return BadSwipe.of("mismatch")
    card, source = found
    rule = config.rules.check(card)
    if rule is not None:
        return BadSwipe.of(rule)
    same = [t for t in usable if t.card == card]
    name = next((t.name for t in same if t.number == 1 and t.name), None)
    own = [t for t in same if t.number == source] + [t for t in same if t.number != source]
    expiry = next((t.expiry for t in own if t.expiry), None)
    return Swipe(card, name, expiry, source)


def _without_framing(text: str, config: DecoderConfig) -> str:
    """Drop blanks, STX/ETX and the configured preamble/postamble around each line."""
    lines = []
    for line in LINE_BREAKS.split(text):
        line = line.strip(FRAMING_CHARS)
        if config.prefix and line.startswith(config.prefix):
            line = line[len(config.prefix) :].strip(FRAMING_CHARS)
        if config.suffix and line.endswith(config.suffix):
            line = line[: -len(config.suffix)].strip(FRAMING_CHARS)
        if line:
            lines.append(line)
    # Lines are joined with CR: outside a track it is skipped, inside one it spoils the track
    # instead of joining digits from both sides into a number that was never sent.
    return "\r".join(lines)


def _claimed_numbers(tokens: list[Token], hints: dict[int, int], card: str) -> set[str]:
    """The numbers tracks 1 and 2 claim to hold, even where the rest of the track is damaged."""
    numbers = set()
    for index, token in enumerate(tokens):
        # A ";" track that no hint calls track 3 claims to be track 2, even when it is too long,
        # unless it is a track 3 in ISO 4909 form: a 2-digit format code, then the number.
        claims = token.start == "%" or (token.start == ";" and hints.get(index) != 3)
        match = _CLAIMED.match(token.content) if token.closed and claims else None
        if match is not None and match[1][2:] != card:
            numbers.add(match[1])
    return numbers


def _pattern_card(
    tokens: list[Token], hints: dict[int, int], config: DecoderConfig
) -> tuple[str, int] | None:
    """The configured pattern, tried on each closed track's raw text before any format check."""
    pattern = config.pattern
    if pattern is None:
        return None
    for number in config.track_order:
        for index, token in enumerate(tokens):
            if token.closed and track_number(token, hints.get(index)) == number:
                # Track 1 has no lower case (a reader typing under Caps Lock sends it anyway).
                content = token.content.upper() if number == 1 else token.content
                card = _match_card(pattern, content)
                if card is not None:
                    return card, number
    return None


def _find_card(usable: list[Track], order: tuple[int, ...]) -> tuple[str, int] | BadSwipe | None:
    for number in order:
        cards: list[str] = []
        for track in usable:
            if track.number == number and track.card is not None and track.card not in cards:
                cards.append(track.card)
        if len(cards) > 1:
            # Two different numbers on one track (two cards, or a corrupt read): pick neither.
            return BadSwipe.of("ambiguous")
        if cards:
            return cards[0], number
    return None


def _match_card(pattern: re.Pattern[str], content: str) -> str | None:
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


def _worst_reason(tracks: list[Track]) -> str:
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
