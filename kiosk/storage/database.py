"""Opening the SQLite file durably, write transactions, and plain errors for storage failures.

Every connection uses WAL with ``synchronous=FULL`` (invariant S1: a committed edit and its outbox
entry survive a power cut) and a busy timeout, so that the kiosk and a sync process can share the
file. Writes take the lock up front (``BEGIN IMMEDIATE``) so two writers never deadlock on an
upgrade from read to write.

:class:`Database` is the open file as the storage modules use it: its ``sqlite3`` connection and
``execute``, the part of sqlite-utils' ``Database`` the kiosk calls. It is ours so that opening a
current file imports nothing of sqlite-utils (issue 15: sqlite-utils and what it imports, click,
dateutil and pluggy, were about 90 ms of the path to the first frame); migrations still run on
sqlite-utils' own ``Database`` and its ``Migrations`` (:mod:`kiosk.storage.migrations`), imported
only when a file is behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_SECONDS = 5.0
"""How long a writer waits for another process's transaction before giving up."""


AUTOCHECKPOINT_PAGES = [1000]
"""SQLite's automatic checkpoint threshold for the connections this process opens: SQLite's
own 1000 pages, or 0 while :class:`kiosk.storage.checkpoint.BackgroundCheckpoint` runs."""


class Database:
    """An open kiosk database: the connection and ``execute``, as sqlite-utils' ``Database``
    offers them (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # As sqlite-utils sets it on every Database it wraps (its default): delete triggers fire
        # for rows a REPLACE removes, so the outbox_heads triggers (m009) see every change
        # whichever of the two opened the file.
        conn.execute("PRAGMA recursive_triggers=on")

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        """Run one statement on the connection (as ``sqlite_utils.Database.execute``)."""
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class StoreError(Exception):
    """The database could not do what was asked; the message says what to do about it."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC, as stored in every ``*_at`` column."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def connect(path: str | os.PathLike[str]) -> Database:
    """Open (creating if needed) the database at ``path`` with the durability settings."""
    target = Path(path)
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created private before SQLite opens it: the file holds queued PINs until delivery
        # (S9), and SQLite gives its -wal and -shm files the database file's mode.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        # 0 while a background checkpoint owns the WAL (kiosk/storage/checkpoint.py).
        conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES[0]}")
        conn.execute("PRAGMA journal_size_limit=4194304")  # a reset WAL shrinks back to 4 MB
    except (sqlite3.Error, OSError) as error:
        raise StoreError(describe_error(error, target)) from None
    return Database(conn)


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction: all of it commits, or none of it (rule A6, invariant S1).

    SQLite errors come out as :class:`StoreError` with a message a person can act on; the
    transaction is rolled back first, so the file is as it was.
    """
    conn = db.conn
    _begin(conn, "BEGIN IMMEDIATE")
    try:
        yield db
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        _rollback(conn)
        raise StoreError(describe_error(error)) from None
    except BaseException:
        _rollback(conn)
        raise


@contextlib.contextmanager
def read_snapshot(db: Database) -> Iterator[Database]:
    """Reads that see one state of the file: in WAL mode a read transaction keeps the snapshot
    its first read took, whatever other connections commit meanwhile. Never blocks writers."""
    conn = db.conn
    _begin(conn, "BEGIN DEFERRED")
    try:
        yield db
    except sqlite3.Error as error:
        raise StoreError(describe_error(error)) from None
    finally:
        _rollback(conn)  # nothing was written: ending the read is all there is to do


def _begin(conn: sqlite3.Connection, statement: str) -> None:
    """Open a transaction; an SQLite error comes out as a :class:`StoreError`."""
    try:
        conn.execute(statement)
    except sqlite3.Error as error:
        raise StoreError(describe_error(error)) from None


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def describe_error(error: BaseException, path: Path | None = None) -> str:
    """Turn an SQLite or OS error into a sentence that says what happened and what to do."""
    text = str(error).lower()
    where = f" ({path})" if path else ""
    if "disk is full" in text or "no space" in text or getattr(error, "errno", None) == 28:
        return f"The disk is full{where}: the change was not saved. Free some space and try again."
    if "locked" in text or "busy" in text:
        return f"The database is busy{where}: another program is writing. Try again in a moment."
    if "readonly" in text or "read-only" in text or "permission" in text:
        return f"The database cannot be written{where}: check the file's owner and permissions."
    if "malformed" in text or "not a database" in text:
        return f"The database file is damaged{where}: run 'kiosk doctor' and restore a backup."
    if "unable to open" in text:
        return f"The database cannot be opened{where}: check the directory exists and is writable."
    return f"Database error{where}: {error}"


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open an existing database without creating or changing it.

    Raises:
        FileNotFoundError: there is no file at ``path`` (SQLite would otherwise create one).
        sqlite3.Error: it cannot be opened or is not an SQLite database.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    # A file: URI percent-encodes '?' and '#' in the path; mode=ro never creates the file.
    uri = path.resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    try:
        conn.execute("PRAGMA query_only=ON")
        # Reading the schema makes SQLite read the header: "file is not a database" shows here.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def database_bytes(path: Path) -> int:
    """The size of the database with its write-ahead log (changes not yet checkpointed)."""
    total = 0
    for part in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(OSError):
            total += part.stat().st_size
    return total
