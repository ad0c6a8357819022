"""Exactly once across kiosks (issue 12): the scenarios that once credited customers twice, each
against the reference server over loopback with its faults on."""

from __future__ import annotations

from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import RunningServer
from kiosk.storage.customer_store import Store
from kiosk.sync.pull import pull
from kiosk.sync.worker import SyncWorker
from tests.sync.conftest import central_by_card


async def test_a_creation_in_doubt_is_decided_by_the_card_that_was_sent(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """Scenario 1: a card registered offline with a sign-up bonus, then replaced by a new card
    before sync. The registration's answer is lost; the check must look for the card that was
    sent (the old one), not the customer's card now, or it resends: a second customer and a
    second bonus (S5)."""
    registered = kiosk.apply_edit(
        {
            "card_number": "6001000000000410",
            "first_name": "Rae",
            "campaign_id": "1",
            "auto_add": "10",
        }
    )
    kiosk.apply_edit({"code": registered.plan.code, "card_number": "6001000000000428"})

    central.control.set(FaultConfig(seed=5, drop_after_apply=1.0, only_writes=True))
    first = await worker.drain()
    assert first.delivered == 0
    central.control.set(FaultConfig())
    await worker.drain(max_wait=2.0)

    customers = central_by_card(central)
    assert set(customers) == {"6001000000000428"}, "one customer, with the new card"
    assert customers["6001000000000428"]["balances"] == {("1", ""): "10"}
    assert kiosk.outbox.counts() == {"delivered": 2}


async def test_a_pull_while_a_credit_is_in_doubt_shows_what_is_known(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """Scenario 4: the answer to a credit is lost after the server applied it; a pull then runs
    while the credit is in doubt. The kiosk once added the queued credit on top of a central
    balance that already held it (24 where the central API held 17). It must show the central
    balance plus only what is surely not applied, and agree with the central API once the
    doubt is decided."""
    code = kiosk.apply_edit(
        {
            "card_number": "6001000000000436",
            "first_name": "Ula",
            "campaign_id": "1",
            "auto_add": "7",
        }
    ).plan.code
    await worker.drain()
    central_code = kiosk.find_customer("6001000000000436")["code"]
    assert central_code == code or kiosk.customer(central_code)["central_known"]
    kiosk.apply_edit({"code": central_code, "campaign_id": "1", "auto_add": "10"})

    central.control.set(FaultConfig(seed=7, drop_after_apply=1.0, only_writes=True))
    await worker.drain()
    central.control.set(FaultConfig())
    assert central_by_card(central)["6001000000000436"]["balances"] == {("1", ""): "17"}

    await pull(kiosk, worker.client)
    assert local_points(kiosk, central_code) == "17", "the in-doubt credit counted twice"

    await worker.drain(max_wait=2.0)
    assert kiosk.outbox.counts().get("pending", 0) == 0
    assert local_points(kiosk, central_code) == "17"
    assert central_by_card(central)["6001000000000436"]["balances"] == {("1", ""): "17"}


async def test_a_credit_in_doubt_that_was_not_applied_is_counted_again_once_resent(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """The other side of scenario 4: the credit never reached the central API (the connection
    reset before it was applied), a pull runs meanwhile and shows only the central balance;
    once the check finds it absent and resends it, the local balance is corrected up."""
    kiosk.apply_edit({"card_number": "6001000000000444", "first_name": "Vic"})
    await worker.drain()
    code = kiosk.find_customer("6001000000000444")["code"]
    kiosk.apply_edit({"code": code, "campaign_id": "1", "auto_add": "5"})
    central.control.set(FaultConfig(seed=9, reset_before=1.0, only_writes=True))
    await worker.drain()
    central.control.set(FaultConfig())
    assert [entry.in_doubt for entry in kiosk.outbox.entries(state="pending")] == [True]

    await pull(kiosk, worker.client)
    assert local_points(kiosk, code) is None  # only what is known: the central balance

    await worker.drain(max_wait=2.0)
    assert central_by_card(central)["6001000000000444"]["balances"] == {("1", ""): "5"}
    assert local_points(kiosk, code) == "5"


def local_points(kiosk: Store, code: str) -> str | None:
    """The kiosk's local balance in campaign 1, or None when it holds none."""
    rows = [b["balance"] for b in kiosk.balances(code) if b["campaign_id"] == "1"]
    return rows[0] if rows else None
