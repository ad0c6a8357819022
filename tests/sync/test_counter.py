"""Rewards at the counter against the reference server over loopback (issue 13 "Done when",
issue 12 item 1): two kiosk databases redeeming the same points offline, and redemptions and
purchases sent tagged and decided exactly once under the sync chaos faults."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.central.client import CentralClient
from kiosk.domain.fields import Campaign
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer
from kiosk.reference.store import ReferenceStore
from kiosk.storage.counter import RewardRefused
from kiosk.storage.customer_store import Store
from kiosk.sync.history import fetch_history
from kiosk.sync.pull import pull
from kiosk.sync.worker import SyncWorker
from tests.sync.conftest import FAST, central_by_card
from tests.sync.test_chaos import _start_sync
from tests.sync.test_store import _all_sent
from tests.sync.workload import write_config

POINTS = Campaign("1", "Coffee club", "points", "EUR", Decimal(2))
"""Two points per euro spent: a purchase of 12.50 earns 25."""
GIFT = Campaign("4", "Gift card", "giftcard", "EUR")
JANE = "6001000000000501"


@pytest.fixture
def shop(central: RunningServer) -> Iterator[str]:
    """Jane with 135 points and 20 EUR on her gift card; the reward 'Free coffee' at 100."""

    def setup(store: ReferenceStore) -> str:
        store.define_campaign(POINTS)
        store.define_campaign(GIFT)
        reward = store.define_reward("1", Decimal(100), "Free coffee")
        store.define_reward("1", Decimal(250), "Cake")
        store.apply_edit(
            {"card_number": JANE, "first_name": "Jane", "campaign_id": "1", "auto_add": "135"}
        )
        code = store.conn.execute(
            "SELECT code FROM customers WHERE card_number = ?", (JANE,)
        ).fetchone()[0]
        with store.transaction():
            store.add_transaction(code, "4", Decimal(20), authorization="web:gift")
        return reward

    yield central.read(setup)


async def _pulled(path: Path, central: RunningServer) -> Store:
    store = Store(path)
    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as api:
        await pull(store, api)
    return store


async def _drain(store: Store, central: RunningServer, kiosk_id: str, *, rounds: int = 1) -> None:
    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=0.5) as api:
        worker = SyncWorker(store, api, backoff=FAST, store_name="Shop", kiosk_id=kiosk_id)
        for _ in range(rounds):
            await worker.drain(max_wait=3.0)


def _code(store: Store) -> str:
    found = store.find_customer(JANE)
    assert found is not None
    return found["code"]


def _central_points(central: RunningServer) -> dict[tuple[str, str], str]:
    balances: dict[tuple[str, str], str] = central_by_card(central)[JANE]["balances"]
    return balances


def _tags(central: RunningServer) -> list[tuple[str, str, str]]:
    """(authorization, redeemed, amount) of every kiosk transaction at the central API."""
    return central.read(
        lambda store: [
            tuple(row)
            for row in store.conn.execute(
                "SELECT authorization, redeemed, amount FROM transactions "
                "WHERE authorization LIKE 'kiosk:%' ORDER BY id"
            )
        ]
    )


async def test_two_kiosks_redeem_the_same_points_offline_and_the_second_goes_to_staff(
    tmp_path: Path, central: RunningServer, shop: str
) -> None:
    """Issue 13 Done-when: offline, Jane redeems 'Free coffee' at kiosk A while kiosk B (its own
    database, the same central API) redeems the same points; both sync; the central API refuses
    the second; it waits for staff with a plain message; no balance goes negative, centrally or
    locally, and B's local balance gets the refused deduction back (item 4)."""
    a = await _pulled(tmp_path / "a.db", central)
    b = await _pulled(tmp_path / "b.db", central)
    try:
        assert a.campaign("1") == POINTS  # the pull kept currency and ratio (m008)
        assert [r.description for r in a.campaign_rewards("1")] == ["Free coffee", "Cake"]
        for kiosk in (a, b):
            preview = kiosk.preview_redemption(_code(kiosk), "1", reward_id=shop, online=False)
            assert preview.confirmation == (
                "Redeem 'Free coffee' for 100 points: Jane goes from 135 to 35"
            )
            done = kiosk.redeem(_code(kiosk), "1", reward_id=shop, actor="staff", online=False)
            assert (done.before, done.after) == (Decimal(135), Decimal(35))
            assert kiosk.spendable(_code(kiosk), "1") == Decimal(35)  # shown at once
            with pytest.raises(RewardRefused, match="65 short"):  # never below zero locally
                kiosk.preview_redemption(_code(kiosk), "1", reward_id=shop, online=False)

        await _drain(a, central, "a")
        await _drain(b, central, "b", rounds=2)  # a second pass must not send it again

        assert _central_points(central)[("1", "")] == "35"
        assert [t[:2] for t in _tags(central)] == [(f"kiosk:shop:a:{_entry(a)[:16]}", "Y")]
        assert a.outbox.counts() == {"delivered": 1}
        parked = b.outbox.entries(state="attention")
        assert len(parked) == 1 and b.outbox.counts() == {"attention": 1}
        assert parked[0].last_error == (
            "Jane's 'Free coffee' (100 points) was refused by the central system: only "
            "35 points were left (65 points short). Nothing was redeemed; the amount is back "
            "in the balance here. Discard it, or redeem less."
        )
        for kiosk in (a, b):
            assert kiosk.balance(_code(kiosk), "1") == Decimal(35)
            assert all(Decimal(row["balance"]) >= 0 for row in kiosk.balances(_code(kiosk)))
        assert all(Decimal(v) >= 0 for v in _central_points(central).values())

        # Staff cannot send it again blindly: the balance here no longer covers it.
        with pytest.raises(LookupError, match="cannot be sent again"):
            b.outbox.retry(parked[0].entry_id, actor="staff")
        b.outbox.discard(parked[0].entry_id, reason="points spent at the other till", actor="s")
        assert b.balance(_code(b), "1") == Decimal(35)
    finally:
        a.close()
        b.close()


