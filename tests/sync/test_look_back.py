"""Looking back at delivered tagged credits (issue 12 items 3 and 6), against the reference
server over loopback: a copy that lands after its doubt was decided is undone without waiting
for another doubt of that customer; a credit deleted at the central API goes to staff with a
plain explanation, and a retry credits it once."""

from __future__ import annotations

import asyncio

from kiosk.central.client import CentralClient
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import RunningServer
from kiosk.reference.store import ReferenceStore
from kiosk.storage import look_back
from kiosk.storage.audit import audit_rows
from kiosk.storage.customer_store import Store
from kiosk.sync.worker import SyncReport, SyncWorker
from tests.sync.conftest import FAST, central_by_card
from tests.sync.test_tagged_credits import _until, central_tags, known_customers

CARD = "6001000000000734"


async def test_a_copy_held_past_the_check_is_undone_by_the_look_back_alone(
    kiosk: Store, central: RunningServer, client: CentralClient
) -> None:
    """Item 3: a proxy holds the original longer than the settle time; the check finds nothing
    and resends; the original lands afterwards. No other credit of that customer follows, so no
    later check would see the copy: the look back finds it and deletes it (audited)."""
    hasty = SyncWorker(kiosk, client, backoff=FAST, settle_seconds=0.2, kiosk_id="till-1")
    hasty.tagged.look_after = (0.0, 0.0)
    (code,) = await known_customers(kiosk, hasty, [CARD])
    kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})
    central.control.set(FaultConfig(seed=1, apply_late=1.0, late_seconds=1.5))
    await hasty.drain()
    central.control.set(FaultConfig())
    await hasty.drain(max_wait=2.0)  # checks after 0.2 s: not there yet, resent
    await _until(lambda: len(central_tags(central, code, "3")) == 2)
    assert central_by_card(central)[CARD]["balances"] == {("3", ""): "2"}

    looked = await hasty.sweep.run(SyncReport())

    assert looked == 1
    assert len(central_tags(central, code, "3")) == 1
    assert central_by_card(central)[CARD]["balances"] == {("3", ""): "1"}
    assert [r["action"] for r in audit_rows(kiosk.db)].count("outbox.duplicate_undone") == 1
    assert kiosk.outbox.counts() == {"delivered": 2}
    # It was in doubt: one more look is planned; it finds nothing more to do.
    assert await hasty.sweep.run(SyncReport()) == 1
    assert await hasty.sweep.run(SyncReport()) == 0
    assert central_by_card(central)[CARD]["balances"] == {("3", ""): "1"}


async def test_a_credit_deleted_at_the_central_api_goes_to_staff_and_a_retry_credits_it_once(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """Item 6: the owner deletes a delivered credit's transaction at the central API. The kiosk
    notices at its look back and asks staff, never re-sending it on its own; a retry by staff
    credits it again, once (same tag); a discard would accept the deletion."""
    worker.tagged.look_after = (0.0, 0.0)
    (code,) = await known_customers(kiosk, worker, [CARD])
    kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})
    await worker.drain()
    (tag,) = central_tags(central, code, "3")

    def delete(store: ReferenceStore) -> None:
        (row,) = store.transactions(code, "3", 10)
        assert store.delete_transaction(code, "3", row["id"])

    central.read(delete)
    report = SyncReport()
    assert await worker.sweep.run(report) == 1
    assert report.needs_attention == 1
    (parked,) = kiosk.outbox.entries(state="attention")
    message = parked.last_error or ""
    assert "has since been deleted there" in message and "discard" in message
    assert CARD not in message  # the card is masked
    assert central_by_card(central)[CARD]["balances"] == {("3", ""): "0"}

    assert await worker.sweep.run(SyncReport()) == 0  # parked: not looked at again
    kiosk.outbox.retry(parked.entry_id, actor="staff")
    await worker.drain(max_wait=2.0)
    assert central_tags(central, code, "3") == [tag]
    assert central_by_card(central)[CARD]["balances"] == {("3", ""): "1"}
    assert any(r["action"] == "outbox.deleted_centrally" for r in audit_rows(kiosk.db))


