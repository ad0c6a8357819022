"""The WAL checkpointed off the edit path: by a thread of its own, when the file is idle.

Provides :class:`BackgroundCheckpoint`. SQLite checkpoints a WAL file itself, in the commit that
takes it past 1000 pages: with an edit writing about ten pages, one edit in a hundred paid it
(4-5 ms here, the whole p99 of a local edit; issue 15). While a :class:`BackgroundCheckpoint`
runs, the connections this process opens leave that to it (``wal_autocheckpoint=0``,
:data:`kiosk.storage.database.AUTOCHECKPOINT_PAGES`), and it copies the WAL back into the
database when the file has not changed for a poll (nobody is editing), or at once when the WAL
passes :data:`WAL_LIMIT_PAGES` (a busy shop must not grow it without bound). Its checkpoints are
PASSIVE: they never wait for, nor block, a writer or a reader. ``journal_size_limit`` (set by
:func:`kiosk.storage.database.connect`) gives the disk back when a writer resets the WAL.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from kiosk.storage.database import AUTOCHECKPOINT_PAGES, BUSY_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

WAL_LIMIT_PAGES = 2000
"""Checkpoint now, idle or not, once the WAL holds this many pages (8 MB of 4 KiB pages)."""
POLL_SECONDS = 1.0
"""How often the WAL file is looked at (a stat: no database work)."""
MAX_WAIT_SECONDS = 30.0
"""A shop never idle for a poll still gets a checkpoint this often."""


class BackgroundCheckpoint:
    """Checkpoints one database's WAL from a daemon thread; see the module docstring."""

    def __init__(self, path: Path, *, poll: float = POLL_SECONDS) -> None:
        self.path = Path(path)
        self.poll = poll
        self.checkpoints = 0
        """How many checkpoints it made (for tests and benchmarks)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *existing: sqlite3.Connection) -> BackgroundCheckpoint:
        """Take over checkpoints: for connections opened from now on, and for ``existing``."""
        AUTOCHECKPOINT_PAGES[0] = 0
        for conn in existing:
            conn.execute("PRAGMA wal_autocheckpoint=0")
        self._thread = threading.Thread(target=self._run, name="kiosk-checkpoint", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (after one last checkpoint) and give checkpoints back to SQLite."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        AUTOCHECKPOINT_PAGES[0] = 1000

    def _wal(self) -> tuple[int, int]:
        """(size, modification time) of the WAL file: whether anyone wrote, without SQLite."""
        try:
            info = os.stat(f"{self.path}-wal")
        except OSError:
            return (0, 0)
        return (info.st_size, info.st_mtime_ns)

    def _run(self) -> None:
        conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_SECONDS)
        try:
            page = int(conn.execute("PRAGMA page_size").fetchone()[0])
            limit = WAL_LIMIT_PAGES * (page + 24)
            seen = after = self._wal()
            last = time.monotonic()
            while not self._stop.wait(self.poll):
                now = self._wal()
                written = now != after  # something was committed since our last checkpoint
                idle = now == seen  # and nothing since the last poll
                overdue = time.monotonic() - last > MAX_WAIT_SECONDS
                if written and (idle or now[0] > limit or overdue):
                    self._checkpoint(conn)
                    after, last = self._wal(), time.monotonic()
                seen = now
            self._checkpoint(conn)
        except sqlite3.Error:
            log.exception("background checkpoint stopped; SQLite checkpoints again")
            AUTOCHECKPOINT_PAGES[0] = 1000
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
