"""The kiosk's clock for durations: seconds that never jump with the wall clock, and go on across
restarts. Provides :class:`KioskClock`, :class:`ClockSource` and :func:`system_source`.

A Raspberry Pi has no battery clock: it boots with the time of its last shutdown (or 1970) and
jumps when network time arrives, possibly days later in an offline shop, and anyone may set it.
So everything that measures a duration (PIN lockouts, retry backoff, the age of queued changes,
the time since the last contact) uses this clock; wall time (``utc_now``) is only shown and
stored for people.

How it counts: ``CLOCK_BOOTTIME`` gives the seconds since the machine booted (suspend included)
and is never set by anyone. Within one boot, kiosk time is ``base + boottime`` with ``base`` kept
in the ``state`` table under the boot's id (``/proc/sys/kernel/random/boot_id``), so every
process on the file (the kiosk, ``kiosk sync once``, ``kiosk status``) reads the same time. A new
boot continues from the last kiosk time written down (:meth:`KioskClock.mark`: every write of a
deadline does it in the same transaction, and contact with the central API and a clean close
refresh it), so a deadline never moves further away across a restart or a power cut. Time while
the kiosk is switched off does not count: without a trustworthy clock it cannot be known. A
deadline therefore never waits longer than configured in the kiosk's own running time; it may
wait that long after a power-off.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.storage.database import Database, write_transaction

BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")
"""Linux's random id of the current boot."""
BOOT_ID_KEY = "clock.boot_id"
BASE_KEY = "clock.base"
"""Kiosk time at boot time 0 of the boot named by ``clock.boot_id``."""
LAST_KEY = "clock.last"
"""The latest kiosk time written down: where the next boot's clock starts."""


@dataclass(frozen=True)
class ClockSource:
    """Where the clock reads the machine's time; tests pass their own."""

    boottime: Callable[[], float]
    """Seconds since boot; never set, never jumps."""
    boot_id: Callable[[], str | None]
    """An id that changes at every boot (None: not known on this system)."""


def _boottime() -> float:
    # CLOCK_BOOTTIME counts suspend too; elsewhere (a laptop demo) the monotonic clock.
    return time.clock_gettime(getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC))


def _boot_id() -> str | None:
    try:
        return BOOT_ID_PATH.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def system_source() -> ClockSource:
    """The machine's boot clock and boot id."""
    return ClockSource(_boottime, _boot_id)


def _read_state(conn: sqlite3.Connection) -> dict[str, str]:
    rows = conn.execute(
        "SELECT key, value FROM state WHERE key IN (?, ?, ?)", (BOOT_ID_KEY, BASE_KEY, LAST_KEY)
    )
    return {str(key): str(value) for key, value in rows}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _put(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def record_time(conn: sqlite3.Connection, now: float) -> None:
    """Write down that kiosk time ``now`` has been reached (never lowering what is written),
    inside the caller's transaction: the next boot's clock starts from there, so a deadline
    written in the same transaction never moves further away."""
    conn.execute(
        "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
        "value = CASE WHEN CAST(value AS REAL) < CAST(excluded.value AS REAL) "
        "THEN excluded.value ELSE value END",
        (LAST_KEY, repr(now)),
    )


class KioskClock:
    """Kiosk time for one database; see the module docstring."""

    def __init__(self, base: float, source: ClockSource) -> None:
        self._base = base
        self._source = source

    @classmethod
    def start(cls, db: Database, source: ClockSource | None = None) -> KioskClock:
        """The clock of ``db`` for this boot, starting it (one write transaction) if this is the
        first use since the machine booted."""
        source = source or system_source()
        with write_transaction(db):
            state = _read_state(db.conn)
            boot = source.boot_id()
            base = _float(state.get(BASE_KEY))
            last = _float(state.get(LAST_KEY)) or 0.0
            now = source.boottime()
            same_boot = boot is not None and state.get(BOOT_ID_KEY) == boot
            if not same_boot or base is None or base + now < last:
                # A new boot (or a first start): go on from the last time written down.
                base = last - now
                _put(db.conn, BOOT_ID_KEY, boot or "")
                _put(db.conn, BASE_KEY, repr(base))
            clock = cls(base, source)
            clock.mark(db.conn)
        return clock

    @classmethod
    def reading(cls, conn: sqlite3.Connection, source: ClockSource | None = None) -> KioskClock:
        """The clock as a read-only reader sees it (``kiosk status``, ``kiosk doctor``): the
        running kiosk's time in this boot, else the last time written down, standing still."""
        source = source or system_source()
        try:
            state = _read_state(conn)
        except sqlite3.Error:  # a file from before the clock existed
            state = {}
        base, last = _float(state.get(BASE_KEY)), _float(state.get(LAST_KEY)) or 0.0
        boot = source.boot_id()
        if boot is not None and state.get(BOOT_ID_KEY) == boot and base is not None:
            return cls(base, source)
        return _Stopped(last, source)

    @property
    def source(self) -> ClockSource:
        """Where this clock reads the machine's time."""
        return self._source

    def now(self) -> float:
        """Kiosk seconds now."""
        return self._base + self._source.boottime()

    def mark(self, conn: sqlite3.Connection) -> float:
        """Write down the kiosk time now inside the caller's transaction and return it; call it
        where a deadline is written (see :func:`record_time`)."""
        now = self.now()
        record_time(conn, now)
        return now


class _Stopped(KioskClock):
    """A clock no process has started in this boot: it shows the last time written down."""

    def __init__(self, last: float, source: ClockSource) -> None:
        super().__init__(last, source)

    def now(self) -> float:
        return self._base

    def mark(self, conn: sqlite3.Connection) -> float:
        return self._base
