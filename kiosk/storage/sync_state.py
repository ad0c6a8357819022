"""The sync state that screens and ``kiosk status`` read: online, last contact, queue, warnings.

Provides :class:`SyncStatus`, :func:`record_contact` (written by the sync service) and
:func:`read_status`. Contact is kept in the ``state`` table (key/value); everything else is
counted from the outbox, so any process (the TUI, the CLI, ``kiosk doctor``) reads the same truth
from the database without talking to the sync service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from kiosk.storage.database import utc_now
from kiosk.storage.outbox import Outbox

LAST_CONTACT_KEY = "sync.last_contact_at"
"""ISO time of the last answer from the central API (any answer that parsed)."""
LAST_FAILURE_KEY = "sync.last_failure"
"""A short, secret-free description of the last transport failure, or empty when online."""
DEFAULT_STALE_AFTER = dt.timedelta(hours=24)
"""Queued entries older than this raise a warning to staff (api-notes: offline limits)."""


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot of the sync state for display."""

    online: bool
    """The last attempt to reach the central API got an answer."""
    last_contact_at: str | None
    """When the central API last answered (ISO UTC), or None if never."""
    last_failure: str
    """Why the last attempt failed, when offline."""
    pending: int
    """Entries waiting to be delivered."""
    attention: int
    """Entries that need staff (S6)."""
    oldest_pending_at: str | None
    stale: bool
    """The oldest waiting entry is older than the configured age: warn staff."""


def record_contact(db: Database, *, ok: bool, failure: str = "") -> None:
    """Remember the outcome of the latest attempt to reach the central API."""
    with db.conn:
        if ok:
            db.conn.execute(
                "INSERT INTO state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (LAST_CONTACT_KEY, utc_now()),
            )
        db.conn.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (LAST_FAILURE_KEY, "" if ok else failure),
        )


def read_status(
    db: Database, *, stale_after: dt.timedelta = DEFAULT_STALE_AFTER, now: dt.datetime | None = None
) -> SyncStatus:
    """Read the current :class:`SyncStatus` from the database."""
    state = dict(db.conn.execute("SELECT key, value FROM state").fetchall())
    queue = Outbox(db)
    counts = queue.counts()
    oldest = queue.oldest_pending_at()
    now = now or dt.datetime.now(dt.UTC)
    stale = oldest is not None and now - dt.datetime.fromisoformat(oldest) > stale_after
    failure = state.get(LAST_FAILURE_KEY, "")
    last_contact = state.get(LAST_CONTACT_KEY)
    return SyncStatus(
        online=last_contact is not None and not failure,
        last_contact_at=last_contact,
        last_failure=failure,
        pending=counts.get("pending", 0),
        attention=counts.get("attention", 0),
        oldest_pending_at=oldest,
        stale=stale,
    )
