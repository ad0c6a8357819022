"""Cards replaced by a new one: :func:`record_card_change` (written with the edit that changed the
card, in its transaction) and :func:`replaced_card` (read on a swipe of an unknown card).

Why keep them: a replaced card still exists in someone's wallet. Swiped again, it must say that
it was replaced, not offer to register it as a new card (which would open a second account).
A number becomes "replaced" when a customer's card number changes from it to another; it stops
being so when it is given to a customer again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kiosk.storage.database import Database


@dataclass(frozen=True)
class ReplacedCard:
    """A card number that some customer no longer has."""

    code: str
    """The customer who had it (and has a newer card)."""
    replaced_at: str
    """When it was replaced (ISO UTC)."""


def record_card_change(conn: sqlite3.Connection, code: str, new_card: str | None, now: str) -> None:
    """Before ``code``'s card number becomes ``new_card``: remember the old one as replaced.

    Call inside the edit's write transaction, before the customer row is updated.
    """
    row = conn.execute("SELECT card_number FROM customers WHERE code = ?", (code,)).fetchone()
    old = row[0] if row else None
    if old and old != new_card:
        conn.execute(
            "INSERT INTO replaced_cards (card_number, code, replaced_at) VALUES (?, ?, ?) "
            "ON CONFLICT (card_number) DO UPDATE SET code = excluded.code, "
            "replaced_at = excluded.replaced_at",
            (old, code, now),
        )
    if new_card:
        conn.execute("DELETE FROM replaced_cards WHERE card_number = ?", (new_card,))


def replaced_card(db: Database, card_number: str) -> ReplacedCard | None:
    """The replacement record of ``card_number``, or None if it was never replaced."""
    row = db.conn.execute(
        "SELECT code, replaced_at FROM replaced_cards WHERE card_number = ?", (card_number,)
    ).fetchone()
    return ReplacedCard(row[0], row[1]) if row else None