def _entry(store: Store) -> str:
    return store.outbox.entries()[0].entry_id


async def test_purchase_and_gift_card_spend_are_tagged_and_reconciled(
    tmp_path: Path, central: RunningServer, shop: str
) -> None:
    """Issue 13 item 3: a purchase by its amount (points by the ratio, reconciled with the
    receipt), custom points and a gift-card spend, each confirmed with its exact effect."""
    kiosk = await _pulled(tmp_path / "k.db", central)
    try:
        code = _code(kiosk)
        purchase = kiosk.preview_purchase(code, "1", Decimal("12.50"))
        assert purchase.confirmation == (
            "Purchase of 12.50 EUR: Jane earns 25 points, from 135 to 160"
        )
        kiosk.record_purchase(code, "1", Decimal("12.50"), actor="staff")
        spend = kiosk.preview_redemption(code, "4", amount=Decimal("7.5"), online=True)
        assert spend.confirmation == (
            "Spend 7.50 EUR of Gift card: Jane goes from 20.00 EUR to 12.50 EUR"
        )
        kiosk.redeem(code, "4", amount=Decimal("7.5"), actor="staff", online=True)
        kiosk.redeem(code, "1", points=Decimal(60), actor="staff", online=True)
        assert kiosk.balance(code, "1") == Decimal(100)
        with pytest.raises(RewardRefused, match="does not hold money"):
            kiosk.preview_redemption(code, "1", amount=Decimal(1), online=True)
        with pytest.raises(RewardRefused, match="not a points campaign"):
            kiosk.preview_purchase(code, "4", Decimal(1))

        await _drain(kiosk, central, "k")

        assert kiosk.outbox.counts() == {"delivered": 3}
        assert _central_points(central) == {("1", ""): "100", ("4", ""): "12.5"}
        assert [(t[1], t[2]) for t in _tags(central)] == [("N", "25"), ("Y", "7.5"), ("Y", "60")]
        assert kiosk.balance(code, "1") == Decimal(100)
        assert kiosk.balance(code, "4") == Decimal("12.5")

        # Issue 13 item 5: the central history, read online and kept for offline.
        async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as api:
            lines = await fetch_history(api, kiosk, code, "1", limit=5)
        assert [(line.amount, line.redeemed, line.what, line.pending) for line in lines] == [
            (Decimal(60), True, "custom points", False),
            (Decimal(25), False, "purchase of 12.5", False),
            (Decimal(135), False, "earned", False),
        ]
        assert kiosk.history(code, "1", limit=5) == lines  # offline: the same, from the cache
    finally:
        kiosk.close()


async def test_points_credit_is_tagged_when_the_ratio_makes_it_exact(
    tmp_path: Path, central: RunningServer, shop: str
) -> None:
    """Issue 12 item 1 (left open): with the campaign's points_ratio known, a credit of N
    points is sent as record_activity with amount N / ratio and its own tag."""
    kiosk = await _pulled(tmp_path / "k.db", central)
    try:
        kiosk.apply_edit({"code": _code(kiosk), "campaign_id": "1", "auto_add": "15"})
        await _drain(kiosk, central, "k")
        assert _central_points(central)[("1", "")] == "150"
        tags = _tags(central)
        assert len(tags) == 1 and tags[0][1:] == ("N", "15")
        assert tags[0][0] == f"kiosk:shop:k:{_entry(kiosk)[:16]}"
    finally:
        kiosk.close()


CHAOS = FaultConfig(
    seed=31, drop_after_apply=0.3, reset_before=0.1, apply_late=0.1, late_seconds=1.0
)
"""The chaos of the sync tests, on every call (reads too). The client's deadline is 0.5 s, so the
settle time (1.5 s) outlasts a late request (1 s)."""


