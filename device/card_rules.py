"""Which card numbers a store accepts, and how to tell masked or encrypted reader output.

Provides ``CardRules`` (length range, prefixes, optional Luhn check; the same rules apply to every
reader kind), ``luhn_ok()`` and ``looks_masked()``. Pure: no I/O, no logging.

Masked and encrypted output, and why it is refused: a reader set to protect payment cards sends
the card number with its middle digits replaced (``*``, ``X`` or ``0``) and appends the real data
encrypted. Accepting such a number would put every card that shares the first 6 and last 4 digits
on one account. It is recognised by

- mask characters (``* X x #``) among the digits of a track's number field (MagTek masked tracks,
  ID TECH masking);
- an encryption trailer after the tracks: ``|``-separated fields holding long hexadecimal runs
  (MagTek MagneSafe "KB data", manual 99875218, example 12), or a long base64 run;
- zero masking (MagneSafe, same manual): on track 1 or 2, the number's middle digits are all
  ``0`` *and* the 10 or more digits after the expiry date are all ``0`` as well; a real card
  carries a service code there (a loyalty number such as 6001000000000011 alone is not judged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_DIGITS = 4
MAX_DIGITS = 32
"""Outer limits of any card number the decoder reads."""

_MASK_CHARS = "*Xx#"
_MASKED_PAN = re.compile(r"[Bb]?(?P<pan>[0-9*Xx#]{4,40})(?:[=^]|$)")
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{16,}")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")


@dataclass(frozen=True, slots=True)
class CardRules:
    """A store's rules for its card numbers (``reader.card_*`` in kiosk.toml)."""

    min_digits: int = MIN_DIGITS
    """Shortest accepted card number."""
    max_digits: int = MAX_DIGITS
    """Longest accepted card number."""
    prefixes: tuple[str, ...] = ()
    """Accepted leading digits (any of them); empty accepts every prefix."""
    luhn: bool = False
    """Require a valid Luhn check digit (many loyalty cards have none, so off by default)."""

    def __post_init__(self) -> None:
        if not MIN_DIGITS <= self.min_digits <= self.max_digits <= MAX_DIGITS:
            raise ValueError(
                f"card number length must be a range within {MIN_DIGITS}..{MAX_DIGITS}, "
                f"got {self.min_digits}..{self.max_digits}"
            )
        for prefix in self.prefixes:
            if not prefix.isdigit() or not prefix.isascii() or len(prefix) > self.max_digits:
                raise ValueError("card number prefixes must be digits, e.g. 6001,6002")

    def check(self, number: str) -> str | None:
        """Return None when ``number`` is acceptable, else a reason code (``card_*``)."""
        if not self.min_digits <= len(number) <= self.max_digits:
            return "card_length"
        if self.prefixes and not number.startswith(self.prefixes):
            return "card_prefix"
        if self.luhn and not luhn_ok(number):
            return "card_luhn"
        return None

    def describe(self) -> str:
        """The rules in a few words, for ``kiosk readers test``."""
        text = f"{self.min_digits}-{self.max_digits} digits"
        if self.prefixes:
            text += ", starting " + " or ".join(self.prefixes)
        return text + (", Luhn check" if self.luhn else "")


def luhn_ok(number: str) -> bool:
    """True when the last digit of ``number`` is its Luhn check digit."""
    if not number.isdigit() or not number.isascii():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def looks_masked(tracks: list[str], outside: str) -> bool:
    """True when a swipe holds masked or encrypted card data (see the module docstring).

    Args:
        tracks: each track's content, sentinels excluded.
        outside: the swipe's text outside its ``%`` and ``;`` tracks (a ``+`` in a trailer
            would otherwise hide the trailer inside a "track 3").
    """
    if "|" in outside and _HEX_RUN.search(outside):
        return True
    for run in _BASE64_RUN.findall(outside):
        # Base64 mixes letters, digits and + or /; a track 3's digits never hold a letter.
        if re.search(r"[A-Za-z]", run) and re.search(r"[0-9]", run) and re.search(r"[+/]", run):
            return True
    for content in tracks:
        match = _MASKED_PAN.match(content)
        if match is None:
            continue
        pan = match["pan"]
        masks = sum(pan.count(c) for c in _MASK_CHARS)
        if masks and len(pan) - masks >= 2:
            return True
        if _zero_masked(content, pan):
            return True
    return False


def _zero_masked(content: str, pan: str) -> bool:
    # Track 3 (ISO 4909) is padded with zeros by design: only tracks 1 and 2 are judged.
    if len(content) + 2 > 40 and content[:1] not in "Bb":
        return False
    if len(pan) < 12 or not pan.isdigit() or len(pan[6:-4]) < 4 or set(pan[6:-4]) != {"0"}:
        return False
    # After the number: the separator, the name (track 1), the expiry YYMM, then the rest; a
    # masking reader zeroes the service code and all discretionary data (10 digits or more).
    rest = content.split("^")[-1] if "^" in content else content.partition("=")[2]
    tail = rest[4:]
    return len(tail) >= 10 and set(tail) == {"0"}
