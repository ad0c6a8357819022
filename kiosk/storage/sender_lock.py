"""One sender per kiosk database: an OS lock beside the database file (issue "exactly once").

Provides :class:`SenderLock`. Whatever delivers a database's outbox (the sync service inside
``kiosk run``, ``kiosk sync run``, ``kiosk sync once``, ``kiosk sync pull``) holds it while it
works, so two processes never send the same queue at once: that could send one credit twice
before either recorded the answer.

Why an OS lock (``flock`` on ``<database>.sender``) rather than a lease row in the database: the
kernel releases it the moment the holder dies, SIGKILL and power loss included, so a crashed
sender never blocks the next one until a lease expires, and no clock is involved (a Pi's clock
may jump at boot). The lock file holds the holder's pid, for messages only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class SenderLock:
    """The sender lock of the database at ``database``; see the module docstring."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".sender")
        """The lock file, beside the database."""
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True when it is ours (again) now.

        Raises:
            OSError: the lock file cannot be created (the database's folder is not writable).
        """
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """Who holds the lock, for a message: ``pid 1234``, or ``another process``."""
        with contextlib.suppress(OSError, ValueError):
            text = self.path.read_text(encoding="ascii").strip()
            return f"pid {int(text)}"
        return "another process"

    def release(self) -> None:
        """Give the lock back (closing the file releases it)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
