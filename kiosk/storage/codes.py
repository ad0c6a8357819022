"""Adopting the central API's code for a customer, everywhere in the local store (S4).

Provides :func:`adopt_code`, run inside the caller's write transaction: the customer row, its PIN
lock and every entry still queued for it take the central code; when the local store already
holds a customer with that code (the central API matched a card it knew), the offline-created row
is merged into it: its queued entries, PIN, profile and local balances move over, and the
duplicate row goes.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

from kiosk.domain.fields import PROFILE_FIELDS
from kiosk.storage.balances import add_to_balance


def adopt_code(conn: sqlite3.Connection, local_code: str, central_code: str) -> str:
    """Make ``central_code`` the customer's code everywhere; returns the code now used."""
    if local_code != central_code:
        exists = conn.execute("SELECT 1 FROM customers WHERE code = ?", (central_code,)).fetchone()
        if exists:
            _merge_into(conn, local_code, central_code)
        else:
            # ON UPDATE CASCADE carries custom values and balances along.
            conn.execute("UPDATE customers SET code = ? WHERE code = ?", (central_code, local_code))
            conn.execute("UPDATE pin_locks SET code = ? WHERE code = ?", (central_code, local_code))
        _rename_in_queue(conn, local_code, central_code)
        conn.execute(
            "UPDATE replaced_cards SET code = ? WHERE code = ?", (central_code, local_code)
        )
    conn.execute("UPDATE customers SET central_known = 1 WHERE code = ?", (central_code,))
    return central_code


def _rename_in_queue(conn: sqlite3.Connection, old: str, new: str) -> None:
    rows = conn.execute(
        "SELECT entry_id, request FROM outbox WHERE customer_code = ? "
        "AND state IN ('pending', 'attention')",
        (old,),
    ).fetchall()
    for entry_id, text in rows:
        request = json.loads(text)
        if request.get("code") == old:
            request["code"] = new
        conn.execute(
            "UPDATE outbox SET customer_code = ?, request = ? WHERE entry_id = ?",
            (new, json.dumps(request), entry_id),
        )
    conn.execute("UPDATE outbox SET customer_code = ? WHERE customer_code = ?", (new, old))


def _merge_into(conn: sqlite3.Connection, old: str, new: str) -> None:
    names = (*PROFILE_FIELDS, "card_number", "pin_hash", "password_hash")
    source = conn.execute(
        f"SELECT {', '.join(names)} FROM customers WHERE code = ?", (old,)
    ).fetchone()
    if source is None:
        return
    updates = {name: value for name, value in zip(names, source, strict=True) if value}
    if updates:
        assignments = ", ".join(f"{name} = ?" for name in updates)
        conn.execute(f"UPDATE customers SET {assignments} WHERE code = ?", [*updates.values(), new])
    for campaign_id, item, amount in conn.execute(
        "SELECT campaign_id, item, amount FROM balances WHERE code = ?", (old,)
    ).fetchall():
        add_to_balance(conn, new, campaign_id, item, Decimal(amount))
    conn.execute(
        "INSERT OR IGNORE INTO custom_values (code, field_id, value) "
        "SELECT ?, field_id, value FROM custom_values WHERE code = ?",
        (new, old),
    )
    conn.execute("DELETE FROM customers WHERE code = ?", (old,))
