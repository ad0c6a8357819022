"""A line that is down is probed, not tried once per customer (issue 15): with the central API
unreachable, a drain over many customers makes a handful of harmless probes and no entry changes
but those probed; once it answers again, everything goes."""

from __future__ import annotations

from kiosk.central.client import CentralClient
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer
from kiosk.storage.customer_store import Store
from kiosk.sync.intent import Backoff
from kiosk.sync.worker import SyncWorker


async def test_an_unreachable_central_api_costs_a_few_probes_not_one_per_customer(
    kiosk: Store, central: RunningServer
) -> None:
    for i in range(40):
        kiosk.apply_edit({"card_number": f"60010000000{i:05d}", "first_name": "Ann"})
    url = central.url
    central.stop()
    slow = Backoff(base_seconds=30.0, cap_seconds=60.0)
    async with CentralClient(url, DEFAULT_CREDENTIALS, timeout=1.0) as client:
        worker = SyncWorker(kiosk, client, concurrency=4, backoff=slow)
        report = await worker.drain(max_wait=0.0)
    assert report.requests <= 4  # one probe per customer being served at once, at most
    tried = [entry for entry in kiosk.outbox.entries() if entry.attempts > 0]
    assert len(tried) == report.retried <= 4
    assert kiosk.outbox.counts() == {"pending": 40}


async def test_when_the_line_answers_again_the_whole_queue_goes(
    kiosk: Store, central: RunningServer
) -> None:
    for i in range(12):
        kiosk.apply_edit({"card_number": f"60010000001{i:05d}", "first_name": "Bo"})
    fast = Backoff(base_seconds=0.01, cap_seconds=0.05)
    async with CentralClient(
        "http://127.0.0.1:9/", DEFAULT_CREDENTIALS, timeout=1.0
    ) as down, CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as up:
        worker = SyncWorker(kiosk, down, concurrency=4, backoff=fast)
        await worker.drain(max_wait=0.0)
        worker.client = up  # the line is back (the same worker, its gate still closed)
        worker.checker.client = worker.tagged.client = up
        report = await worker.drain(max_wait=5.0)
    assert kiosk.outbox.counts() == {"delivered": 12}
    assert report.delivered == 12
