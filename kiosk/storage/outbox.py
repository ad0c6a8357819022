"""The outbox: the queued requests waiting for the central API, and every change of their state.

Provides :class:`Outbox` (the only code that reads or writes the ``outbox`` table) and
re-exports, from :mod:`kiosk.storage.outbox_entry`, its one entry type :class:`OutboxEntry` and
:class:`CustomerRef` (what delivery needs to know of the customer an entry belongs to).

Entries are written by :meth:`kiosk.storage.customer_store.Store.apply_edit` in the same
transaction as the edit (S1). Delivery moves them ``pending`` -> ``delivered`` or ``attention``;
staff may ``discard`` them, which is audited, never silent. Every state change is one write
transaction, so a kill at any moment leaves the outbox before or after the change (S1, S2).
Per customer only the oldest undelivered entry is ever ready, and an entry waiting for staff
holds back the ones after it (S3).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from kiosk.domain.fields import SECRET_FIELDS
from kiosk.storage.audit import record_audit
from kiosk.storage.clock import KioskClock, record_time
from kiosk.storage.codes import adopt_code
from kiosk.storage.counter_entries import COUNTER_ACTIONS, EntryEffects
from kiosk.storage.database import Database, utc_now, write_transaction
from kiosk.storage.outbox_entry import (
    ENTRY_COLUMNS,
    STATES,
    CustomerRef,
    OutboxEntry,
    entry_of_row,
)

__all__ = ["STATES", "CustomerRef", "Outbox", "OutboxEntry"]

log = logging.getLogger(__name__)

_READY = f"""
SELECT {", ".join("o." + name.strip() for name in ENTRY_COLUMNS.split(","))}
FROM outbox_heads AS h JOIN outbox AS o ON o.seq = h.seq
WHERE h.due IS NOT NULL AND h.due <= :now
ORDER BY h.due, h.seq
LIMIT :limit
"""
"""Heads (the oldest undelivered entry of a customer, S3) whose retry time has come, earliest
first (a new entry, due at once, in creation order): one range of the ``outbox_heads_due`` index
(:mod:`kiosk.storage.queue_schema`), however long the queue.

Retry times and ages are on the kiosk's clock (:mod:`kiosk.storage.clock`), which no change of
the wall clock moves; ``next_attempt_at`` (wall clock) is written beside it for people and for
the release before this one."""

_NEXT_DUE = "SELECT min(due) FROM outbox_heads WHERE due IS NOT NULL"
"""The earliest retry time among heads: the first entry of the same index."""

_OLDEST = """
SELECT created_at, coalesce(:now - created_clock,
                            max(0, :wall - (julianday(created_at) - 2440587.5) * 86400.0))
FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1
"""
"""The oldest waiting entry (entries are numbered in creation order): its creation time and its
age on the kiosk's clock (one written by an older release, with no kiosk time, by the wall
clock). The first entry of the (state, seq) index."""


class Outbox:
    """The outbox table of one database; see the module docstring."""

    def __init__(
        self,
        db: Database,
        listeners: list[Callable[[], None]] | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.db = db
        self.conn = db.conn
        self.clock: Callable[[], float] = clock or KioskClock.reading(db.conn).now
        """Kiosk-clock seconds (the store's clock; a read-only reader's view without one)."""
        self.sending_listeners: list[Callable[[], None]] = []
        """Called after :meth:`begin_send` committed, before the request leaves (the backup
        stick's marker, :class:`kiosk.storage.backup.SendMarker`)."""
        self.listeners = listeners if listeners is not None else []
        """Called after a commit that made an entry ready to send (see :meth:`notify_queued`)."""
        self.effects: EntryEffects | None = None
        """Keeps the local balance true when a redemption's state changes (the store's
        :class:`kiosk.storage.counter_entries.RedemptionEffects`), inside the same transaction."""

    def notify_queued(self) -> None:
        """Tell the listeners (the sync service) that an entry is ready to send now."""
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:  # a listener's failure must never undo or fail a saved edit
                log.exception("a queued-entry listener failed")

    # Reading

    def entries(self, *, state: str | None = None, limit: int | None = None) -> list[OutboxEntry]:
        """Entries in creation order, optionally only those in one state."""
        sql = f"SELECT {ENTRY_COLUMNS} FROM outbox"
        params: list[Any] = []
        if state is not None:
            sql += " WHERE state = ?"
            params.append(state)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [entry_of_row(row) for row in self.conn.execute(sql, params)]

    def entry(self, entry_id: str) -> OutboxEntry | None:
        """One entry by id (or by a unique prefix of its id)."""
        # Ids are lower-case hex: a prefix is a range of the id's unique index ('g' sorts
        # after every hex digit), where LIKE would read the whole table.
        prefix = entry_id.strip().lower()
        rows = self.conn.execute(
            f"SELECT {ENTRY_COLUMNS} FROM outbox WHERE entry_id >= ? AND entry_id < ? LIMIT 2",
            (prefix, prefix + "g"),
        ).fetchall()
        return entry_of_row(rows[0]) if len(rows) == 1 and prefix else None

    def counts(self, states: tuple[str, ...] = STATES) -> dict[str, int]:
        """How many entries are in each of ``states`` (each one range of the state index)."""
        found = {}
        for state in states:
            row = self.conn.execute(
                "SELECT count(*) FROM outbox WHERE state = ?", (state,)
            ).fetchone()
            if row[0]:
                found[state] = int(row[0])
        return found

    def oldest_pending(self) -> tuple[str, float] | None:
        """(creation time, seconds waited on the kiosk's clock) of the oldest waiting entry."""
        row = self.conn.execute(_OLDEST, {"now": self.clock(), "wall": time.time()}).fetchone()
        return None if row is None else (str(row[0]), max(0.0, float(row[1])))

    def oldest_pending_at(self) -> str | None:
        """Creation time of the oldest entry still waiting, if any."""
        oldest = self.oldest_pending()
        return oldest[0] if oldest else None

    def oldest_pending_age(self) -> float | None:
        """Seconds the oldest waiting entry has waited, on the kiosk's clock (None: none)."""
        oldest = self.oldest_pending()
        return oldest[1] if oldest else None

    def undelivered_requests(self) -> list[tuple[str, dict[str, str], bool]]:
        """(customer code, request, in doubt) of every entry still to be delivered, in
        creation order: what a pull must not overwrite (S7)."""
        rows = self.conn.execute(
            "SELECT customer_code, request, in_doubt FROM outbox "
            "WHERE state IN ('pending', 'attention') ORDER BY seq"
        )
        return [(code, json.loads(text), bool(doubt)) for code, text, doubt in rows]

    # Delivery

    def ready(
        self, *, limit: int, exclude: set[str], now: float | None = None
    ) -> list[OutboxEntry]:
        """The oldest pending entry of each customer whose retry time has come, earliest due
        first, leaving out customers in ``exclude`` (already being served)."""
        rows = self.conn.execute(
            _READY, {"now": self.clock() if now is None else now, "limit": limit + len(exclude)}
        ).fetchall()
        found = [entry_of_row(row) for row in rows]
        return [entry for entry in found if entry.customer_code not in exclude][:limit]

    def next_due(self) -> float | None:
        """When the earliest sendable entry may be tried, or None when none can be sent.

        Only heads count: an entry behind another of the same customer is not due on its own.
        """
        row = self.conn.execute(_NEXT_DUE).fetchone()
        return row[0] if row and row[0] is not None else None

    def customer(self, code: str) -> CustomerRef:
        """The local customer an entry belongs to (a deleted one reads as unknown, no card)."""
        row = self.conn.execute(
            "SELECT card_number, central_known FROM customers WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            return CustomerRef(code=code, card_number=None, central_known=False)
        return CustomerRef(code=code, card_number=row[0], central_known=bool(row[1]))

    def begin_send(self, entry: OutboxEntry, baseline: dict[str, Any] | None) -> None:
        """Persist, before the request leaves, that its outcome is about to be in doubt (S5)."""
        with write_transaction(self.db):
            self.conn.execute(
                "UPDATE outbox SET in_doubt = 1, credit_baseline = ? WHERE entry_id = ?",
                (json.dumps(baseline) if baseline is not None else None, entry.entry_id),
            )
        for listener in list(self.sending_listeners):
            listener()

    def retry_later(
        self, entry: OutboxEntry, retry_at: float, reason: str, *, in_doubt: bool
    ) -> None:
        """Try again at ``retry_at``, kiosk-clock seconds (S2). ``in_doubt``: the request may
        have been applied, so the next attempt checks first (S5); otherwise it certainly did
        not arrive."""
        now = self.clock()
        with write_transaction(self.db):
            self.conn.execute(
                "UPDATE outbox SET in_doubt = ?, attempts = attempts + 1, retry_at_clock = ?, "
                "next_attempt_at = ?, last_error = ? WHERE entry_id = ?",
                (
                    int(in_doubt),
                    retry_at,
                    time.time() + max(0.0, retry_at - now),  # the same moment, for people
                    reason,
                    entry.entry_id,
                ),
            )
            record_time(self.conn, now)  # a restart resumes the wait, never lengthens it

    def needs_attention(self, entry: OutboxEntry, message: str, *, refused: bool = False) -> None:
        """A definitive error or an undecidable doubt: park it for staff (S5, S6).

        ``refused``: the send itself was refused, so nothing was applied: no longer in doubt."""
        with write_transaction(self.db), self._effect(entry.entry_id):
            self.conn.execute(
                "UPDATE outbox SET state = 'attention', last_error = ?, "
                "in_doubt = CASE WHEN ? THEN 0 ELSE in_doubt END WHERE entry_id = ?",
                (message, int(refused), entry.entry_id),
            )

    def delivered(
        self,
        entry: OutboxEntry,
        local_code: str,
        central_code: str,
        card_number: str | None = None,
        *,
        transactions: dict[str, str] | None = None,
        look_back: str | None = None,
    ) -> None:
        """The central API applied the entry: adopt its code, scrub secrets (S4, S9).

        ``local_code`` is the customer's code in the local store now (an in-doubt check may
        have adopted the central code already). ``card_number``: one the central API generated.
        ``transactions``: tag -> central transaction id of a tagged credit, kept in the audit
        table (no column needed) so the owner can match the kiosk's entry to the central one.
        ``look_back``: when to look at those transactions again (:mod:`kiosk.storage.look_back`).
        """
        with write_transaction(self.db):
            if transactions:
                made = ", ".join(f"{tag} = transaction {tid}" for tag, tid in transactions.items())
                detail = f"entry {entry.entry_id[:8]}: {made}"
                record_audit(self.db, "sync", "outbox.credited", detail)
            local_code = adopt_code(self.conn, local_code, central_code)
            if card_number is not None:
                self.conn.execute(
                    "UPDATE customers SET card_number = ? WHERE code = ?", (card_number, local_code)
                )
            scrubbed = {
                name: ("" if name in SECRET_FIELDS else value)
                for name, value in entry.request.items()
            }
            self.conn.execute(
                "UPDATE outbox SET state = 'delivered', in_doubt = 0, delivered_at = ?, "
                "central_code = ?, last_error = NULL, request = ?, credit_baseline = ? "
                "WHERE entry_id = ?",
                (utc_now(), central_code, json.dumps(scrubbed), look_back, entry.entry_id),
            )

    def adopt_code(self, local_code: str, central_code: str) -> str:
        """Adopt a central code found by a check, in its own transaction (S4); returns the code
        the customer now has locally."""
        with write_transaction(self.db):
            return adopt_code(self.conn, local_code, central_code)

    def audit(self, action: str, detail: str) -> None:
        """Record a decision of delivery in the audit table, in its own transaction."""
        with write_transaction(self.db):
            record_audit(self.db, "sync", action, detail)

    # Staff actions

    def retry(self, entry_id: str, *, actor: str) -> OutboxEntry:
        """Send a needs-attention entry again at the next drain (S6); the action is audited.

        Raises:
            LookupError: no entry, or the entry is not waiting for attention.
        """
        found = self.entry(entry_id)
        if found is None or found.state != "attention":
            raise LookupError(f"No needs-attention entry with id {entry_id[:12]!r}")
        with write_transaction(self.db), self._effect(found.entry_id):
            self.conn.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = 0, retry_at_clock = 0, "
                "last_error = NULL WHERE entry_id = ?",
                (found.entry_id,),
            )
            record_audit(self.db, actor, "outbox.retry", f"entry {found.entry_id[:8]}")
        self.notify_queued()
        return found

    def dependants(self, entry_id: str) -> list[OutboxEntry]:
        """The undelivered entries that cannot stand without ``entry_id``, in creation order.

        After an entry that creates its customer (a registration, ``local_status`` ``new``),
        every later undelivered entry of that customer depends on it: without it the central API
        would not know the customer, and a later change sent by card number would create a
        customer from a fragment (rule M4d). Other entries have no dependants.
        """
        found = self.entry(entry_id)
        if found is None or found.local_status != "new":
            return []
        rows = self.conn.execute(
            f"SELECT {ENTRY_COLUMNS} FROM outbox WHERE customer_code = ? AND seq > ? "
            "AND state IN ('pending', 'attention') ORDER BY seq",
            (found.customer_code, found.seq),
        ).fetchall()
        return [entry_of_row(row) for row in rows]

    def discard(
        self, entry_id: str, *, reason: str, actor: str, with_dependants: bool = False
    ) -> OutboxEntry:
        """Give up on a needs-attention or pending entry, with a reason kept in the audit table
        (S6). The entry stays in the outbox in state ``discarded``; nothing is deleted.
        ``with_dependants`` discards its :meth:`dependants` too, in the same transaction, each
        with its own audit row.

        Raises:
            LookupError: no such entry, or it was already delivered or discarded.
            ValueError: the reason is empty.
        """
        if not reason.strip():
            raise ValueError("A reason is required to discard an entry")
        found = self.entry(entry_id)
        if found is None or found.state not in ("attention", "pending"):
            raise LookupError(f"No pending or needs-attention entry with id {entry_id[:12]!r}")
        with write_transaction(self.db):
            self._discard(found, reason.strip(), actor)
            if with_dependants:
                for dependant in self.dependants(found.entry_id):
                    note = f"{reason.strip()} (depends on entry {found.entry_id[:8]})"
                    self._discard(dependant, note, actor)
        return found

    def _discard(self, found: OutboxEntry, reason: str, actor: str) -> None:
        with self._effect(found.entry_id):
            self.conn.execute(
                "UPDATE outbox SET state = 'discarded', request = ? WHERE entry_id = ?",
                (json.dumps(found.safe_request()), found.entry_id),
            )
        record_audit(
            self.db,
            actor,
            "outbox.discard",
            f"entry {found.entry_id[:8]} ({', '.join(sorted(found.request))}): {reason}",
        )

    # Local effects of queued redemptions and purchases (issue 13)

    @contextlib.contextmanager
    def _effect(self, entry_id: str) -> Iterator[None]:
        """Around a state change inside a write transaction: tell :attr:`effects` the entry's
        (action, state, in doubt) before and after, so the local balance follows."""
        if self.effects is None:
            yield
            return
        query = (
            "SELECT action, state, in_doubt, request, customer_code FROM outbox "
            "WHERE entry_id = ?"
        )
        before = self.conn.execute(query, (entry_id,)).fetchone()
        yield
        after = self.conn.execute(query, (entry_id,)).fetchone()
        if before is not None and after is not None and before[0] in COUNTER_ACTIONS:
            request = {**json.loads(before[3]), "code": before[4]}
            self.effects.changed(
                self.conn, before[0], request, (before[1], bool(before[2])),
                (after[1], bool(after[2])),
            )

    def undelivered_entries(
        self, code: str | None = None, *, actions: tuple[str, ...] | None = None
    ) -> list[OutboxEntry]:
        """Entries not yet delivered (pending or waiting for staff), in creation order; only of
        one customer when ``code`` is given, only of ``actions`` when given."""
        sql = f"SELECT {ENTRY_COLUMNS} FROM outbox WHERE state IN ('pending', 'attention')"
        params: list[Any] = []
        if actions is not None:
            sql += f" AND action IN ({', '.join('?' for _ in actions)})"
            params.extend(actions)
        if code is not None:
            sql += " AND customer_code = ?"
            params.append(code)
        return [entry_of_row(row) for row in self.conn.execute(sql + " ORDER BY seq", params)]

    def created_since(self, since: str, *, action: str) -> list[OutboxEntry]:
        """Entries of one action created at or after ``since`` (ISO UTC), any state."""
        rows = self.conn.execute(
            f"SELECT {ENTRY_COLUMNS} FROM outbox WHERE action = ? AND created_at >= ? ORDER BY seq",
            (action, since),
        )
        return [entry_of_row(row) for row in rows]
