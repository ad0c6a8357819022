"""Track text into tracks: tokenizing by sentinels, telling tracks apart, checking formats.

Provides ``Token``, ``Track``, ``tokenize()``, ``plain_lines()`` (readers set to send no
sentinels), ``classify()`` and ``semicolon_hints()``; used by ``device.swipe``. Pure.

- A ``%`` or ``;`` always starts a new track (an unclosed one before it is truncated); ``+``
  does too except inside track 1, where it is an ordinary character.
- With ``lrc=True`` the character right after each end sentinel is the reader's longitudinal
  redundancy check (MagTek "[ES][LRC]" format, ID TECH "LRC: check character, following end
  sentinel"): it is stepped over, so an LRC that happens to be ``%`` or ``;`` starts nothing.
  The reader has already checked it against the stripe; ASCII readers differ in how they print
  it, so it is not recomputed here.
- Track 1 letters are compared upper-case: the ISO 7811 track 1 alphabet has no lower case, and a
  keyboard reader typing while the host's Caps Lock LED is on sends lower case (reported in
  CarlRaymond/jquery.cardswipe issue 9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRACK_MAX_LENGTH: dict[int, int] = {1: 79, 2: 40, 3: 107}
"""Longest valid track text per track number, sentinels included (ISO 7811)."""

_TRACK1 = re.compile(r"B(?P<pan>[0-9]{4,32})\^(?P<name>[ -\]_]{0,26})\^(?P<rest>[ -_]*)")
_TRACK2 = re.compile(r"(?P<pan>[0-9]{4,32})(?:=(?P<rest>[0-9:<=>]*))?")
_TRACK3_CHARS = re.compile(r"[0-9:<=>]*")
_TRACK3 = re.compile(r"[0-9]{2}(?P<pan>[0-9]{4,32})=")
LINE_BREAKS = re.compile(r"[\r\n\t\x02\x03]+")
"""What separates lines (tracks, for readers that send one per line): CR, LF, Tab, STX, ETX."""


@dataclass(frozen=True, slots=True)
class Token:
    """One track as cut out of the text: its start sentinel, content and whether ``?`` closed it."""

    start: str
    content: str
    closed: bool


@dataclass(slots=True)
class Track:
    """A classified track."""

    number: int
    status: str  # "ok" or a BadSwipe reason code
    content: str = ""
    card: str | None = None
    expiry: str | None = None
    name: str | None = None


def tokenize(text: str, lrc: bool = False) -> tuple[list[Token], str]:
    """Split text into tracks; return them and the text outside every track."""
    tokens: list[Token] = []
    outside: list[str] = []
    start: str | None = None
    begin = 0
    skip_lrc = False
    for index, char in enumerate(text):
        if skip_lrc:
            skip_lrc = False
            continue
        if start is None:
            if char in "%;+":
                start, begin = char, index + 1
            else:
                outside.append(char)
        elif char == "?":
            tokens.append(Token(start, text[begin:index], True))
            start = None
            skip_lrc = lrc
        elif char in "%;" or (char == "+" and start != "%"):
            tokens.append(Token(start, text[begin:index], False))
            start, begin = char, index + 1
    if start is not None:
        tokens.append(Token(start, text[begin:], False))
    return tokens, "".join(outside)


def plain_lines(text: str) -> list[Token]:
    """Tracks of a reader set to send no sentinels: one per line, each taken as closed.

    A line holding ``^`` is track 1 (``B<number>^NAME^...``), any other is track 2 (``<number>``
    or ``<number>=<data>``); ``classify`` checks the formats.
    """
    tokens = []
    for line in LINE_BREAKS.split(text):
        line = line.strip("\x00 ")
        if line:
            tokens.append(Token("%" if "^" in line else ";", line, True))
    return tokens


def semicolon_hints(tokens: list[Token]) -> dict[int, int]:
    """Tell track 2 from track 3 when two or more tracks start with ``;``.

    The track next to track 1 is track 2, whichever way the card was swiped (``%1 ;2 ;3``
    forward, ``;3 ;2 %1`` backward). Without track 1, a track 3 in ISO 4909 format repeats the
    track-2 number after a 2-digit format code. Otherwise formats and lengths decide.
    """
    semis = [i for i, token in enumerate(tokens) if token.start == ";"]
    if len(semis) < 2:
        return {}
    anchors = [i for i, token in enumerate(tokens) if token.start == "%"]
    track2: int | None = None
    if anchors:
        track2 = min(semis, key=lambda i: abs(i - anchors[0]))
    else:
        for i in semis:
            number = tokens[i].content.split("=", 1)[0]
            if len(number) >= 4 and any(
                tokens[j].content[2:].startswith(number + "=") for j in semis if j != i
            ):
                track2 = i
                break
    if track2 is None:
        return {}
    return {i: 2 if i == track2 else 3 for i in semis}


def track_number(token: Token, hint: int | None) -> int:
    """Which track a token is, from its sentinel, a hint and its length."""
    length = len(token.content) + 2
    if token.start == "%":
        return 1
    if token.start == "+":
        return 3
    if hint is not None:
        return 2 if hint == 2 and length <= TRACK_MAX_LENGTH[2] else 3
    # A lone ";" track is track 2 if it fits track 2's length, else track 3.
    return 2 if length <= TRACK_MAX_LENGTH[2] else 3


def classify(token: Token, hint: int | None = None) -> Track:
    """Check a token against its track's format; read the number, name and expiry."""
    number = track_number(token, hint)
    content = token.content.upper() if number == 1 else token.content
    if content.strip() == "E":
        return Track(number, "read_error")
    if len(content) + 2 > TRACK_MAX_LENGTH[number]:
        return Track(number, "too_long")
    if not token.closed:
        return Track(number, "truncated")
    track = Track(number, "ok", content)
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
