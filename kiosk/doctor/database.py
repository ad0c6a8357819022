"""``kiosk doctor`` checks of the local SQLite store: is the data safe, and is it leaving.

Provides ``DOCTOR_CHECKS`` (run by :mod:`kiosk.cli.system` after its built-in checks, in this
order: the file opens, integrity, schema version, journal mode, the queue of changes waiting for
the central API, the needs-attention list, free disk space) and the texts that ``kiosk status``
shares: ``age_text``, ``size_text``. The file is opened with
:func:`kiosk.storage.database.open_read_only`.

The doctor never creates or changes the database: it opens the file read-only (``mode=ro``), so
a wrong ``database.path`` is reported instead of silently starting an empty store, and running
it beside the kiosk is harmless. (SQLite may leave empty ``-wal``/``-shm`` files beside it, which
the kiosk uses as they are; as root, SQLite gives them the database file's owner.) No line
shows a card number or a secret: only counts, ages, paths and SQLite's own messages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
from collections.abc import Iterator

from kiosk.doctor.checkup import Check, DoctorCheck, DoctorContext
from kiosk.storage.database import Database, database_bytes, open_read_only
from kiosk.storage.outbox import Outbox
from kiosk.storage.schema_version import (
    SCHEMA_VERSION,
    file_versions,
    incompatibility,
    known_names,
)

MIN_FREE_BYTES = 50 * 1024 * 1024
"""Less free space than this on the database's disk fails the check (a full disk loses edits)."""
FILE_CHECK = "database"
"""The name of the first check; the others are skipped when it did not pass."""
SYNC_ONCE_FIX = "check the network (the central checks below), then run `kiosk sync once`"
"""What to do about changes that wait too long."""
DAMAGED_FIX = (
    "sudo systemctl stop kiosk; copy the file aside; restore a backup or rebuild it "
    "(README, 'A damaged database')"
)
"""What to do about a damaged file."""


def size_text(size: int) -> str:
    """``532 KB``, ``1.2 MB``: sizes for people."""
    if size < 1000 * 1000:
        return f"{max(size, 0) / 1000:.0f} KB"
    if size < 1000**3:
        return f"{size / 1000**2:.1f} MB"
    return f"{size / 1000**3:.1f} GB"


def age_text(delta: dt.timedelta) -> str:
    """``45 s``, ``12 min``, ``5 h 3 min``, ``3 days 4 h``: an age for people."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} day{'s' if days != 1 else ''} {hours} h"


def _problem(error: BaseException) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


@contextlib.contextmanager
def _database(ctx: DoctorContext, name: str) -> Iterator[sqlite3.Connection | Check]:
    """The database for one check, or the Check to return instead (a skip or a failure)."""
    if ctx.settings is None:
        yield Check.skip(name)
        return
    earlier = ctx.results.get(FILE_CHECK)
    if earlier is not None and (earlier.skipped or not earlier.ok):
        yield Check.skip(name, "needs a database that opens")
        return
    try:
        conn = open_read_only(ctx.settings.database.path)
    except (sqlite3.Error, OSError) as error:
        yield Check(name, False, f"cannot open the database: {_problem(error)}", DAMAGED_FIX)
        return
    try:
        yield conn
    finally:
        conn.close()


def check_database_file(ctx: DoctorContext) -> Check:
    """The database file exists and is an SQLite database we can open (never created here)."""
    if ctx.settings is None:
        return Check.skip(FILE_CHECK)
    path = ctx.settings.database.path
    if not path.exists():
        # Normal before the first start; after it, the config names another file than before.
        return Check.skip(
            FILE_CHECK,
            f"{path} does not exist yet: the kiosk creates it when it first starts "
            "(sudo systemctl start kiosk); if it ran before, check database.path and $KIOSK_DB",
        )
    if not os.access(path, os.R_OK):
        return Check(
            FILE_CHECK,
            False,
            f"{path} is not readable by us",
            "run the doctor as the kiosk user: sudo -u kiosk /opt/kiosk/venv/bin/kiosk doctor",
        )
    try:
        open_read_only(path).close()
    except (sqlite3.Error, OSError) as error:
        return Check(
            FILE_CHECK,
            False,
            f"{path} does not open as an SQLite database: {_problem(error)}",
            DAMAGED_FIX,
        )
    return Check(FILE_CHECK, True, f"{path} opens ({size_text(database_bytes(path))})")


def check_database_integrity(ctx: DoctorContext) -> Check:
    """``PRAGMA integrity_check`` finds no damage."""
    name = "database integrity"
    with _database(ctx, name) as conn:
        if isinstance(conn, Check):
            return conn
        try:
            rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(20)")]
        except sqlite3.DatabaseError as error:  # "database disk image is malformed"
            return Check(name, False, f"the file is damaged: {_problem(error)}", DAMAGED_FIX)
    if rows == ["ok"]:
        return Check(name, True, "ok")
    # The first row starts "*** in database main ***" and a newline: keep one line.
    first = " ".join(rows[0].replace("*** in database main ***", "").split())
    more = f" (+{len(rows) - 1} more)" if len(rows) > 1 else ""
    return Check(name, False, f"the file is damaged: {first[:100]}{more}", DAMAGED_FIX)


def check_schema_version(ctx: DoctorContext) -> Check:
    """The file's schema is one this software can use (older is upgraded at the next start; a
    newer release's file only when that release declared it usable by ours)."""
    name = "database schema"
    with _database(ctx, name) as conn:
        if isinstance(conn, Check):
            return conn
        version, applied, _ = file_versions(conn)
        refused = incompatibility(conn)
    known = known_names()
    unknown = [migration for migration in applied if migration not in known]
    if refused is not None:
        unknown_text = f" (it does not know {', '.join(unknown[:3])})" if unknown else ""
        return Check(
            name,
            False,
            f"version {version}, but this kiosk software knows only {SCHEMA_VERSION}"
            f"{unknown_text}",
            "this kiosk software is older than the database: upgrade it "
            "(git pull && sudo systemd/install.sh)",
        )
    if version > SCHEMA_VERSION:
        return Check(
            name,
            True,
            f"version {version}, from a newer release that keeps it usable by this one "
            f"({SCHEMA_VERSION})",
        )
    pending = [migration for migration in known if migration not in applied]
    if pending:
        return Check(
            name,
            True,
            f"version {len(applied)} of {SCHEMA_VERSION}: will be upgraded at next start",
        )
    return Check(name, True, f"version {version} (current)")


