"""Delivered history out of the queue: pruning into ``outbox_archive``, and reading it back.

Provides :func:`prune_delivered` (run by the sync service every hour and by ``kiosk outbox
prune``) and :func:`archived` (``kiosk outbox archive`` exports it). Only delivered entries with
no look back still planned (:mod:`kiosk.storage.look_back`) move:
pending, needs-attention and discarded ones stay in the outbox whatever their age (a discarded
entry is a staff decision that ``kiosk outbox list`` keeps showing). An entry moves in one
transaction, copied then deleted, so a kill at any moment leaves it in exactly one of the two
tables; batches keep each write transaction short (the edits of the shop queue behind it).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any

from kiosk.storage.database import Database, utc_now, write_transaction
from kiosk.storage.queue_schema import ARCHIVE_COLUMNS

PRUNE_BATCH = 500
"""Entries moved per write transaction."""


def prune_delivered(
    db: Database, keep_days: float, *, now: dt.datetime | None = None, batch: int = PRUNE_BATCH
) -> int:
    """Move delivered entries delivered more than ``keep_days`` ago to the archive; returns how
    many moved. ``keep_days`` 0 keeps everything (nothing moves)."""
    if keep_days <= 0:
        return 0
    now = now or dt.datetime.now(dt.UTC)
    cutoff = (now - dt.timedelta(days=keep_days)).isoformat(timespec="microseconds")
    moved = 0
    while True:
        with write_transaction(db):
            # The (state, seq) index gives the delivered entries; delivered_at filters them.
            seqs = [
                row[0]
                for row in db.conn.execute(
                    "SELECT seq FROM outbox WHERE state = 'delivered' AND delivered_at < ? "
                    # a look back still planned (kiosk/storage/look_back.py) keeps it here
                    "AND json_extract(credit_baseline, '$.look_at[0]') IS NULL "
                    "ORDER BY seq LIMIT ?",
                    (cutoff, batch),
                )
            ]
            if not seqs:
                return moved
            marks = ", ".join("?" * len(seqs))
            db.conn.execute(
                f"INSERT OR REPLACE INTO outbox_archive ({ARCHIVE_COLUMNS}, archived_at) "
                f"SELECT {ARCHIVE_COLUMNS}, ? FROM outbox WHERE seq IN ({marks})",
                (utc_now(), *seqs),
            )
            db.conn.execute(f"DELETE FROM outbox WHERE seq IN ({marks})", seqs)
        moved += len(seqs)


def archived(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Every archived entry, oldest first, as column -> value (requests hold no secrets: they
    were scrubbed on delivery, S9)."""
    cursor = conn.execute(f"SELECT {ARCHIVE_COLUMNS}, archived_at FROM outbox_archive ORDER BY seq")
    names = [column[0] for column in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def archived_count(conn: sqlite3.Connection) -> int:
    """How many entries the archive holds."""
    return int(conn.execute("SELECT count(*) FROM outbox_archive").fetchone()[0])
