"""The outbox as the sync worker sees it: ready entries, outcomes, and adopting central codes.

Every state change is one SQLite write transaction, so a kill at any moment leaves the outbox
either before or after the change (S1, S2). Per customer only the oldest undelivered entry is
ever ready, and an entry waiting for staff holds back the ones after it (S3).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kiosk.domain.fields import PROFILE_FIELDS
from kiosk.storage.customer_store import Store
from kiosk.storage.database import utc_now, write_transaction
from kiosk.storage.outbox import SECRET_REQUEST_FIELDS
from kiosk.sync.intent import LocalCustomer


@dataclass(frozen=True)
class QueuedEntry:
    """An entry ready to be worked on."""

    seq: int
    entry_id: str
    customer_code: str
    action: str
    local_status: str
    request: dict[str, str]
    attempts: int
    in_doubt: bool
    credit_baseline: dict[str, Any] | None


_HEAD = """
o.state = 'pending'
AND o.seq = (SELECT min(p.seq) FROM outbox AS p
             WHERE p.customer_code = o.customer_code AND p.state IN ('pending', 'attention'))
"""
"""An entry is a head when it is the oldest undelivered one of its customer (S3)."""

_READY = f"""
SELECT seq, entry_id, customer_code, action, local_status, request, attempts, in_doubt,
       credit_baseline
FROM outbox AS o
WHERE {_HEAD} AND o.next_attempt_at <= :now
ORDER BY o.seq
LIMIT :limit
"""


_NEXT_DUE = """
SELECT min(o.next_attempt_at)
FROM (SELECT min(seq) AS seq FROM outbox WHERE state IN ('pending', 'attention')
      GROUP BY customer_code) AS heads
