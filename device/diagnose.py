"""What ``kiosk readers test`` shows about a swipe: the frame (masked), the decision, a hint.

Provides ``mask_frame()`` (a frame as it may be shown: control characters spelled out, digit
runs masked to their last 4, track 1 names hidden) and ``explain()`` (the reader option that
would change a refused swipe, when one would). Pure.
"""

from __future__ import annotations

import re

from device.swipe import BadSwipe, DecoderConfig, Swipe

_DIGIT_RUN = re.compile(r"[0-9]{5,}")
_NAME = re.compile(r"(?<=\^)[^^?]{1,26}(?=\^)")
_CONTROL = {"\r": "<CR>", "\n": "<LF>", "\t": "<TAB>", "\x02": "<STX>", "\x03": "<ETX>"}


def mask_frame(text: str) -> str:
    """The frame with every digit run of 5 or more masked to its last 4, names hidden."""
    text = _NAME.sub("<name>", text)
    text = _DIGIT_RUN.sub(lambda m: "*" * (len(m[0]) - 4) + m[0][-4:], text)
    return "".join(_CONTROL.get(c, c if c.isprintable() else f"<{ord(c):02X}>") for c in text)


def explain(text: str, result: Swipe | BadSwipe, config: DecoderConfig) -> str | None:
    """The option that would change this result, or None when nothing obvious would."""
    if isinstance(result, Swipe):
        return None
    code = result.code
    has_sentinels = any(c in text for c in "%;+")
    if code == "masked":
        return (
            "the reader masks or encrypts card numbers: set it to send clear track data "
            "(MagTek: security level 2 or lower / encryption off; ID TECH: encryption off)"
        )
    if not has_sentinels and config.sentinels:
        return "no start sentinel (% or ;) came: for a reader sending bare numbers, sentinels=no"
    if code == "bad_format" and config.pattern is None:
        return "a track is not in a standard format: pattern=REGEX with a group named card reads it"
    if code == "truncated":
        return (
            "the swipe stopped mid-track: if the reader pauses between tracks, raise track_gap "
            "or timeout; if it sends an LRC after each track, set lrc=yes"
        )
    if code in ("card_length", "card_prefix", "card_luhn"):
        rules = config.rules.describe()
        return f"the store's card rules refused it ({rules}): reader.card_* in kiosk.toml"
    if code == "mismatch":
        return "tracks 1 and 2 hold different numbers: swipe again; track=2 reads track 2 only"
    if code == "dropped":
        return "input events were lost (the system was busy): swipe again"
    return None
