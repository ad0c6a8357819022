"""Delivery of the outbox to the real reference server on loopback (S2-S6)."""

from __future__ import annotations

import json

from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import RunningServer
from kiosk.storage.customer_store import Store
from kiosk.storage.sync_state import read_status
from kiosk.sync.worker import SyncWorker
from tests.sync.conftest import central_by_card


async def test_offline_registration_and_edits_arrive_once_with_the_central_code(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """S3/S4: a card registered offline, edited by its local code and credited, ends as one
    central customer; the local code is replaced by the central one everywhere."""
    local = kiosk.apply_edit({"card_number": "4000123412341234", "first_name": "Ann"})
    local_code = local.plan.code
    kiosk.apply_edit({"code": local_code, "phone": "555-0100", "customer_PIN": "2468"})
    kiosk.apply_edit({"code": local_code, "auto_add": "25", "campaign_id": "1"})

    report = await worker.drain()

    assert report.delivered == 3 and report.needs_attention == 0
    customers = central_by_card(central)
    ann = customers["4000123412341234"]
    assert (ann["first_name"], ann["phone"]) == ("Ann", "555-0100")
    assert ann["balances"] == {("1", ""): "25"}
    assert kiosk.customer(local_code) is None or ann["code"] == local_code
    mine = kiosk.find_customer("4000123412341234")
    assert mine is not None and mine["code"] == ann["code"] and mine["central_known"]
    assert kiosk.verify_pin(ann["code"], "2468")
    for entry in kiosk.outbox.entries():
        assert entry.state == "delivered" and entry.customer_code == ann["code"]
        assert entry.request.get("customer_PIN", "") == "", "S9: PIN scrubbed after delivery"


async def test_a_card_the_central_api_already_knows_ends_as_one_customer(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """S4: registered offline, known centrally: one customer, the central code adopted."""
    existing = central.read(
        lambda store: store.apply_edit(
            {"card_number": "5555666677778888", "first_name": "Known", "city": "Anytown"}
        )
    )
    local = kiosk.apply_edit({"card_number": "5555666677778888", "first_name": "Offline"})
    assert local.plan.code != existing.code

    await worker.drain()

    customers = central_by_card(central)
    assert len(customers) == 1
    record = customers["5555666677778888"]
    assert record["code"] == existing.code
    assert (record["first_name"], record["city"]) == ("Offline", "Anytown")
    assert kiosk.find_customer("5555666677778888")["code"] == existing.code
    assert kiosk.count_customers() == 1


async def test_lost_answers_never_credit_twice(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """S5/M9: every answer to a write is lost after the server applied it (look-ups still
    answer); the worker checks the balance before resending and finds the credit there, so it
    is applied exactly once."""
    code = kiosk.apply_edit({"card_number": "1111222233334444", "first_name": "Bo"}).plan.code
    await worker.drain()
    central_code = kiosk.find_customer("1111222233334444")["code"]
    assert central_code != code or kiosk.customer(code)["central_known"]
    kiosk.apply_edit({"code": central_code, "auto_add": "10", "campaign_id": "1"})
    kiosk.apply_edit({"code": central_code, "auto_add": "Latte", "campaign_id": "2"})

    central.control.set(FaultConfig(seed=3, drop_after_apply=1.0, only_writes=True))
    first = await worker.drain()
    assert first.delivered == 0  # no answer ever came: nothing may be called delivered yet
    in_doubt = kiosk.db.conn.execute("SELECT count(*) FROM outbox WHERE in_doubt = 1").fetchone()
    assert in_doubt == (1,)  # the first credit was sent; the second waits behind it (S3)
    assert central_by_card(central)["1111222233334444"]["balances"] == {("1", ""): "10"}
    central.control.set(FaultConfig())
    second = await worker.drain(max_wait=2.0)

    assert second.checks >= 1 and second.delivered == 2
    balances = central_by_card(central)["1111222233334444"]["balances"]
    assert balances == {("1", ""): "10", ("2", "Latte"): "1"}
    assert read_status(kiosk.db).pending == 0


async def test_a_refused_entry_waits_for_staff_and_holds_back_only_its_customer(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """S6/S3: a definitive error parks the entry with the API's message; that customer's later
    entries wait behind it; other customers are delivered."""
    kiosk.apply_edit({"card_number": "9000", "first_name": "Cy"})
    # A campaign only the kiosk knows: the central API refuses the credit (M9).
    from kiosk.domain.fields import Campaign

    kiosk.define_campaign(Campaign("77", "Local only", "points"))
    bad = kiosk.apply_edit({"card_number": "9000", "auto_add": "5", "campaign_id": "77"})
    kiosk.apply_edit({"card_number": "9000", "city": "Later"})
    kiosk.apply_edit({"card_number": "9111", "first_name": "Di"})

    report = await worker.drain()

    assert report.needs_attention == 1
    (parked,) = kiosk.outbox.entries(state="attention")
    assert parked.entry_id == bad.entry_id and "campaign" in (parked.last_error or "").lower()
    customers = central_by_card(central)
    assert customers["9111"]["first_name"] == "Di"
    assert customers["9000"]["city"] in (None, "")  # held back behind the refused credit
    kiosk.outbox.discard(parked.entry_id, reason="campaign not set up", actor="test")
    await worker.drain()
    assert central_by_card(central)["9000"]["city"] == "Later"
    audit = kiosk.db.conn.execute("SELECT actor, action, detail FROM audit").fetchall()
    assert audit and audit[-1][:2] == ("test", "outbox.discard")
    assert "campaign not set up" in audit[-1][2]


async def test_an_unreachable_api_keeps_everything_queued_with_backoff(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """S2: refused connections are retried later; attempts and the retry time persist."""
    kiosk.apply_edit({"card_number": "1234", "first_name": "Ed"})
    central.stop()

    report = await worker.drain()

    assert report.delivered == 0 and report.retried == 1
    row = kiosk.db.conn.execute(
        "SELECT state, attempts, in_doubt, next_attempt_at, last_error FROM outbox"
    ).fetchone()
    assert row[0] == "pending" and row[1] == 1 and row[2] == 0
    assert row[3] > 0 and "unreachable" in row[4]
    status = read_status(kiosk.db)
    assert not status.online and status.pending == 1


async def test_a_central_api_ignoring_proposed_codes_makes_no_duplicates(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """M2 reversed (fault mode) with lost answers: still one customer per card."""
    for i in range(10):
        kiosk.apply_edit(
            {"code": f"77{i:04d}", "card_number": f"880{i:05d}", "first_name": f"P{i}"}
        )
        kiosk.apply_edit({"code": f"77{i:04d}", "auto_add": "3", "campaign_id": "1"})
    central.control.set(FaultConfig(seed=11, ignore_proposed_code=True, drop_after_apply=0.5))

    await worker.drain(max_wait=5.0)
    while read_status(kiosk.db).pending:
        await worker.drain(max_wait=5.0)

    customers = central_by_card(central)  # asserts no two share a card
    assert len(customers) == 10
    assert all(record["balances"] == {("1", ""): "3"} for record in customers.values())
    assert not kiosk.outbox.entries(state="attention")
    for i in range(10):
        local = kiosk.find_customer(f"880{i:05d}")
        assert local["code"] == customers[f"880{i:05d}"]["code"] != f"77{i:04d}"


def test_outbox_requests_hold_no_credentials(kiosk: Store) -> None:
    """S8: queued requests never carry the account's credentials."""
    kiosk.apply_edit({"first_name": "Fay"})
    text = kiosk.db.conn.execute("SELECT request FROM outbox").fetchone()[0]
    assert set(json.loads(text)) == {"first_name"}


async def test_a_customer_action_new_entry_is_delivered_as_new_once(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """api-notes: customer_action=new always creates (the card serves as code); a lost answer
    is checked by card number and not sent again, so it creates one customer only (S5)."""
    kiosk.apply_edit({"card_number": "777001", "first_name": "Nia"}, action="new")
    central.control.set(FaultConfig(seed=5, drop_after_apply=1.0, only_writes=True))
    await worker.drain()
    central.control.set(FaultConfig())
    report = await worker.drain(max_wait=2.0)

    assert report.checks == 1 and report.delivered == 1
    customers = central_by_card(central)
    assert list(customers) == ["777001"] and customers["777001"]["code"] == "777001"
    assert central.count_customers() == 1
