"""Masking of card numbers for anything a person or a log can see (invariant S8).

Provides ``mask_card_number()``: the full number is only ever available from
``Swipe.card_number``; every repr, log line, status text and CLI line uses the mask.
"""

from __future__ import annotations

MASK_PREFIX = "*" * 12
"""Fixed-width mask: the same width whatever the number's length, so the mask leaks no length."""


def mask_card_number(card_number: str) -> str:
    """Return ``************1234``: the last 4 digits of a card number behind a fixed mask.

    Short numbers show at most half of their digits (a 4-digit loyalty number shows 2), so a
    mask never reveals a whole number.

    Args:
        card_number: the full card number (any string; never raises).

    Returns:
        The masked text.
    """
    text = card_number if isinstance(card_number, str) else ""
    keep = min(4, len(text) // 2)
    return MASK_PREFIX + (text[-keep:] if keep else "")