def check_journal_mode(ctx: DoctorContext) -> Check:
    """The file is in WAL mode: an edit and its queue entry survive a power cut together (S1)."""
    name = "database journal"
    with _database(ctx, name) as conn:
        if isinstance(conn, Check):
            return conn
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    if mode == "wal":
        return Check(name, True, "WAL")
    return Check(
        name,
        False,
        f"journal mode is {mode}, not WAL",
        "restart the kiosk, which switches the file to WAL: sudo systemctl restart kiosk",
    )


def check_sync_queue(ctx: DoctorContext) -> Check:
    """Changes waiting for the central API are not older than ``sync.stale_after_hours``."""
    name = "sync queue"
    with _database(ctx, name) as conn:
        if isinstance(conn, Check):
            return conn
        assert ctx.settings is not None  # _database skips without settings
        limit = ctx.settings.sync.stale_after_hours
        db = Database(conn)
        queue = Outbox(db)  # ages on the kiosk's clock: true whatever the wall clock did
        pending = queue.counts().get("pending", 0)
        oldest = queue.oldest_pending_age()
    if pending == 0 or oldest is None:
        return Check(name, True, "nothing waiting to be sent")
    age = dt.timedelta(seconds=oldest)
    waiting = f"{pending} change{'s' if pending != 1 else ''} waiting"
    if age <= dt.timedelta(hours=limit):
        return Check(name, True, f"{waiting}, the oldest {age_text(age)} old (limit {limit} h)")
    return Check(
        name,
        False,
        f"{waiting}, the oldest {age_text(age)} old: past sync.stale_after_hours = {limit} "
        "(`kiosk status` shows the last contact and failure)",
        SYNC_ONCE_FIX,
    )


def check_attention(ctx: DoctorContext) -> Check:
    """No change refused by the central API is waiting for staff (S6)."""
    name = "needs attention"
    with _database(ctx, name) as conn:
        if isinstance(conn, Check):
            return conn
        count = Outbox(Database(conn)).counts().get("attention", 0)
    if count == 0:
        return Check(name, True, "none")
    return Check(
        name,
        False,
        f"{count} change{'s' if count != 1 else ''} refused by the central API "
        f"wait{'s' if count == 1 else ''} for staff",
        "kiosk outbox attention (then retry or discard each)",
    )


def check_disk_space(ctx: DoctorContext) -> Check:
    """The disk holding the database has room: a full disk makes every edit fail (S10)."""
    name = "disk space"
    if ctx.settings is None:
        return Check.skip(name)
    place = ctx.settings.database.path.parent
    while not place.exists() and place != place.parent:  # the directory may not exist yet
        place = place.parent
    try:
        free = shutil.disk_usage(place).free
    except OSError as error:
        return Check(name, False, f"cannot measure {place}: {_problem(error)}", f"ls -ld {place}")
    detail = f"{size_text(free)} free on the disk holding {place}"
    if free < MIN_FREE_BYTES:
        return Check(
            name,
            False,
            f"only {detail} (under {size_text(MIN_FREE_BYTES)})",
            "free some space: sudo journalctl --vacuum-size=50M; sudo apt-get clean",
        )
    return Check(name, True, detail)


DOCTOR_CHECKS: list[DoctorCheck] = [
    check_database_file,
    check_database_integrity,
    check_schema_version,
    check_journal_mode,
    check_sync_queue,
    check_attention,
    check_disk_space,
]
"""The database checks, in the order ``kiosk doctor`` runs them."""