async def test_redemptions_and_purchases_are_decided_exactly_once_under_chaos(
    tmp_path: Path, central: RunningServer, shop: str
) -> None:
    """Issue 13 Done-when: the redemption and purchase entries carry their tags and are decided
    exactly once while the server drops answers after applying, resets connections and applies
    requests after the client gave up."""
    kiosk = await _pulled(tmp_path / "k.db", central)
    try:
        code = _code(kiosk)
        made: list[tuple[str, str]] = []  # (redeemed, amount) per entry, in order
        for n in range(6):
            kiosk.record_purchase(code, "1", Decimal(10 + n), actor="staff")
            made.append(("N", str(2 * (10 + n))))
            kiosk.redeem(code, "1", points=Decimal(5), actor="staff", online=True)
            made.append(("Y", "5"))
            if n % 2 == 0:
                kiosk.redeem(code, "4", amount=Decimal("1.25"), actor="staff", online=True)
                made.append(("Y", "1.25"))
        kiosk.redeem(code, "1", reward_id=shop, actor="staff", online=True)
        made.append(("Y", "100"))
        entries = kiosk.outbox.entries()

        central.control.set(CHAOS)
        for _ in range(20):
            await _drain(kiosk, central, "k")
            if kiosk.outbox.counts().get("pending", 0) == 0:
                break
        history = list(central.control.history)
        central.control.set(FaultConfig())
        await asyncio.sleep(CHAOS.late_seconds + 0.3)  # every held request has landed
        await _drain(kiosk, central, "k")  # a last check finds any late duplicate

        assert sum(1 for d in history if d.after == "drop") >= 3  # the faults really struck
        assert sum(1 for d in history if d.after == "late") >= 1
        assert kiosk.outbox.counts() == {"delivered": len(entries)}
        tags = _tags(central)
        by_tag = Counter(tag for tag, _, _ in tags)
        assert set(by_tag.values()) == {1}, "a tag landed twice"
        expected = {
            f"kiosk:shop:k:{e.entry_id[:16]}": kind for e, kind in zip(entries, made, strict=True)
        }
        assert {tag: (redeemed, amount) for tag, redeemed, amount in tags} == expected
        points = 135 + sum(2 * (10 + n) for n in range(6)) - 6 * 5 - 100
        assert _central_points(central) == {("1", ""): str(points), ("4", ""): "16.25"}
        assert kiosk.balance(code, "1") == Decimal(points)
        assert kiosk.balance(code, "4") == Decimal("16.25")
    finally:
        kiosk.close()


@pytest.mark.slow
def test_counter_entries_survive_sigkills_of_the_sync_process(
    tmp_path: Path, central: RunningServer, shop: str
) -> None:
    """Issue 13 Done-when under the chaos of the store test: ``kiosk sync run`` SIGKILLed at
    random moments while answers are dropped and requests land late; every redemption and
    purchase is still applied exactly once, under its own tag."""
    directory = tmp_path / "k"
    directory.mkdir()
    kiosk = asyncio.run(_pulled(directory / "kiosk.db", central))
    try:
        code = _code(kiosk)
        for n in range(5):
            kiosk.record_purchase(code, "1", Decimal(20 + n), actor="staff")
            kiosk.redeem(code, "1", points=Decimal(7), actor="staff", online=True)
            kiosk.redeem(code, "4", amount=Decimal("0.75"), actor="staff", online=True)
        entries = kiosk.outbox.entries()
    finally:
        kiosk.close()
    central.control.set(KILL_FAULTS)
    config = write_config(directory, central.url, timeout=1)
    log = directory / "sync.log"
    rng = random.Random(17)
    process = _start_sync(config, directory / "kiosk.db", log)
    kills = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.1, 0.5))
            assert process.poll() is None, log.read_text()[-2000:]
            if kills < KILLS:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                process = _start_sync(config, directory / "kiosk.db", log)
            elif _all_sent([directory]):
                break
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert kills == KILLS and _all_sent([directory]), "entries not delivered in time"
    time.sleep(KILL_FAULTS.late_seconds + 0.3)

    assert any(d.after == "drop" for d in central.control.history)  # the faults struck
    tags = Counter(tag for tag, _, _ in _tags(central))
    prefix = "kiosk:chaos:"
    assert {t.split(":", 3)[3] for t in tags} == {e.entry_id[:16] for e in entries}
    assert all(t.startswith(prefix) for t in tags) and set(tags.values()) == {1}
    points = 135 + sum(2 * (20 + n) for n in range(5)) - 5 * 7
    assert _central_points(central) == {("1", ""): str(points), ("4", ""): "16.25"}
    with Store(directory / "kiosk.db") as after:
        assert after.outbox.counts() == {"delivered": len(entries)}
        assert after.balance(code, "1") == Decimal(points)


KILLS = 6
KILL_FAULTS = FaultConfig(
    seed=41, drop_after_apply=0.2, reset_before=0.1, apply_late=0.05, late_seconds=2.0
)
"""The store test's faults; the client's deadline is 1 s (settle time 3 s > 2 s late)."""
