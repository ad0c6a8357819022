"""Balances in the local store: adding to one, and writing amounts as text.

Provides :func:`add_to_balance` and :func:`format_amount`, shared by the edit path
(:mod:`kiosk.storage.customer_store`), code adoption (:mod:`kiosk.storage.codes`) and the pull
(:mod:`kiosk.storage.refresh`). Amounts are stored as decimal text so nothing is lost to floats.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal


def format_amount(amount: Decimal) -> str:
    """An amount as text without a trailing ``.0`` for whole numbers: ``25``, ``9.95``."""
    if amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return format(amount.normalize(), "f")


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
