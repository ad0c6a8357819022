"""The one sync service every entry point runs: drain, periodic pull, heartbeat (S2-S7).

Provides :class:`SyncService`. ``kiosk run`` and ``kiosk demo`` run it inside the app, ``kiosk
sync run`` runs it on its own, and ``kiosk sync once|pull`` use its single passes; all of them
share one client (one connection pool) and one retry loop. The service owns the client it
makes: it opens it when started and closes it when stopped.

Anyone may call :meth:`SyncService.wake` after queueing a change (the store calls it after each
committed edit, from whatever thread made it), so that a change leaves at once instead of at the
next poll.

The delivery and pull modules (and with them httpx) are imported when the service starts, not
when this module is imported: ``kiosk run`` builds the service before its first frame, and
nothing on the first screen needs the HTTP client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.storage.customer_store import Store
from kiosk.storage.sender_lock import SenderLock
from kiosk.sync.intent import Backoff

if TYPE_CHECKING:
    from kiosk.central.client import CentralClient
    from kiosk.sync.pull import PullReport
    from kiosk.sync.worker import SyncReport, SyncWorker

log = logging.getLogger("kiosk.sync")

ClientFactory = Callable[[], "CentralClient"]
"""Makes the service's one client (called once, when the service starts)."""
SENDER_RETRY_SECONDS = 2.0
"""How often a waiting ``run`` looks again whether the other sender has stopped."""


class AnotherSender(Exception):
    """Another process is delivering this database's outbox; this one must not (issue 12:
    two senders would send the same queued credit twice)."""


@dataclass(frozen=True)
class SyncTiming:
    """How often the service does each of its jobs."""

    pull_interval: float = 3600.0
    """Seconds between pulls (S7); 0 turns the periodic pull off."""
    heartbeat: float = 30.0
    """With nothing to send, a harmless call this often keeps the online indicator true."""
    idle_poll: float = 2.0
    """With nothing due, look at the queue again this often (another process may queue)."""
    keep_delivered_days: float = 30.0
    """Delivered entries older than this move to the outbox archive; 0 keeps them."""
    prune_interval: float = 3600.0
    """Seconds between two prunings of delivered history (the first comes at start)."""


class SyncService:
    """Delivers one store's outbox and refreshes the store; see the module docstring."""

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        *,
        concurrency: int = 4,
        backoff: Backoff | None = None,
        timing: SyncTiming | None = None,
        clock: Callable[[], float] | None = None,
        store_name: str = "",
        kiosk_id: str | None = None,
    ) -> None:
        """``store_name`` and ``kiosk_id`` (default: the host name) name this kiosk in the
        ``authorization`` tag of each credit it sends (issue 12)."""
        self.store = store
        self.store_name = store_name
        self.kiosk_id = kiosk_id
        self.concurrency = concurrency
        self.backoff = backoff or Backoff()
        self.timing = timing or SyncTiming()
        self._client_factory = client_factory
        self._clock = clock
        self._client: CentralClient | None = None
        self._worker: SyncWorker | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken = False
        self._lock: SenderLock | None = None

    # Life cycle

    async def __aenter__(self) -> SyncService:
        """Take the database's sender lock, then open the client and the delivery worker.

        Raises:
            AnotherSender: another process holds the lock (nothing was opened).
        """
        from kiosk.sync.worker import SyncWorker  # deferred: see the module docstring

        lock = SenderLock(self.store.path)
        if not lock.try_acquire():
            raise AnotherSender(
                f"another sender ({lock.holder()}: the kiosk itself or 'kiosk sync run') is "
                f"delivering the queue of {self.store.path}"
            )
        self._lock = lock
        self._loop = asyncio.get_running_loop()
        self._client = self._client_factory()
        self._worker = SyncWorker(
            self.store,
            self._client,
            concurrency=self.concurrency,
            backoff=self.backoff,
            clock=self._clock,
            store_name=self.store_name,
            kiosk_id=self.kiosk_id,
        )
        if self._woken:
            self._worker.wake()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close the client and give the sender lock back."""
        try:
            if self._client is not None:
                await self._client.aclose()
        finally:
            self._client = self._worker = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def wake(self) -> None:
        """New entries were queued: deliver now. Safe from any thread, before or after start."""
        self._woken = True
        loop, worker = self._loop, self._worker
        if loop is None or worker is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            worker.wake()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(worker.wake)

    # Single passes (``kiosk sync once``, ``kiosk sync pull``)

    async def drain(self, *, max_wait: float = 0.0) -> SyncReport:
        """Deliver what is ready (and what falls due within ``max_wait`` seconds)."""
        return await self._started_worker().drain(max_wait=max_wait)

    async def pull(self) -> PullReport:
        """Refresh the local store from the central API once."""
        from kiosk.sync.pull import pull  # deferred: see the module docstring

        self._started_worker()
        assert self._client is not None
        return await pull(self.store, self._client)

    # The service (``kiosk run``, ``kiosk demo``, ``kiosk sync run``)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Deliver, heartbeat and pull until ``stop`` is set (or for ever); opens and closes
        the client itself when not already started. While another process holds the sender
        lock, it waits (saying so once in the log) and takes over when that one stops."""
        stop = stop or asyncio.Event()
        if self._worker is not None:
            await self._run(stop)
            return
        told = False
        while not stop.is_set():
            try:
                async with self:
                    await self._run(stop)
                return
            except AnotherSender as busy:
                if not told:
                    log.warning("%s; waiting until it stops", busy)
                    told = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=SENDER_RETRY_SECONDS)

    async def _run(self, stop: asyncio.Event) -> None:
        worker = self._started_worker()
        timing = self.timing
        delivery = asyncio.create_task(
            worker.run_forever(stop, idle_poll=timing.idle_poll, heartbeat=timing.heartbeat)
        )
        pruning = asyncio.create_task(self._prune_periodically(stop))
        try:
            if timing.pull_interval > 0:
                await self._pull_periodically(stop, timing.pull_interval)
            else:
                await stop.wait()
        finally:
            stop.set()
            await delivery
            await pruning

    async def _prune_periodically(self, stop: asyncio.Event) -> None:
        """Move old delivered history to the archive now, then every ``prune_interval``; in a
        thread on a connection of its own (its batches are writes: never on the loop)."""
        days = self.timing.keep_delivered_days
        while days > 0 and not stop.is_set():
            try:
                moved = await asyncio.to_thread(_prune, self.store.path, days)
                if moved:
                    log.info("moved %d delivered entries to the outbox archive", moved)
            except Exception:  # history left in place is no reason to stop delivery
                log.exception("pruning delivered history failed; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.timing.prune_interval)

    async def _pull_periodically(self, stop: asyncio.Event, interval: float) -> None:
        """Pull now, then every ``interval`` seconds; a failed pull waits for the next turn."""
        from kiosk.central.client import CentralError  # deferred: see the module docstring

        while not stop.is_set():
            started = time.monotonic()
            try:
                log.info("pull: %s", (await self.pull()).summary())
            except CentralError as error:
                log.warning("pull failed, will try again: %s", error)
            except Exception:  # a refresh must never stop delivery
                log.exception("pull failed, will try again")
            wait = max(0.0, interval - (time.monotonic() - started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)

    def _started_worker(self) -> SyncWorker:
        if self._worker is None:
            raise RuntimeError("SyncService used before 'async with' started it")
        return self._worker


def _prune(path: Path, days: float) -> int:
    from kiosk.storage.database import connect
    from kiosk.storage.outbox_archive import prune_delivered

    db = connect(path)
    try:
        return prune_delivered(db, days)
    finally:
        db.close()
