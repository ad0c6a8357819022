"""The outbox's schema for a large queue: the heads table, its triggers, the delivered archive.

Provides :func:`add_queue_at_scale` (the body of migration ``m009``) and :data:`ARCHIVE_COLUMNS`.

Why a heads table: the worker asks, after every answer, for the next entries it may send (the
oldest undelivered entry of each customer whose retry time has come, S3) and, when none is due,
for the earliest retry time. Computed from the outbox alone both read every pending row: with a
week offline (100,000 entries) that was 27-60 ms per question. ``outbox_heads`` keeps, per
customer with something undelivered, its oldest undelivered entry and when it may be sent
(``due``: its retry time while pending, NULL while it waits for staff, which holds back the
entries after it). Both questions are then one range of the ``outbox_heads_due`` index.

Why triggers rather than Python: every writer of the outbox keeps the table true without knowing
it: the store's edit, delivery, staff actions, code adoption, a restore, and the release before
this one after a rollback (the triggers live in the file, so its migration need not change
:data:`kiosk.storage.schema_version.OLDEST_READER`). Entry ids only grow (AUTOINCREMENT), so a new
entry is its customer's head exactly when the customer had none.

Why an archive: delivered entries are history (their secrets already scrubbed, S9). Kept in the
outbox for ever they grow every index a write touches; :meth:`kiosk.storage.outbox.Outbox.
prune_delivered` moves those older than ``sync.keep_delivered_days`` to ``outbox_archive``,
which ``kiosk outbox archive`` exports.
"""

from __future__ import annotations

from kiosk.storage.database import Database

ARCHIVE_COLUMNS = (
    "seq, entry_id, created_at, customer_code, action, local_status, request, state, attempts, "
    "next_attempt_at, last_error, delivered_at, central_code, in_doubt, credit_baseline, "
    "retry_at_clock, created_clock"
)
"""The outbox columns an archived entry keeps (it also gets ``archived_at``)."""

_RECOMPUTE = """
    DELETE FROM outbox_heads WHERE customer_code = {who}.customer_code;
    INSERT OR REPLACE INTO outbox_heads (customer_code, seq, due)
        SELECT customer_code, seq, CASE WHEN state = 'pending' THEN retry_at_clock END
        FROM outbox
        WHERE customer_code = {who}.customer_code AND state IN ('pending', 'attention')
        ORDER BY seq LIMIT 1;
"""
"""Statements (inside a trigger) that make ``outbox_heads`` true again for one customer."""

_STATEMENTS = (
    # Head lookups and code renames go by customer: this replaces outbox_state, whose leading
    # state column made "every entry of this customer" a scan of the whole table.
    "CREATE INDEX outbox_customer ON outbox(customer_code, state, seq)",
    "DROP INDEX IF EXISTS outbox_state",
    """
    CREATE TABLE outbox_heads (
        customer_code TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        due REAL
    ) WITHOUT ROWID
    """,
    "CREATE INDEX outbox_heads_due ON outbox_heads(due, seq) WHERE due IS NOT NULL",
    """
    CREATE TRIGGER outbox_heads_insert AFTER INSERT ON outbox
    WHEN new.state IN ('pending', 'attention')
    BEGIN
        INSERT OR IGNORE INTO outbox_heads (customer_code, seq, due) VALUES (
            new.customer_code, new.seq,
            CASE WHEN new.state = 'pending' THEN new.retry_at_clock END);
    END
    """,
    f"""
    CREATE TRIGGER outbox_heads_change AFTER UPDATE OF state, customer_code, seq ON outbox
    BEGIN
        {_RECOMPUTE.format(who="old")}
        {_RECOMPUTE.format(who="new")}
    END
    """,
    """
    CREATE TRIGGER outbox_heads_retry AFTER UPDATE OF retry_at_clock ON outbox
    WHEN new.state = 'pending'
    BEGIN
        UPDATE outbox_heads SET due = new.retry_at_clock
        WHERE customer_code = new.customer_code AND seq = new.seq;
    END
    """,
    f"""
    CREATE TRIGGER outbox_heads_delete AFTER DELETE ON outbox
    WHEN old.state IN ('pending', 'attention')
    BEGIN
        {_RECOMPUTE.format(who="old")}
    END
    """,
    """
    INSERT INTO outbox_heads (customer_code, seq, due)
        SELECT o.customer_code, o.seq, CASE WHEN o.state = 'pending' THEN o.retry_at_clock END
        FROM (SELECT min(seq) AS seq FROM outbox WHERE state IN ('pending', 'attention')
              GROUP BY customer_code) AS heads
        JOIN outbox AS o ON o.seq = heads.seq
    """,
    """
    CREATE TABLE outbox_archive (
        seq INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        customer_code TEXT NOT NULL,
        action TEXT NOT NULL,
        local_status TEXT NOT NULL,
        request TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at REAL NOT NULL,
        last_error TEXT,
        delivered_at TEXT,
        central_code TEXT,
        in_doubt INTEGER NOT NULL,
        credit_baseline TEXT,
        retry_at_clock REAL NOT NULL,
        created_clock REAL,
        archived_at TEXT NOT NULL
    )
    """,
)


def add_queue_at_scale(db: Database) -> None:
    """Create the heads table (filled from the queue as it is), its triggers, the by-customer
    index and the archive; see the module docstring."""
    for statement in _STATEMENTS:
        db.execute(statement)
