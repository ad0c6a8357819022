"""``kiosk doctor``'s check of the backups: is the medium there, and is the last copy recent?

Provides ``DOCTOR_CHECKS`` (``check_backup``). Backups are optional (``backup.path``); when they
are on, the check fails when the medium is missing (a USB stick not mounted: its mount point is
a folder of the SD card), when the last copy failed, or when it is older than
``backup.warn_after_hours``, measured on the kiosk's clock (:mod:`kiosk.storage.clock`). It
reads the database read-only, like every database check.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from kiosk.doctor.checkup import Check, DoctorCheck, DoctorContext
from kiosk.doctor.database import age_text
from kiosk.storage.backup import last_backup, medium_problem
from kiosk.storage.clock import KioskClock
from kiosk.storage.database import open_read_only

NAME = "backup"
BACKUP_NOW = "sudo -u kiosk /opt/kiosk/venv/bin/kiosk backup"


def _age(seconds: float) -> str:
    return age_text(dt.timedelta(seconds=max(seconds, 0.0)))


def check_backup(ctx: DoctorContext) -> Check:
    """The backup medium is there and the last copy is recent (when backups are on)."""
    if ctx.settings is None:
        return Check.skip(NAME)
    settings = ctx.settings.backup
    place, database = settings.path, ctx.settings.database.path
    if place is None:
        return Check.skip(NAME, "backups are off (set backup.path to a folder on a USB stick)")
    problem = medium_problem(place, database)
    if problem is not None:
        return Check(
            NAME,
            False,
            f"the backup medium is missing: {problem}",
            f"plug in the USB stick and mount it (sudo mount {place}), then: {BACKUP_NOW}",
        )
    try:
        conn = open_read_only(database)
    except (OSError, sqlite3.Error):
        return Check.skip(NAME, "needs a database that opens")
    try:
        record = last_backup(conn)
        now = KioskClock.reading(conn).now()
    finally:
        conn.close()
    limit = settings.warn_after_hours
    if record.clock is None:
        reason = f"the last attempt failed: {record.error}" if record.error else "none made yet"
        return Check(NAME, False, f"no backup in {place}: {reason}", BACKUP_NOW)
    age = now - record.clock
    when = f"the last copy {_age(age)} old ({record.place})"
    if record.error:
        return Check(
            NAME, False, f"{when}; the last attempt failed: {record.error}", BACKUP_NOW
        )
    if age > limit * 3600:
        return Check(
            NAME,
            False,
            f"{when}: past backup.warn_after_hours = {limit} (is the kiosk running?)",
            BACKUP_NOW,
        )
    return Check(NAME, True, f"{when} (limit {limit} h)")


DOCTOR_CHECKS: list[DoctorCheck] = [check_backup]
"""The backup check, run after the database checks."""
