"""Exactly once across kiosks (issue 12): the scenarios that once credited customers twice, each
against the reference server over loopback with its faults on."""

from __future__ import annotations

from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import RunningServer
from kiosk.storage.customer_store import Store
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
