"""The sync service on a thread of its own (issue 15): ``kiosk run`` no longer runs it on the
UI's event loop. An edit queued from the UI's store still wakes it at once, its work happens on
its own thread and connection, a stop (even one asked for while it starts) ends it and gives the
sender lock back, and it moves old delivered history to the archive as it runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

from kiosk.central.client import CentralClient
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer
from kiosk.storage.customer_store import Store
from kiosk.storage.outbox_archive import archived_count
from kiosk.storage.sender_lock import SenderLock
from kiosk.sync.own_thread import runner_in_own_thread
from kiosk.sync.service import SyncService, SyncTiming
from tests.sync.conftest import FAST


def _maker(central: RunningServer, threads: list[int], **timing: float):
    def make(own: Store) -> SyncService:
        threads.append(threading.get_ident())
        return SyncService(
            own,
            lambda: CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0),
            backoff=FAST,
            timing=SyncTiming(pull_interval=0, heartbeat=60.0, idle_poll=60.0, **timing),
        )

    return make


async def _until(predicate, limit: float = 15.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_an_edit_is_delivered_by_the_service_on_its_own_thread(
    kiosk: Store, central: RunningServer
) -> None:
    threads: list[int] = []
    run, wake = runner_in_own_thread(kiosk.path, _maker(central, threads))
    kiosk.queued_listeners.append(wake)
    running = asyncio.create_task(run())
    assert await _until(lambda: bool(threads))  # started, and idling (60 s poll)
    await asyncio.sleep(0.3)
    kiosk.apply_edit({"card_number": "6001000000000901", "first_name": "Una"})
    assert await _until(lambda: kiosk.outbox.counts().get("delivered", 0) == 1)
    assert threads and threads[0] != threading.get_ident()  # not the loop's thread
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    lock = SenderLock(kiosk.path)
    assert lock.try_acquire()  # stopped, and the sender lock given back
    lock.release()


async def test_a_stop_asked_for_while_it_starts_still_stops_it(
    kiosk: Store, central: RunningServer
) -> None:
    threads: list[int] = []
    run, _ = runner_in_own_thread(kiosk.path, _maker(central, threads))
    running = asyncio.create_task(run())
    await asyncio.sleep(0)  # the thread is opening the store: cancel right now
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    lock = SenderLock(kiosk.path)
    assert await _until(lock.try_acquire, 5.0)
    lock.release()


async def test_the_service_moves_old_delivered_history_to_the_archive(
    kiosk: Store, central: RunningServer
) -> None:
    kiosk.apply_edit({"card_number": "6001000000000902", "first_name": "Vic"})
    kiosk.apply_edit({"card_number": "6001000000000903", "first_name": "Wim"})
    [old, recent] = kiosk.outbox.entries()
    for entry, days in ((old, 40), (recent, 1)):
        kiosk.outbox.delivered(entry, entry.customer_code, entry.customer_code)
        then = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat()
        with kiosk.db.conn:
            kiosk.db.conn.execute(
                "UPDATE outbox SET delivered_at = ? WHERE entry_id = ?", (then, entry.entry_id)
            )
    kiosk.apply_edit({"card_number": "6001000000000904", "first_name": "Xia"})  # pending
    threads: list[int] = []
    run, _ = runner_in_own_thread(
        kiosk.path, _maker(central, threads, keep_delivered_days=30.0)
    )
    running = asyncio.create_task(run())
    assert await _until(lambda: archived_count(kiosk.db.conn) == 1)
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    assert kiosk.outbox.entries(state="delivered")[0].entry_id == recent.entry_id
    assert old.entry_id not in {e.entry_id for e in kiosk.outbox.entries()}
