"""The sync status read off the UI's event loop: one thread, one read-only connection.

Provides :class:`StatusPoll` and :func:`read_only_status_reader`. The indicators read the sync
status every two seconds and after every queue change; with a week of queue (100,000 entries)
even index-backed counts take milliseconds, and a reader that waits on a busy file waits up to
the busy timeout: on the event loop that time comes out of a swipe's answer (issue 15). Here
the read runs in one worker thread, the answer is handed back on the loop, and reads asked for
while one runs are merged into one more read after it (so a burst of queue changes costs two
reads, not one per change).

Why a connection of its own, read-only: the app's connection belongs to the loop's thread, and a
reader never blocks the kiosk's writers in WAL mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from kiosk.storage.database import Database, open_read_only
from kiosk.storage.sync_state import SyncStatus, read_status

log = logging.getLogger(__name__)


def read_only_status_reader(
    path: Path, *, stale_after: dt.timedelta, clock: Callable[[], float]
) -> Callable[[], SyncStatus]:
    """A status reader over a read-only connection opened at its first call (in the thread
    that calls it: :class:`StatusPoll` calls it from its one thread only)."""
    held: list[sqlite3.Connection] = []

    def read() -> SyncStatus:
        if not held:
            held.append(open_read_only(path))
        return read_status(Database(held[0]), stale_after=stale_after, clock=clock)

    def close() -> None:
        while held:
            held.pop().close()

    read.close = close  # type: ignore[attr-defined]
    return read


class StatusPoll:
    """Runs a status reader in a thread of its own and hands each result to ``deliver`` on the
    event loop that asked for it."""

    def __init__(
        self, reader: Callable[[], SyncStatus], deliver: Callable[[SyncStatus], None]
    ) -> None:
        self._reader = reader
        self._deliver = deliver
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-status")
        self._running = False
        self._again = False

    def request(self) -> None:
        """Read the status soon (call on the event loop's thread)."""
        if self._running:
            self._again = True
            return
        loop = asyncio.get_running_loop()
        self._running = True
        future = self._pool.submit(self._reader)
        # The loop's context (Textual's active app, the kiosk's config) for the callback: a
        # callback handed over from the thread would otherwise run in the thread's context.
        context = contextvars.copy_context()
        future.add_done_callback(lambda done: _call_on(loop, context, self._finished, done))

    def _finished(self, done: Future[SyncStatus]) -> None:
        self._running = False
        try:
            self._deliver(done.result())
        except Exception:  # a busy database must not stop the clock or the screens
            log.warning("could not read the sync status", exc_info=True)
        if self._again:
            self._again = False
            self.request()

    def close(self) -> None:
        """Stop the thread (after the read in progress) and close the reader's connection."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        close = getattr(self._reader, "close", None)
        if close is not None:
            close()  # the connection allows it: opened with check_same_thread=False


def _call_on(
    loop: asyncio.AbstractEventLoop,
    context: contextvars.Context,
    callback: Callable[[Future[SyncStatus]], None],
    done: Future[SyncStatus],
) -> None:
    if not loop.is_closed():
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (the app exited)
            loop.call_soon_threadsafe(callback, done, context=context)
