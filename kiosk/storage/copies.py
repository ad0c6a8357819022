"""Consistent copies of the database, and trying this release's migrations on one.

Provides :func:`online_copy` (SQLite's online backup API: a consistent snapshot of a file that
the kiosk may be writing at the same moment, written beside the target and renamed into place, so
a half-written copy never carries the target's name) and :func:`trial_migration`, which
``kiosk migrate --copy`` and ``systemd/install.sh`` use to prove that a new release can open and
upgrade the shop's database before switching to it, leaving the real file untouched.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.storage.customer_store import Store
from kiosk.storage.database import BUSY_TIMEOUT_SECONDS, StoreError, describe_error
from kiosk.storage.schema_version import file_versions, incompatibility

PAGES_PER_STEP = 256
"""Pages copied per backup step; between steps the kiosk may write (it is never blocked long)."""


def _open_existing(path: Path) -> sqlite3.Connection:
    """Open an existing database without creating it (``mode=rw``: WAL readers need the -shm)."""
    if not path.is_file():
        raise StoreError(f"There is no database at {path}")
    uri = path.resolve().as_uri() + "?mode=rw"
    try:
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as error:
        raise StoreError(describe_error(error, path)) from None


def online_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` with SQLite's online backup, durably and atomically.

    The copy is written to a temporary file beside ``target``, flushed to the medium, then
    renamed over ``target``: a crash or a pulled USB stick never leaves a half copy under the
    target's name. The copy is a single file (no ``-wal``), in rollback-journal mode.

    Raises:
        StoreError: the source cannot be read or the target cannot be written (the message says
            which, and what to do).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    partial = Path(temporary)
    try:
        src = _open_existing(source)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst, pages=PAGES_PER_STEP)
                dst.execute("PRAGMA journal_mode=DELETE")
                dst.commit()
            finally:
                dst.close()
        finally:
            src.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
        _fsync_directory(target.parent)
    except sqlite3.Error as error:
        raise StoreError(describe_error(error, source)) from None
    except OSError as error:
        raise StoreError(describe_error(error, target)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (the directory entry is on the medium too)."""
    with contextlib.suppress(OSError):  # some file systems (vfat on a stick) refuse this
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class TrialReport:
    """What opening a copy of the database with this release did."""

    from_version: int
    to_version: int
    integrity: str
    """``ok``, or SQLite's first complaint."""
    pending: int
    attention: int

    def summary(self) -> str:
        """One line for ``kiosk migrate --copy``."""
        change = (
            f"schema {self.from_version} -> {self.to_version}"
            if self.from_version != self.to_version
            else f"schema {self.to_version} (no migration needed)"
        )
        return (
            f"{change}; integrity {self.integrity}; {self.pending} changes waiting, "
            f"{self.attention} needing attention, all readable"
        )


def trial_migration(database: Path, work_dir: Path | None = None) -> TrialReport:
    """Copy ``database``, open the copy with this release (running its migrations), check it,
    and delete it. The real file is only read.

    Raises:
        StoreError: the copy could not be made, this release refuses the file
            (:class:`~kiosk.storage.schema_version.SchemaTooNew`), a migration failed, or the
            migrated copy does not read back.
    """
    with tempfile.TemporaryDirectory(prefix="kiosk-trial-", dir=work_dir) as directory:
        copy = Path(directory) / "kiosk.db"
        online_copy(database, copy)
        with contextlib.closing(sqlite3.connect(copy)) as conn:
            before, _, _ = file_versions(conn)
            problem = incompatibility(conn)
        if problem is not None:
            raise StoreError(problem[0].upper() + problem[1:])
        try:
            with Store(copy) as store:
                rows = store.db.conn.execute("PRAGMA integrity_check(1)").fetchall()
                counts = store.outbox.counts()
                # Every queued request must still parse as this release reads it.
                store.outbox.entries(state="pending")
                store.outbox.entries(state="attention")
                after, _, _ = file_versions(store.db.conn)
        except StoreError:
            raise
        except (sqlite3.Error, ValueError, TypeError) as error:
            raise StoreError(f"The migrated copy does not read back: {error}") from None
    integrity = str(rows[0][0]) if rows else "unknown"
    if integrity != "ok":
        raise StoreError(f"The migrated copy is damaged: {integrity[:120]}")
    return TrialReport(
        from_version=before,
        to_version=after,
        integrity=integrity,
        pending=counts.get("pending", 0),
        attention=counts.get("attention", 0),
    )