JOIN outbox AS o ON o.seq = heads.seq
WHERE o.state = 'pending'
"""
"""The earliest retry time among heads, from one pass over the (state, customer, seq) index."""


class SyncQueue:
    """Outbox operations for the worker, over the worker's :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.db.conn

    def ready(
        self, *, limit: int, exclude: set[str], now: float | None = None
    ) -> list[QueuedEntry]:
        """Oldest pending entry of each customer whose retry time has come, in creation order."""
        rows = self.conn.execute(
            _READY, {"now": time.time() if now is None else now, "limit": limit + len(exclude)}
        ).fetchall()
        entries = [
            QueuedEntry(
                seq=row[0],
                entry_id=row[1],
                customer_code=row[2],
                action=row[3],
                local_status=row[4],
                request=json.loads(row[5]),
                attempts=row[6],
                in_doubt=bool(row[7]),
                credit_baseline=json.loads(row[8]) if row[8] else None,
            )
            for row in rows
            if row[2] not in exclude
        ]
        return entries[:limit]

    def next_due(self) -> float | None:
        """When the earliest sendable entry may be tried, or None when none can be sent.

        Only heads count: an entry behind another of the same customer is not due on its own.
        """
        row = self.conn.execute(_NEXT_DUE).fetchone()
        return row[0] if row and row[0] is not None else None

    def pending_count(self) -> int:
        """Entries still waiting to be delivered."""
        return int(
            self.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        )

    def customer(self, code: str) -> LocalCustomer:
        """The local customer an entry belongs to (a deleted one reads as unknown, no card)."""
        row = self.conn.execute(
            "SELECT card_number, central_known FROM customers WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            return LocalCustomer(code=code, card_number=None, central_known=False)
        return LocalCustomer(code=code, card_number=row[0], central_known=bool(row[1]))

    def begin_send(self, entry: QueuedEntry, baseline: dict[str, Any] | None) -> None:
        """Persist, before the request leaves, that its outcome is about to be in doubt (S5)."""
        with write_transaction(self.store.db):
            self.conn.execute(
                "UPDATE outbox SET in_doubt = 1, credit_baseline = ? WHERE entry_id = ?",
                (json.dumps(baseline) if baseline is not None else None, entry.entry_id),
            )

    def retry_later(
        self, entry: QueuedEntry, retry_at: float, reason: str, *, in_doubt: bool
    ) -> None:
        """Try again at ``retry_at`` (S2). ``in_doubt``: the request may have been applied, so
        the next attempt checks first (S5); otherwise it certainly did not arrive."""
        with write_transaction(self.store.db):
            self.conn.execute(
                "UPDATE outbox SET in_doubt = ?, attempts = attempts + 1, next_attempt_at = ?, "
                "last_error = ? WHERE entry_id = ?",
                (int(in_doubt), retry_at, reason, entry.entry_id),
            )

    def needs_attention(self, entry: QueuedEntry, message: str) -> None:
        """A definitive error or an undecidable doubt: park it for staff (S5, S6)."""
        with write_transaction(self.store.db):
            self.conn.execute(
                "UPDATE outbox SET state = 'attention', last_error = ? WHERE entry_id = ?",
                (message, entry.entry_id),
            )

    def delivered(
        self,
        entry: QueuedEntry,
        local_code: str,
        central_code: str,
        card_number: str | None = None,
    ) -> None:
        """The central API applied the entry: adopt its code, scrub secrets (S4, S9).

        ``local_code`` is the customer's code in the local store now (an in-doubt check may
        have adopted the central code already).
        """
        with write_transaction(self.store.db):
            local_code = self._adopt(local_code, central_code)
            if card_number is not None:
                self.conn.execute(
                    "UPDATE customers SET card_number = ? WHERE code = ?", (card_number, local_code)
                )
            scrubbed = {
                name: ("" if name in SECRET_REQUEST_FIELDS else value)
                for name, value in entry.request.items()
            }
            self.conn.execute(
                "UPDATE outbox SET state = 'delivered', in_doubt = 0, delivered_at = ?, "
                "central_code = ?, last_error = NULL, request = ?, credit_baseline = NULL "
                "WHERE entry_id = ?",
                (utc_now(), central_code, json.dumps(scrubbed), entry.entry_id),
            )

    def adopt(self, local_code: str, central_code: str) -> str:
        """Adopt a central code found by a check, in its own transaction."""
        with write_transaction(self.store.db):
            return self._adopt(local_code, central_code)

    def _adopt(self, local_code: str, central_code: str) -> str:
        """Make ``central_code`` the customer's code everywhere (S4); returns the code now used.

        When the local store already holds ``central_code`` (the central API matched a card it
        knew), the offline-created row is merged into it: its queued entries, PIN, and local
        balances move over, and the duplicate row goes.
        """
        conn = self.conn
        if local_code != central_code:
            exists = conn.execute(
                "SELECT 1 FROM customers WHERE code = ?", (central_code,)
            ).fetchone()
            if exists:
                self._merge_into(local_code, central_code)
            else:
                # ON UPDATE CASCADE carries custom values and balances along.
                conn.execute(
                    "UPDATE customers SET code = ? WHERE code = ?", (central_code, local_code)
                )
                conn.execute(
                    "UPDATE pin_locks SET code = ? WHERE code = ?", (central_code, local_code)
                )
            self._rename_in_queue(local_code, central_code)
        conn.execute("UPDATE customers SET central_known = 1 WHERE code = ?", (central_code,))
        return central_code

    def _rename_in_queue(self, old: str, new: str) -> None:
        rows = self.conn.execute(
            "SELECT entry_id, request FROM outbox WHERE customer_code = ? "
            "AND state IN ('pending', 'attention')",
            (old,),
        ).fetchall()
        for entry_id, text in rows:
            request = json.loads(text)
            if request.get("code") == old:
                request["code"] = new
            self.conn.execute(
                "UPDATE outbox SET customer_code = ?, request = ? WHERE entry_id = ?",
                (new, json.dumps(request), entry_id),
            )
        self.conn.execute("UPDATE outbox SET customer_code = ? WHERE customer_code = ?", (new, old))

    def _merge_into(self, old: str, new: str) -> None:
        conn = self.conn
        source = conn.execute(
            f"SELECT {', '.join(PROFILE_FIELDS)}, card_number, pin_hash, password_hash "
            "FROM customers WHERE code = ?",
            (old,),
        ).fetchone()
        if source is None:
            return
        names = (*PROFILE_FIELDS, "card_number", "pin_hash", "password_hash")
        updates = {name: value for name, value in zip(names, source, strict=True) if value}
        if updates:
            assignments = ", ".join(f"{name} = ?" for name in updates)
            conn.execute(
                f"UPDATE customers SET {assignments} WHERE code = ?", [*updates.values(), new]
            )
        for campaign_id, item, amount in conn.execute(
            "SELECT campaign_id, item, amount FROM balances WHERE code = ?", (old,)
        ).fetchall():
            self.store.add_to_balance(new, campaign_id, item, Decimal(amount))
        conn.execute(
            "INSERT OR IGNORE INTO custom_values (code, field_id, value) "
            "SELECT ?, field_id, value FROM custom_values WHERE code = ?",
            (new, old),
        )
        conn.execute("DELETE FROM customers WHERE code = ?", (old,))
