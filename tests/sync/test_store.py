"""A shop with two counters and a website (issue 12): two kiosk databases, each with its own
``kiosk sync run`` SIGKILLed at random at least 20 times, and a third writer standing for the
shop's website, credit the same 50 customers at the same time while the reference server drops
20% of answers after applying, resets 10% of connections before applying and applies 5% only
after the client gave up (``apply_late``). At the end every central balance is the sum of all
credits made, every kiosk credit is in the central history exactly once under its own tag, and
nothing waits in needs-attention (every credit here is decidable by its tag).

The credits are points, visits, buy-X items and money: every kind the kiosk sends as tagged
``record_activity``. Points go as the amount spent that earns them at the campaign's
``points_ratio`` (here 2 points per unit, learnt by the kiosks' first pull), so they carry a tag
like the rest; a points credit with the ratio unknown would fall back to ``auto_add`` and the
balance check, which two writers at once can fool (README, "Sync").
"""

from __future__ import annotations

import asyncio
import random
import signal
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.central.client import CentralClient
from kiosk.domain.fields import Campaign
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer, start_server
from kiosk.reference.store import ReferenceStore
from kiosk.storage.customer_store import Store
from kiosk.storage.sync_state import read_status
from kiosk.sync.pull import pull
from tests.sync.conftest import central_by_card, seed
from tests.sync.test_chaos import _start_sync
from tests.sync.workload import KNOWN_PREFIX, seed_central, write_config

CUSTOMERS, CREDITS_PER_KIOSK, WEBSITE_CREDITS, KILLS_PER_KIOSK = 50, 150, 150, 20
MONEY = Campaign("4", "Gift card", "dollars")
POINTS = Campaign("1", "Points", "points", points_ratio=Decimal(2))
FAULTS = FaultConfig(
    seed=12, drop_after_apply=0.2, reset_before=0.1, apply_late=0.05, late_seconds=2.0
)
"""The client's deadline is 1 s, so its settle time (3 s) outlasts a late request (2 s)."""

Key = tuple[str, str, str]
"""(card number, campaign id, item)."""


def _credit(rng: random.Random) -> tuple[str, str, Decimal]:
    """A random credit: campaign id, the ``auto_add`` text, and what it adds."""
    roll = rng.random()
    if roll < 0.3:
        visits = rng.randint(1, 3)
        return "3", str(visits), Decimal(visits)
    if roll < 0.5:
        return "2", rng.choice(["Latte", "Tea"]), Decimal(1)
    if roll < 0.75:
        points = rng.randint(1, 40)
        return "1", str(points), Decimal(points)
    cents = rng.randint(100, 5000)
    return "4", f"{cents // 100}.{cents % 100:02d}", Decimal(cents) / 100


def _queue_credits(store: Store, rng: random.Random, cards: list[str], made: Counter[Key]) -> None:
    for _ in range(CREDITS_PER_KIOSK):
        card = rng.choice(cards)
        campaign_id, text, value = _credit(rng)
        local = store.find_customer(card)
        assert local is not None and local["central_known"]
        store.apply_edit({"code": local["code"], "campaign_id": campaign_id, "auto_add": text})
        made[(card, campaign_id, text if campaign_id == "2" else "")] += value


def _website(central: RunningServer, cards: list[str], made: Counter[Key], stop: threading.Event):
    """The shop's website: credits straight into the central API's records, meanwhile."""
    rng = random.Random(7)
    codes = central.read(
        lambda store: {
            card: store.conn.execute(
                "SELECT code FROM customers WHERE card_number = ?", (card,)
            ).fetchone()[0]
            for card in cards
        }
    )
    for n in range(WEBSITE_CREDITS):
        card = rng.choice(cards)
        campaign_id, text, value = _credit(rng)
        item = text if campaign_id == "2" else ""

        def write(
            store: ReferenceStore, code: str = codes[card], campaign_id: str = campaign_id,
            value: Decimal = value, item: str = item, tag: str = f"web:order-{n}",
        ) -> None:
            with store.transaction():
                store.add_transaction(code, campaign_id, value, item=item, authorization=tag)

        central.read(write)
        made[(card, campaign_id, item)] += value
        stop.wait(rng.uniform(0.02, 0.15))