async def test_the_worker_looks_back_when_its_queue_is_idle(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """The look back runs inside ``run_forever`` (the service), not only when called."""
    worker.tagged.look_after = (0.0, 0.0)
    (code,) = await known_customers(kiosk, worker, [CARD])
    kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})
    await worker.drain()
    central.read(
        lambda store: store.delete_transaction(
            code, "3", store.transactions(code, "3", 10)[0]["id"]
        )
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run_forever(stop, idle_poll=0.05, heartbeat=60.0))
    try:
        await _until(lambda: bool(kiosk.outbox.entries(state="attention")))
    finally:
        stop.set()
        await running


async def test_an_older_profile_update_that_lands_last_is_repaired_by_sending_the_newest_again(
    kiosk: Store, central: RunningServer, client: CentralClient
) -> None:
    """Item 3 and S3: a proxy holds the first attempt of an update longer than the settle time;
    the kiosk sends it again, then a newer update of the same field; the held copy lands last
    and the central record holds the older value. The look back sees a value this kiosk sent
    before its newest and queues the newest again; the central record ends as the last edit."""
    hasty = SyncWorker(kiosk, client, backoff=FAST, settle_seconds=0.2, kiosk_id="till-1")
    hasty.tagged.look_after = (0.0, 0.0)
    (code,) = await known_customers(kiosk, hasty, [CARD])
    kiosk.apply_edit({"code": code, "last_name": "Older"})
    central.control.set(FaultConfig(seed=1, apply_late=1.0, late_seconds=1.5))
    await hasty.drain()
    central.control.set(FaultConfig())
    await hasty.drain(max_wait=2.0)
    kiosk.apply_edit({"code": code, "last_name": "Newest", "phone": "5550100"})
    await hasty.drain(max_wait=2.0)
    await _until(lambda: central_by_card(central)[CARD]["last_name"] == "Older")

    await hasty.sweep.run(SyncReport())
    await hasty.drain(max_wait=2.0)

    record = central_by_card(central)[CARD]
    assert (record["last_name"], record["phone"]) == ("Newest", "5550100")
    assert kiosk.customer(code)["last_name"] == "Newest"
    assert any(r["action"] == "customer.stale_update_resent" for r in audit_rows(kiosk.db))
    assert await hasty.sweep.run(SyncReport()) == 0  # looked at once; nothing more planned


async def test_a_website_edit_after_the_kiosks_is_left_alone_by_the_look_back(
    kiosk: Store, central: RunningServer, client: CentralClient
) -> None:
    """S3 with another writer: the central record holds a value the kiosk never sent (the
    website's, made later): the look back sends nothing."""
    hasty = SyncWorker(kiosk, client, backoff=FAST, settle_seconds=0.2, kiosk_id="till-1")
    hasty.tagged.look_after = (0.0, 0.0)
    (code,) = await known_customers(kiosk, hasty, [CARD])
    kiosk.apply_edit({"code": code, "last_name": "Kiosk"})
    central.control.set(FaultConfig(seed=2, drop_after_apply=1.0))
    await hasty.drain()
    central.control.set(FaultConfig())
    await hasty.drain(max_wait=2.0)
    central.read(lambda store: store.apply_edit({"code": code, "last_name": "Website"}))

    await hasty.sweep.run(SyncReport())

    assert kiosk.outbox.counts() == {"delivered": 2}
    assert central_by_card(central)[CARD]["last_name"] == "Website"


def test_finding_the_looks_due_reads_only_the_index_of_planned_entries(kiosk: Store) -> None:
    """Issue 15 beside issue 12: the idle worker asks for looks due; with a week of delivered
    entries that must not read them all (the partial index of m010)."""
    plan = kiosk.db.conn.execute(
        "EXPLAIN QUERY PLAN " + look_back.DUE_SQL, (0.0, 10)
    ).fetchall()
    assert [row[3] for row in plan] == [
        "SEARCH outbox USING INDEX outbox_look_back (<expr><?)"
    ]
