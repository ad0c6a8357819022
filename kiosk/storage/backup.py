"""Backups of the database to a second place (a USB stick), and restoring one (issue 16).

Provides :func:`back_up`, :func:`restore`, :func:`medium_problem`, :func:`last_backup`,
:class:`SendMarker` and :class:`BackupSchedule`. An SD card is the most common way a Pi dies,
and queued changes exist nowhere else until they are delivered; so the kiosk copies its database
with SQLite's online backup (:func:`kiosk.storage.copies.online_copy`: consistent while the
kiosk writes, checked, renamed into place) to ``<backup.path>/kiosk-backup.db`` every
``backup.interval_minutes`` and when it stops.

What a restore may resend. A copy shows the queue as it was when it was taken; the lost kiosk
may have sent some of it afterwards. Each copy gets a generation id, written in the copy and in
a marker file beside it (``kiosk-backup.sent``); before the kiosk sends anything that could
create a customer or credit twice after a copy, it marks that copy's generation as "sent since"
on the stick (once per copy, flushed before the request leaves: see :class:`SendMarker`). A
restore of a copy whose marker says nothing was sent since gives the queue back exactly as it
was; otherwise every undelivered entry is marked in doubt, so that the central API's records
decide each before anything is resent (S5), and what cannot be decided waits for staff. (If the
stick was missing when sending began, the marker could not be written: see the README.)

The medium must be another disk than the database's: when a USB stick is not mounted, its mount
point is an empty folder on the SD card, and a copy there would die with the card.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.storage.audit import record_audit
from kiosk.storage.copies import online_copy
from kiosk.storage.customer_store import Store
from kiosk.storage.database import StoreError, utc_now, write_transaction
from kiosk.storage.schema_version import incompatibility

log = logging.getLogger(__name__)

BACKUP_NAME = "kiosk-backup.db"
"""The copy's file name in the backup folder."""
MARKER_NAME = "kiosk-backup.sent"
"""Beside the copy: its generation, and whether anything was sent since it was taken."""
GENERATION_KEY = "backup.generation"
LAST_AT_KEY = "backup.last_at"
"""Wall-clock time of the last good copy (ISO UTC), for people."""
LAST_CLOCK_KEY = "backup.last_clock"
"""Kiosk-clock time of the last good copy: its age is measured on it."""
LAST_PLACE_KEY = "backup.last_path"
LAST_ERROR_KEY = "backup.last_error"
"""Why the last attempt failed ("" after a good copy)."""


class BackupError(StoreError):
    """No copy was made (or restored); the message says why and what to do."""


