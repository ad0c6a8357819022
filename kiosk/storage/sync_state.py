"""The sync state that screens and ``kiosk status`` read: online, last contact, queue, warnings.

Provides :class:`SyncStatus`, :func:`record_contact` (written by the sync service) and
:func:`read_status`. Contact is kept in the ``state`` table (key/value); everything else is
counted from the outbox, so any process (the TUI, the CLI, ``kiosk doctor``) reads the same truth
from the database without talking to the sync service.

Ages (of the oldest waiting change, of the last contact) are measured on the kiosk's clock
(:mod:`kiosk.storage.clock`), so the stale warning stays true when the wall clock jumps; the
wall-clock times are kept to be shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.storage.clock import KioskClock, record_time
from kiosk.storage.database import Database, utc_now
from kiosk.storage.outbox import Outbox

LAST_CONTACT_KEY = "sync.last_contact_at"
"""ISO time of the last answer from the central API (any answer that parsed)."""
LAST_FAILURE_KEY = "sync.last_failure"
"""A short, secret-free description of the last transport failure, or empty when online."""
LAST_CONTACT_CLOCK_KEY = "sync.last_contact_clock"
"""Kiosk-clock seconds of the last answer from the central API."""
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
    oldest_pending_age: float | None = None
    """Seconds the oldest waiting entry has waited (kiosk clock), or None."""
    last_contact_age: float | None = None
    """Seconds since the central API last answered (kiosk clock), or None."""


def record_contact(
    db: Database, *, ok: bool, failure: str = "", at: float | None = None
) -> None:
    """Remember the outcome of the latest attempt to reach the central API; ``at`` is the kiosk
    time of it (default: now on the file's clock)."""
    if at is None:
        at = KioskClock.reading(db.conn).now()
    with db.conn:
        if ok:
            for key, value in ((LAST_CONTACT_KEY, utc_now()), (LAST_CONTACT_CLOCK_KEY, repr(at))):
                db.conn.execute(
                    "INSERT INTO state (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
        db.conn.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (LAST_FAILURE_KEY, "" if ok else failure),
        )
        record_time(db.conn, at)  # the kiosk's clock is written down at every contact too


def read_status(
    db: Database,
    *,
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    clock: Callable[[], float] | None = None,
) -> SyncStatus:
    """Read the current :class:`SyncStatus` from the database; ``clock`` gives kiosk-clock
    seconds (default: the file's clock as a reader sees it)."""
    state = dict(db.conn.execute("SELECT key, value FROM state").fetchall())
    queue = Outbox(db, clock=clock)
    now = queue.clock()
    counts = queue.counts(("pending", "attention"))  # delivered history is not counted
    oldest = queue.oldest_pending()
    oldest_age = oldest[1] if oldest else None
    stale = oldest_age is not None and oldest_age > stale_after.total_seconds()
    failure = state.get(LAST_FAILURE_KEY, "")
    last_contact = state.get(LAST_CONTACT_KEY)
    contact_clock = state.get(LAST_CONTACT_CLOCK_KEY)
    return SyncStatus(
        online=last_contact is not None and not failure,
        last_contact_at=last_contact,
        last_failure=failure,
        pending=counts.get("pending", 0),
        attention=counts.get("attention", 0),
        oldest_pending_at=oldest[0] if oldest else None,
        stale=stale,
        oldest_pending_age=oldest_age,
        last_contact_age=max(0.0, now - float(contact_clock)) if contact_clock else None,
    )
