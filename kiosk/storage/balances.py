"""Balances in the local store: adding to one, and writing amounts as text.

Provides :func:`add_to_balance` and re-exports :func:`~kiosk.domain.edit_rules.format_amount`
(defined once, in the domain, where the reference server uses it too), shared by the edit path
(:mod:`kiosk.storage.customer_store`), code adoption (:mod:`kiosk.storage.codes`) and the pull
(:mod:`kiosk.storage.refresh`). Amounts are stored as decimal text so nothing is lost to floats.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from kiosk.domain.edit_rules import format_amount

__all__ = ["add_to_balance", "format_amount"]


def add_to_balance(
    conn: sqlite3.Connection, code: str, campaign_id: str, item: str, amount: Decimal
) -> None:
    """Add ``amount`` to one balance of one customer (inside the caller's transaction)."""
    row = conn.execute(
        "SELECT amount FROM balances WHERE code = ? AND campaign_id = ? AND item = ?",
        (code, campaign_id, item),
    ).fetchone()
    total = (Decimal(row[0]) if row else Decimal(0)) + amount
    conn.execute(
        "INSERT INTO balances (code, campaign_id, item, amount) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (code, campaign_id, item) DO UPDATE SET amount = excluded.amount",
        (code, campaign_id, item, format_amount(total)),
    )
