"""Reading the outbox: the queued requests waiting for the central API, and their states.

Entries are written by :meth:`kiosk.storage.customer_store.Store.apply_edit` in the same
transaction as the edit (S1). The sync worker moves them through ``pending`` -> ``delivered`` or
``attention`` (and staff may ``discard`` them, which is audited, never silent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from kiosk.storage.audit import record_audit
from kiosk.storage.database import write_transaction

SECRET_REQUEST_FIELDS: tuple[str, ...] = ("customer_PIN", "customer_password")
"""Plain secrets that live only in a queued request until delivery (S9); never displayed."""


@dataclass(frozen=True)
class OutboxEntry:
    """One queued request."""

    seq: int
    """Order of creation; per customer, entries are delivered in this order (S3)."""
    entry_id: str
    created_at: str
    customer_code: str
    """The customer's code in the local store (renamed when the central code is adopted)."""
    action: str
    local_status: str
    """``new`` or ``update``, as the local store resolved it."""
    request: dict[str, str]
    """The request as asked (S4), without credentials."""
    state: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    delivered_at: str | None
    central_code: str | None

    def safe_request(self) -> dict[str, str]:
        """The request with PIN and password replaced by ``***`` for display (S8)."""
        return {
            name: ("***" if name in SECRET_REQUEST_FIELDS else value)
            for name, value in self.request.items()
        }


_COLUMNS = (
    "seq, entry_id, created_at, customer_code, action, local_status, request, state, attempts, "
    "next_attempt_at, last_error, delivered_at, central_code"
)


def _entry(row: tuple[Any, ...]) -> OutboxEntry:
    values = list(row)
    values[6] = json.loads(values[6])
    return OutboxEntry(*values)


def entries(
    db: Database, *, state: str | None = None, limit: int | None = None
) -> list[OutboxEntry]:
    """Outbox entries in creation order, optionally only those in one state."""
    sql = f"SELECT {_COLUMNS} FROM outbox"
    params: list[Any] = []
    if state is not None:
        sql += " WHERE state = ?"
        params.append(state)
    sql += " ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_entry(row) for row in db.conn.execute(sql, params)]


def entry(db: Database, entry_id: str) -> OutboxEntry | None:
    """One entry by id (or by a unique prefix of its id)."""
    rows = db.conn.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE entry_id LIKE ? || '%' ORDER BY seq LIMIT 2",
        (entry_id,),
    ).fetchall()
    return _entry(rows[0]) if len(rows) == 1 else None


def counts(db: Database) -> dict[str, int]:
    """How many entries are in each state."""
    rows = db.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state")
    return {state: count for state, count in rows}


def oldest_pending_at(db: Database) -> str | None:
    """Creation time of the oldest entry still waiting, if any."""
    row = db.conn.execute("SELECT min(created_at) FROM outbox WHERE state = 'pending'").fetchone()
    return row[0] if row else None


def retry(db: Database, entry_id: str, *, actor: str) -> OutboxEntry:
    """Send a needs-attention entry again at the next drain (S6); the action is audited.

    Raises:
        LookupError: no entry, or the entry is not waiting for attention.
    """
    found = entry(db, entry_id)
    if found is None or found.state != "attention":
        raise LookupError(f"No needs-attention entry with id {entry_id[:12]!r}")
    with write_transaction(db):
        db.conn.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = 0, last_error = NULL "
            "WHERE entry_id = ?",
            (found.entry_id,),
        )
        record_audit(db, actor, "outbox.retry", f"entry {found.entry_id[:8]}")
    return found


def discard(db: Database, entry_id: str, *, reason: str, actor: str) -> OutboxEntry:
    """Give up on a needs-attention or pending entry, with a reason kept in the audit table (S6).

    The entry stays in the outbox in state ``discarded``; nothing is deleted.

    Raises:
        LookupError: no such entry, or it was already delivered or discarded.
        ValueError: the reason is empty.
    """
    if not reason.strip():
        raise ValueError("A reason is required to discard an entry")
    found = entry(db, entry_id)
    if found is None or found.state not in ("attention", "pending"):
        raise LookupError(f"No pending or needs-attention entry with id {entry_id[:12]!r}")
    with write_transaction(db):
        db.conn.execute(
            "UPDATE outbox SET state = 'discarded', request = ? WHERE entry_id = ?",
            (json.dumps(found.safe_request()), found.entry_id),
        )
        record_audit(
            db,
            actor,
            "outbox.discard",
            f"entry {found.entry_id[:8]} ({', '.join(sorted(found.request))}): {reason.strip()}",
        )
    return found
