"""PIN attempt counting and the growing lock of a card, kept in the ``pin_locks`` table (S9).

Provides :class:`PinLockState`, :func:`lock_state`, :func:`record_failure` and
:func:`record_success`. After ``max_tries`` wrong PINs in a row the customer is locked for
``base_seconds``; every further lock doubles the time, until a correct PIN resets everything.
State lives in SQLite, so pulling the plug does not give a thief three fresh tries. Times are
seconds on the kiosk's clock (:mod:`kiosk.storage.clock`, which no change of the wall clock
moves), passed in by the caller, so that tests control the clock: a lock lasts as configured
whatever the wall clock does. The wall-clock end is also written, for people and for the
release before, which reads it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kiosk.storage.clock import record_time
from kiosk.storage.database import Database, write_transaction

DEFAULT_MAX_TRIES = 3
"""Wrong PINs in a row before a lock (S9)."""
DEFAULT_LOCK_SECONDS = 30.0
"""Length of the first lock; each further lock doubles it."""
MAX_LOCK_SECONDS = 24 * 3600.0
"""Our choice: the doubling stops at a day, so a card is never locked for ever."""


@dataclass(frozen=True)
class PinLockState:
    """Where one customer stands with wrong PINs."""

    failures: int
    """Wrong PINs since the last lock or success."""
    lock_count: int
    """Locks so far without a correct PIN in between (drives the doubling)."""
    locked_until: float
    """Kiosk-clock seconds until which no PIN is accepted; 0 when never locked."""

    def remaining(self, now: float) -> float:
        """Seconds left on the lock at ``now`` (0 when not locked)."""
        return max(0.0, self.locked_until - now)

    def is_locked(self, now: float) -> bool:
        """True while the lock runs."""
        return self.locked_until > now


_CLEAR = PinLockState(0, 0, 0.0)


def lock_state(db: Database, code: str) -> PinLockState:
    """The stored state of ``code`` (no row means no failures)."""
    row = db.conn.execute(
        "SELECT failures, lock_count, locked_until_clock FROM pin_locks WHERE code = ?", (code,)
    ).fetchone()
    return PinLockState(int(row[0]), int(row[1]), float(row[2])) if row else _CLEAR


def record_failure(
    db: Database,
    code: str,
    *,
    now: float,
    max_tries: int = DEFAULT_MAX_TRIES,
    base_seconds: float = DEFAULT_LOCK_SECONDS,
) -> PinLockState:
    """Count one wrong PIN; lock the card when it is the ``max_tries``-th in a row.

    Read and write happen in one write transaction, so two kiosks sharing the file (or a
    double press) cannot both see "two failures" and skip the lock.
    """
    with write_transaction(db):
        state = lock_state(db, code)
        failures, lock_count, until = state.failures + 1, state.lock_count, state.locked_until
        if failures >= max_tries:
            lock_count += 1
            until = now + min(base_seconds * 2 ** (lock_count - 1), MAX_LOCK_SECONDS)
            failures = 0
        wall_until = time.time() + max(0.0, until - now) if until else 0.0  # for people
        db.conn.execute(
            "INSERT INTO pin_locks (code, failures, lock_count, locked_until, locked_until_clock) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
            "failures = excluded.failures, lock_count = excluded.lock_count, "
            "locked_until = excluded.locked_until, "
            "locked_until_clock = excluded.locked_until_clock",
            (code, failures, lock_count, wall_until, until),
        )
        record_time(db.conn, now)  # a restart resumes the lock, never lengthens it
    return PinLockState(failures, lock_count, until)


def record_success(db: Database, code: str) -> None:
    """A correct PIN (or a newly chosen one): forget failures and locks of ``code``."""
    with write_transaction(db):
        db.conn.execute("DELETE FROM pin_locks WHERE code = ?", (code,))


def describe_wait(seconds: float) -> str:
    """``"30 seconds"``, ``"2 minutes"``: how long a lock still runs, rounded up."""
    whole = int(seconds + 0.999)
    if whole < 120:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = (whole + 59) // 60
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{(minutes + 59) // 60} hours"
