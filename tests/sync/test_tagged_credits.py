"""Tagged credits (issue 12): every credit on a known customer is a ``record_activity`` with its
own ``authorization`` tag; a lost answer is decided by finding the tag in the history, after a
settle time; duplicates are undone. Against the reference server over loopback, faults on."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from kiosk.central.client import CentralClient
from kiosk.domain.fields import Campaign
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import RunningServer
from kiosk.reference.store import ReferenceStore
from kiosk.storage.audit import audit_rows
from kiosk.storage.customer_store import Store
from kiosk.sync.credits import ENTRY_ID_CHARS
from kiosk.sync.worker import SyncWorker
from tests.sync.conftest import FAST, central_by_card

GIFT = Campaign("4", "Gift card", "dollars")  # the local store names money "dollars"


async def known_customers(kiosk: Store, worker: SyncWorker, cards: list[str]) -> list[str]:
    """Register customers and deliver them, so the central API knows them; their codes."""
    for n, card in enumerate(cards):
        kiosk.apply_edit({"card_number": card, "first_name": f"C{n}"})
    report = await worker.drain()
    assert report.delivered == len(cards)
    return [kiosk.find_customer(card)["code"] for card in cards]


def central_tags(central: RunningServer, code: str, campaign_id: str) -> list[str]:
    """The authorization text of every transaction of one customer in one campaign."""

    def query(store: ReferenceStore) -> list[str]:
        return [t["authorization"] for t in store.transactions(code, campaign_id, 10_000)]

    return central.read(query)


async def test_a_request_applied_after_the_client_gave_up_is_credited_once_and_the_last_edit_wins(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """Scenario 3: the server holds each request past the client's deadline, then applies it
    (a slow proxy). A check made before it lands would resend: a tagged credit and a balance-
    checked points credit would land twice, and an older profile update would land after a
    newer one (S3). The settle time makes the check wait until it has landed."""
    cards = ["6001000000000501", "6001000000000519", "6001000000000527"]
    visits, points, profile = await known_customers(kiosk, worker, cards)
    kiosk.apply_edit({"code": visits, "campaign_id": "3", "auto_add": "1"})
    kiosk.apply_edit({"code": points, "campaign_id": "1", "auto_add": "10"})
    kiosk.apply_edit({"code": profile, "last_name": "Older"})
    kiosk.apply_edit({"code": profile, "last_name": "Newest"})

    assert worker.settle_seconds > 1.0 > worker.client.timeout  # late lands inside the settle
    central.control.set(FaultConfig(seed=3, apply_late=1.0, late_seconds=1.0))
    first = await worker.drain()
    assert first.delivered == 0 and first.retried == 3
    central.control.set(FaultConfig())
    await worker.drain(max_wait=10.0)
    await asyncio.sleep(1.2)  # every held request has landed by now (or never will)

    customers = central_by_card(central)
    assert customers[cards[0]]["balances"] == {("3", ""): "1"}
    assert customers[cards[1]]["balances"] == {("1", ""): "10"}
    assert customers[cards[2]]["last_name"] == "Newest"
    assert kiosk.outbox.counts() == {"delivered": 7}
    assert central_tags(central, visits, "3") == [f"{worker.tag_prefix}:{tag_of(kiosk, visits)}"]


async def test_tagged_credits_carry_exactly_one_copy_of_their_tag(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """Item 1: visits (one activity per visit), buy-X and gift-card credits go as tagged
    record_activity calls; under lost answers, resets and late applications each tag is in the
    central history exactly once, the balances are the sums credited, and the transaction ids
    are recorded locally (audit)."""
    kiosk.define_campaign(GIFT)
    central.read(lambda store: store.define_campaign(GIFT))
    cards = [f"60010000000006{n:02d}" for n in range(6)]
    codes = await known_customers(kiosk, worker, cards)
    for code in codes:
        kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "2"})
        kiosk.apply_edit({"code": code, "campaign_id": "2", "auto_add": "Latte"})
        kiosk.apply_edit({"code": code, "campaign_id": "4", "auto_add": "12,50"})
        kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})

    central.control.set(
        FaultConfig(
            seed=11, drop_after_apply=0.25, reset_before=0.15, apply_late=0.1, late_seconds=0.8
        )
    )
    for _ in range(40):
        await worker.drain(max_wait=3.0)
        if not kiosk.outbox.counts().get("pending"):
            break
    central.control.set(FaultConfig())
    await worker.drain(max_wait=5.0)
    await asyncio.sleep(1.0)  # every held request has landed by now
    assert kiosk.outbox.counts() == {"delivered": len(cards) * 5}

    customers = central_by_card(central)
    for card, code in zip(cards, codes, strict=True):
        assert customers[card]["balances"] == {
            ("3", ""): "3",
            ("2", "Latte"): "1",
            ("4", ""): "12.5",
        }
        tags = Counter(
            tag for campaign in "234" for tag in central_tags(central, code, campaign)
        )
        assert all(tag.startswith(worker.tag_prefix + ":") for tag in tags)
        assert len(tags) == 5 and set(tags.values()) == {1}, tags  # 2 visits are 2 tags
    rows = audit_rows(kiosk.db, limit=1000)
    credited = [row for row in rows if row["action"] == "outbox.credited"]
    assert len(credited) == len(cards) * 4
    assert all("transaction" in row["detail"] for row in credited)


async def test_an_original_that_lands_after_its_resend_is_undone_at_the_next_check(
    kiosk: Store, central: RunningServer, client: CentralClient
) -> None:
    """Item 3: with a settle time shorter than the request was held (a proxy slower than any
    deadline), the check finds nothing and resends; the original lands after the resend. The
    next check of that customer's campaign finds the tag twice and deletes the extra copy
    (transaction_delete), audited; the balance ends at the sum credited."""
    hasty = SyncWorker(kiosk, client, backoff=FAST, settle_seconds=0.2, kiosk_id="till-1")
    (code,) = await known_customers(kiosk, hasty, ["6001000000000700"])
    kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})
    central.control.set(FaultConfig(seed=1, apply_late=1.0, late_seconds=1.5))
    await hasty.drain()
    central.control.set(FaultConfig())
    await hasty.drain(max_wait=2.0)  # checks after 0.2 s: not there yet, resent
    assert kiosk.outbox.counts() == {"delivered": 2}
    await _until(lambda: len(central_tags(central, code, "3")) == 2)
    assert central_by_card(central)["6001000000000700"]["balances"] == {("3", ""): "2"}

    kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})
    central.control.set(FaultConfig(seed=2, drop_after_apply=1.0))
    await hasty.drain()
    central.control.set(FaultConfig())
    await hasty.drain(max_wait=2.0)

    tags = Counter(central_tags(central, code, "3"))
    assert sorted(tags.values()) == [1, 1], tags
    assert central_by_card(central)["6001000000000700"]["balances"] == {("3", ""): "2"}
    undone = [r for r in audit_rows(kiosk.db) if r["action"] == "outbox.duplicate_undone"]
    assert len(undone) == 1 and hasty.tag_prefix in undone[0]["detail"]


async def test_a_history_too_long_to_reach_back_goes_to_staff_with_a_plain_reason(
    kiosk: Store, central: RunningServer, worker: SyncWorker
) -> None:
    """Item 2/6: a tag absent from a history that does not reach back past the send (more
    transactions since than one read lists) cannot be decided: needs-attention, not a resend."""
    (code,) = await known_customers(kiosk, worker, ["6001000000000718"])
    kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})
    central.control.set(FaultConfig(seed=4, reset_before=1.0))
    await worker.drain()
    central.control.set(FaultConfig())

    def busy(store: ReferenceStore) -> None:  # the website credits this customer 600 times
        with store.transaction():
            for n in range(600):
                store.add_transaction(code, "3", Decimal(1), authorization=f"web:{n}")

    central.read(busy)
    await worker.drain(max_wait=5.0)
    (parked,) = kiosk.outbox.entries(state="attention")
    assert "do not reach back" in (parked.last_error or "")
    assert central_by_card(central)["6001000000000718"]["balances"] == {("3", ""): "600"}


async def test_a_doubt_is_decided_by_the_tag_it_was_sent_with_after_the_kiosk_is_renamed(
    kiosk: Store, central: RunningServer, client: CentralClient
) -> None:
    """Item 2: the owner names the kiosk (``kiosk_name``, or a new host name, or a new store
    name) while a credit is in doubt. The check must look for the tag that was sent, not one
    made from the new names, or it finds nothing and credits the customer twice."""
    before = SyncWorker(kiosk, client, backoff=FAST, settle_seconds=0.0, kiosk_id="raspberrypi")
    (code,) = await known_customers(kiosk, before, ["6001000000000726"])
    kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})
    central.control.set(FaultConfig(seed=5, drop_after_apply=1.0))
    await before.drain()
    central.control.set(FaultConfig())
    assert [e.in_doubt for e in kiosk.outbox.entries(state="pending")] == [True]

    after = SyncWorker(
        kiosk, client, backoff=FAST, settle_seconds=0.0, kiosk_id="counter-2",
        store_name="Renamed shop",
    )
    assert after.tag_prefix != before.tag_prefix
    await after.drain(max_wait=2.0)

    assert kiosk.outbox.counts() == {"delivered": 2}
    assert central_by_card(central)["6001000000000726"]["balances"] == {("3", ""): "1"}
    assert central_tags(central, code, "3") == [f"{before.tag_prefix}:{tag_of(kiosk, code)}"]

    kiosk.apply_edit({"code": code, "campaign_id": "3", "auto_add": "1"})
    await after.drain(max_wait=2.0)  # a new credit is signed with the new name
    tags = central_tags(central, code, "3")
    assert len(tags) == 2 and sum(tag.startswith(after.tag_prefix + ":") for tag in tags) == 1


def tag_of(kiosk: Store, code: str) -> str:
    """The entry-id part of the tag of a customer's only credit entry."""
    entry = next(
        e for e in kiosk.outbox.entries() if "auto_add" in e.request and e.customer_code == code
    )
    return entry.entry_id[:ENTRY_ID_CHARS]


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (a held request landing), failing after ``timeout``."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")