@pytest.mark.slow
def test_two_kiosks_and_the_website_credit_the_same_customers_exactly_once(
    tmp_path: Path,
) -> None:
    central = start_server(tmp_path / "central.db")
    central.read(seed)
    central.read(lambda store: store.define_campaign(MONEY))
    central.read(lambda store: store.define_campaign(POINTS))
    seed_central(central, CUSTOMERS)
    cards = [f"{KNOWN_PREFIX}{i:04d}" for i in range(CUSTOMERS)]
    made: Counter[Key] = Counter()
    for card in cards:
        made[(card, "1", "")] += 5  # the sign-up bonus of seed_central
    kiosks = [tmp_path / "a", tmp_path / "b"]
    for n, directory in enumerate(kiosks):
        directory.mkdir()
        with Store(directory / "kiosk.db") as store:
            asyncio.run(_pull(store, central))
            points = store.view.campaign("1")
            assert points is not None and points.points_ratio == 2  # points go tagged too
            _queue_credits(store, random.Random(100 + n), cards, made)
    central.control.set(FAULTS)

    stop = threading.Event()
    website = threading.Thread(target=_website, args=(central, cards, made, stop))
    rng = random.Random(99)
    configs = [write_config(d, central.url, timeout=1) for d in kiosks]
    logs = [d / "sync.log" for d in kiosks]
    try:
        processes = [
            _start_sync(c, d / "kiosk.db", log)
            for c, d, log in zip(configs, kiosks, logs, strict=True)
        ]
        website.start()
        kills = [0, 0]
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.1, 0.6))
            which = rng.randrange(2)
            if kills[which] < KILLS_PER_KIOSK:
                processes[which].send_signal(signal.SIGKILL)
                processes[which].wait()
                kills[which] += 1
                processes[which] = _start_sync(
                    configs[which], kiosks[which] / "kiosk.db", logs[which]
                )
            elif all(k >= KILLS_PER_KIOSK for k in kills) and _all_sent(kiosks):
                break
            for process, log in zip(processes, logs, strict=True):
                assert process.poll() is None, log.read_text()[-2000:]
        website.join(timeout=60)
        for process in processes:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
        assert kills == [KILLS_PER_KIOSK, KILLS_PER_KIOSK]
        assert _all_sent(kiosks), "entries not delivered in time"
        time.sleep(FAULTS.late_seconds + 0.5)  # every held request has landed by now

        history = central.control.history
        assert sum(1 for d in history if d.after == "late") > 5  # the faults really struck
        assert sum(1 for d in history if d.after == "drop") > 20
        balances = {
            (card, campaign_id, item): Decimal(value)
            for card, record in central_by_card(central).items()
            for (campaign_id, item), value in record["balances"].items()
        }
        expected = {key: value for key, value in made.items() if value}
        assert {k: v for k, v in balances.items() if v} == expected

        tags = Counter(central.read(_all_authorizations))
        kiosk_tags = {tag: count for tag, count in tags.items() if tag.startswith("kiosk:")}
        assert set(kiosk_tags.values()) == {1}, [t for t, c in kiosk_tags.items() if c > 1]
        assert len(kiosk_tags) == _kiosk_units(kiosks)  # visits are one tag each
        for directory in kiosks:
            with Store(directory / "kiosk.db") as store:
                parked = store.outbox.entries(state="attention")
                assert parked == [], [entry.last_error for entry in parked]
    finally:
        stop.set()
        central.stop()


async def _pull(store: Store, central: RunningServer) -> None:
    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as client:
        await pull(store, client)


def _all_sent(kiosks: list[Path]) -> bool:
    for directory in kiosks:
        with Store(directory / "kiosk.db") as store:
            if read_status(store.db).pending:
                return False
    return True


def _all_authorizations(store: ReferenceStore) -> list[str]:
    return [row[0] for row in store.conn.execute("SELECT authorization FROM transactions")]


def _kiosk_units(kiosks: list[Path]) -> int:
    """How many tagged activities the kiosks' credit entries make (a visit each, else one)."""
    units = 0
    for directory in kiosks:
        with Store(directory / "kiosk.db") as store:
            for entry in store.outbox.entries():
                if "auto_add" in entry.request:
                    visits = entry.request["campaign_id"] == "3"
                    units += int(entry.request["auto_add"]) if visits else 1
    return units
