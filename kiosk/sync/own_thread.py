"""The sync service on a thread of its own, with its own event loop and its own connection.

Provides :func:`runner_in_own_thread`. ``kiosk run`` and ``kiosk demo`` used to run the service
on the UI's event loop: every commit of the worker (``synchronous=FULL``: a disk flush) and every
question it asks of the queue then came out of the time a swipe has to reach the PIN screen, and
with a week of queue the worker is busy all the time (issue 15). On its own thread the service
shares nothing with the UI but the file: SQLite releases Python's lock while it reads and
flushes, so the UI keeps running meanwhile, and WAL lets the two connections read and write side
by side (a writer waits for the other's commit on the busy timeout).

The UI's store keeps calling its queued-edit listeners; the one this module hands out forwards
to the service's :meth:`~kiosk.sync.service.SyncService.wake`, which is safe from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from kiosk.storage.customer_store import Store
from kiosk.sync.service import SyncService

STOP_GRACE_SECONDS = 10.0
"""How long a stopping app waits for the service to finish its pass and close the file."""


class _Running:
    """What the UI's loop knows of the service running in the other thread."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        self.service: SyncService | None = None
        self.stopping = False
        """A stop was asked for, perhaps before the service had started: it must not start."""
        self.lock = threading.Lock()

    def wake(self) -> None:
        with self.lock:
            service = self.service
        if service is not None:
            service.wake()

    def request_stop(self) -> None:
        with self.lock:
            self.stopping = True
            loop, stop = self.loop, self.stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # its loop ended meanwhile
                loop.call_soon_threadsafe(stop.set)


def runner_in_own_thread(
    path: Path, make: Callable[[Store], SyncService]
) -> tuple[Callable[[], Awaitable[None]], Callable[[], None]]:
    """(the app's sync runner, the listener to add to the UI store's queued-edit listeners).

    Each call of the runner opens ``path`` as a :class:`Store` in a new thread, builds the service
    with ``make`` and runs it there until the runner is cancelled (the app stops) or the service
    fails (the exception is raised in the caller, which starts it again)."""
    current = _Running()

    def body() -> None:
        async def serve() -> None:
            with Store(path) as own:
                service = make(own)
                stop = asyncio.Event()
                with current.lock:
                    current.loop, current.stop = asyncio.get_running_loop(), stop
                    current.service = service
                    if current.stopping:
                        stop.set()  # the app stopped while this thread was starting
                service.wake()  # whatever was queued meanwhile goes at once
                try:
                    await service.run(stop)
                finally:
                    with current.lock:
                        current.loop = current.stop = current.service = None

        asyncio.run(serve())

    async def run() -> None:
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()
        with current.lock:
            current.stopping = False

        def thread_main() -> None:
            try:
                body()
            except BaseException as error:  # handed to the app's loop, which restarts us
                _settle(loop, finished, error)
            else:
                _settle(loop, finished, None)

        threading.Thread(target=thread_main, name="kiosk-sync", daemon=True).start()
        try:
            await asyncio.shield(finished)
        except asyncio.CancelledError:
            current.request_stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(finished), STOP_GRACE_SECONDS)
            raise

    return run, current.wake


def _settle(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[None], error: BaseException | None
) -> None:
    def settle() -> None:
        if future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    with contextlib.suppress(RuntimeError):  # the app's loop is gone: nobody waits
        loop.call_soon_threadsafe(settle)