def medium_problem(directory: Path, database: Path) -> str | None:
    """Why ``directory`` is not a usable second place for ``database``, or None."""
    if not directory.is_dir():
        return f"{directory} does not exist or is not a folder: is the USB stick plugged in?"
    try:
        same_disk = directory.stat().st_dev == database.resolve().parent.stat().st_dev
    except OSError as error:
        return f"cannot check {directory}: {error.strerror}"
    if same_disk:
        return (
            f"{directory} is on the same disk as the database: the USB stick is not mounted "
            "there (a copy on the SD card would die with it)"
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"{directory} is not writable by this user"
    return None


def _put(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _write_marker(directory: Path, generation: str, *, sent_since: bool) -> None:
    """Write the marker durably: a new file flushed and renamed over the old one."""
    target = directory / MARKER_NAME
    partial = directory / f".{MARKER_NAME}.{uuid.uuid4().hex}"
    payload = json.dumps({"generation": generation, "sent_since": sent_since}).encode()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, target)
    with contextlib.suppress(OSError):  # vfat refuses a directory fsync; the rename is done
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _read_marker(directory: Path) -> dict[str, object]:
    try:
        found = json.loads((directory / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class BackupRecord:
    """What the database says about its last backup."""

    at: str | None
    """Wall-clock time of the last good copy (ISO UTC), or None if never."""
    clock: float | None
    """Kiosk-clock time of it."""
    place: str | None
    error: str
    """Why the last attempt failed; empty when it did not."""


def last_backup(conn: sqlite3.Connection) -> BackupRecord:
    """The last backup as recorded in the database (read-only)."""
    try:
        rows = dict(
            conn.execute(
                "SELECT key, value FROM state WHERE key IN (?, ?, ?, ?)",
                (LAST_AT_KEY, LAST_CLOCK_KEY, LAST_PLACE_KEY, LAST_ERROR_KEY),
            ).fetchall()
        )
    except sqlite3.Error:
        rows = {}
    clock = rows.get(LAST_CLOCK_KEY)
    return BackupRecord(
        at=rows.get(LAST_AT_KEY),
        clock=float(clock) if clock else None,
        place=rows.get(LAST_PLACE_KEY),
        error=rows.get(LAST_ERROR_KEY, ""),
    )


def back_up(store: Store, directory: Path) -> Path:
    """Copy the store's database to ``directory`` now; returns the copy's path.

    The outcome is recorded in the database (``kiosk doctor`` reads it); the marker beside the
    copy says nothing has been sent since.

    Raises:
        BackupError: the medium is missing or the copy failed (recorded too).
    """
    problem = medium_problem(directory, store.path)
    target = directory / BACKUP_NAME
    try:
        if problem is not None:
            raise BackupError(problem)
        # The order matters: a send from now on marks this generation "sent since" (after the
        # marker below); one before the copy is in the copy itself, as an entry in doubt.
        generation = uuid.uuid4().hex
        with write_transaction(store.db):
            _put(store.db.conn, GENERATION_KEY, generation)
        _write_marker(directory, generation, sent_since=False)
        online_copy(store.path, target)
    except (StoreError, OSError) as error:
        reason = str(error) if isinstance(error, StoreError) else f"{target}: {error.strerror}"
        with contextlib.suppress(StoreError), write_transaction(store.db):
            _put(store.db.conn, LAST_ERROR_KEY, reason)
        raise BackupError(reason) from None
    with write_transaction(store.db):
        now = store.clock.mark(store.db.conn)
        for key, value in (
            (LAST_AT_KEY, utc_now()),
            (LAST_CLOCK_KEY, repr(now)),
            (LAST_PLACE_KEY, str(target)),
            (LAST_ERROR_KEY, ""),
        ):
            _put(store.db.conn, key, value)
    return target


class SendMarker:
    """Marks the last copy on the stick as "sent since" before the first send after it.

    Subscribed to the outbox (``Outbox.sending_listeners``): called before each request that
    could create a customer or credit twice leaves. It writes the stick once per copy; a stick
    that cannot be written is tried again at the next send (and logged once).
    """

    def __init__(self, store: Store, directory: Path) -> None:
        self.store = store
        self.directory = directory
        self._marked: str | None = None
        self._warned = False

    def __call__(self) -> None:
        try:
            row = self.store.db.conn.execute(
                "SELECT value FROM state WHERE key = ?", (GENERATION_KEY,)
            ).fetchone()
        except sqlite3.Error:
            return
        generation = str(row[0]) if row else ""
        if not generation or generation == self._marked:
            return
        try:
            _write_marker(self.directory, generation, sent_since=True)
        except OSError as error:  # the stick is missing: send anyway (see the module docstring)
            if not self._warned:
                log.warning("backup stick: cannot mark the copy as sent since: %s", error)
                self._warned = True
            return
        self._marked, self._warned = generation, False


@dataclass(frozen=True)
class RestoreReport:
    """What :func:`restore` did."""

    source: Path
    copied_at: str | None
    """When the copy was taken (wall clock, ISO UTC), as recorded in it."""
    pending: int
    attention: int
    sent_since: bool
    """The lost kiosk may have sent some of the queue after the copy (entries marked in
    doubt)."""
    kept_aside: Path | None
    """Where the database that was there before went, if there was one."""

    def summary(self) -> str:
        """What ``kiosk restore`` prints."""
        when = self.copied_at[:16].replace("T", " ") + " UTC" if self.copied_at else "unknown"
        head = (
            f"restored {self.source} (copied {when}): {self.pending} changes waiting, "
            f"{self.attention} needing attention"
        )
        if self.sent_since:
            head += (
                "; the lost kiosk may have sent some after this copy, so each is checked with "
                "the central API before it is sent again"
            )
        else:
            head += "; nothing was sent after this copy: they are sent as they are"
        if self.kept_aside is not None:
            head += f"; the database that was there is kept as {self.kept_aside}"
        return head


def _check_copy(source: Path) -> str:
    """The copy's generation, after checking it is a sound kiosk database this release uses.

    Raises:
        BackupError: it is not.
    """
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    uri = source.resolve().as_uri() + "?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            problem = incompatibility(conn) if "outbox" in tables else None
            row = (
                conn.execute("SELECT value FROM state WHERE key = ?", (GENERATION_KEY,)).fetchone()
                if "state" in tables
                else None
            )
    except sqlite3.Error as error:
        raise BackupError(f"{source} is not a readable SQLite database: {error}") from None
    if ok != "ok":
        raise BackupError(f"{source} is damaged: {str(ok)[:120]}")
    if "outbox" not in tables:
        raise BackupError(f"{source} is not a kiosk database")
    if problem is not None:
        raise BackupError(problem[0].upper() + problem[1:])
    return str(row[0]) if row else ""


def _set_aside(database: Path) -> Path | None:
    """Move the database there (and its -wal/-shm, which belong to it alone) out of the way."""
    if not database.exists():
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = database.with_name(f"{database.name}.before-restore-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = database.with_name(database.name + suffix)
        if part.exists():
            os.replace(part, aside.with_name(aside.name + suffix))
    return aside


def restore(source: Path, database: Path) -> RestoreReport:
    """Put the copy at ``source`` in place of ``database`` (a fresh machine's, or one to be
    replaced: it is kept aside, never deleted). The kiosk must not be running.

    Raises:
        BackupError: the copy is missing, damaged, not a kiosk database, or from a newer release.
    """
    generation = _check_copy(source)
    marker = _read_marker(source.parent)
    sent_since = not generation or marker != {"generation": generation, "sent_since": False}
    kept = _set_aside(database)
    online_copy(source, database)
    with Store(database) as store:
        with write_transaction(store.db):
            if sent_since:
                # S5: decide each from the central API's records before resending.
                store.db.conn.execute(
                    "UPDATE outbox SET in_doubt = 1 WHERE state IN ('pending', 'attention')"
                )
            store.db.conn.execute(
                "UPDATE outbox SET retry_at_clock = 0, next_attempt_at = 0 WHERE state = 'pending'"
            )
            # This machine has made no backup yet. The generation stays: a send from here marks
            # the copy restored from as "sent since", should it ever be restored again.
            for key in (LAST_AT_KEY, LAST_CLOCK_KEY, LAST_PLACE_KEY, LAST_ERROR_KEY):
                store.db.conn.execute("DELETE FROM state WHERE key = ?", (key,))
            record_audit(
                store.db,
                "kiosk restore",
                "backup.restore",
                f"from {source}; {'checked before resending' if sent_since else 'as it was'}",
            )
        counts = store.outbox.counts()
    return RestoreReport(
        source=source,
        copied_at=_copy_time(source),
        pending=counts.get("pending", 0),
        attention=counts.get("attention", 0),
        sent_since=sent_since,
        kept_aside=kept,
    )


def _copy_time(source: Path) -> str | None:
    """When the copy was taken: the file's modification time (the copy is renamed into place
    when complete)."""
    try:
        moment = dt.datetime.fromtimestamp(source.stat().st_mtime, dt.UTC)
    except OSError:
        return None
    return moment.isoformat(timespec="seconds")


class BackupSchedule:
    """Copies the database every ``interval`` seconds while the kiosk runs (asyncio's
    monotonic timers: a jump of the wall clock changes nothing), and once more when it stops
    (:meth:`final`)."""

    def __init__(
        self, store: Store, directory: Path, interval: float, *, copy: Callable[..., Path] = back_up
    ) -> None:
        self.store = store
        self.directory = directory
        self.interval = interval
        self._copy = copy

    def once(self) -> bool:
        """One copy now; a failure is logged (and recorded for ``kiosk doctor``), not raised."""
        try:
            target = self._copy(self.store, self.directory)
        except BackupError as error:
            log.warning("backup failed: %s", error)
            return False
        log.info("backup: copied the database to %s", target)
        return True

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Copy now and then every ``interval`` seconds, until ``stop`` is set (or cancelled).
        The copy runs in a thread: the screen stays live while it is written."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            await asyncio.to_thread(self._copy_in_thread)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)

    def _copy_in_thread(self) -> None:
        # A store of its own: the kiosk's connection belongs to the event loop's thread.
        with Store(self.store.path, clock_source=self.store.clock.source) as own:
            BackupSchedule(own, self.directory, self.interval, copy=self._copy).once()

    def final(self) -> None:
        """The copy made when the kiosk stops."""
        self.once()
