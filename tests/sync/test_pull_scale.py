"""Pull at any size (S7): a new kiosk is filled from a search it reads as it arrives, in batches,
with no cap on the whole answer; campaigns, rewards and custom fields come from their real calls;
what an answer did not give stays as it was. (Time and memory at 100,000 customers are in
``bench/bench_pull.py``.)"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from kiosk.central.client import CentralClient, UnknownOutcome
from kiosk.cli import main
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer
from kiosk.reference.store import ReferenceStore, utc_now
from kiosk.storage.customer_store import Store
from kiosk.storage.rewards import rewards
from kiosk.sync.pull import BATCH, pull
from tests.sync.workload import write_config


def seed_many(central: RunningServer, count: int) -> None:
    """``count`` customers with a points balance each, straight into the server's file."""
    rng = random.Random(count)

    def seed(store: ReferenceStore) -> None:
        store.define_reward("1", Decimal(100), "Free coffee")
        now = utc_now()
        rows = [
            (f"{rng.randrange(10**15, 10**16)}", f"5{n:011d}", f"First{n}", f"Last{n}", now, now)
            for n in range(count)
        ]
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO customers (code, card_number, first_name, last_name, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "INSERT INTO balances (code, campaign_id, item, amount) VALUES (?, '1', '', ?)",
                [(row[0], str(n % 97)) for n, row in enumerate(rows)],
            )

    central.read(seed)


async def test_a_pull_far_larger_than_any_answer_cap_fills_a_new_kiosk(
    kiosk: Store, central: RunningServer
) -> None:
    """3,000 customers (~2 MB of XML, sent chunked) through a client whose cap on a whole
    answer is 100 kB: only a search read as it arrives can do this."""
    seed_many(central, 3000)
    async with CentralClient(
        central.url, DEFAULT_CREDENTIALS, timeout=5.0, max_response_bytes=100_000
    ) as client:
        report = await pull(kiosk, client)
    assert (report.customers, report.new_customers) == (3000, 3000)
    assert 5 * BATCH < 3000  # several batches, several transactions
    assert kiosk.count_customers() == 3000
    sample = kiosk.find_customer("500000002999")
    assert sample is not None and sample["first_name"] == "First2999"
    assert sample["central_known"] and not sample["registered_here"] and not sample["has_pin"]
    assert kiosk.balances(sample["code"])[0]["balance"] == str(2999 % 97)
    assert report.rewards == 1
    assert rewards(kiosk.db, "1") == [
        {"reward_id": "1", "description": "Free coffee", "level": "100"}
    ]


def test_kiosk_sync_pull_fills_and_then_refreshes_a_kiosk(
    tmp_path: Path, central: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_many(central, 1200)
    config = write_config(tmp_path, central.url, timeout=5)
    db = tmp_path / "new-kiosk.db"
    assert main(["sync", "pull", "--config", str(config), "--db", str(db)]) == 0
    assert "1200 customers (1200 new)" in capsys.readouterr().out

    def rename(store: ReferenceStore) -> None:
        with store.transaction() as conn:
            conn.execute("UPDATE customers SET city = 'Moved' WHERE card_number = '500000000007'")

    central.read(rename)
    assert main(["sync", "pull", "--config", str(config), "--db", str(db)]) == 0
    assert "1200 customers (0 new)" in capsys.readouterr().out
    with Store(db) as store:
        assert store.count_customers() == 1200
        assert store.find_customer("500000000007")["city"] == "Moved"


def _answering(routes: dict[str, bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        call = dict(httpx.QueryParams(request.content.decode()))["type"]
        return httpx.Response(200, content=routes[call])

    return httpx.MockTransport(handler)


CATALOGUE = {
    "campaigns_list": b'{"status":"success","campaigns":[{"id":"1","name":"Points",'
    b'"type":"points"},{"id":"2","name":"Gift","type":"giftcard"}]}',
    "campaign_rewards": b'{"status":"success","rewards":[]}',
    "manage_fields": b'{"status":"success","account":{"fields":[]}}',
}


async def test_what_the_answer_did_not_give_keeps_its_local_value(kiosk: Store) -> None:
    """A field missing from the record, a balance listed without a value: unknown, not empty
    or 0 (a later credit in doubt must never be judged against a 0 that was not said)."""
    first = (
        b'<response status="success"><customer><code>77</code><card_number>700</card_number>'
        b"<first_name>Ann</first_name><city>Here</city><campaigns><campaign><campaign_id>1"
        b"</campaign_id><balance>40</balance></campaign><campaign><campaign_id>2</campaign_id>"
        b"<balance>12.50</balance></campaign></campaigns></customer></response>"
    )
    later = (
        b'<response status="success"><customer><code>77</code><card_number>700</card_number>'
        b"<first_name>Anne</first_name><campaigns><campaign><campaign_id>1</campaign_id>"
        b"<balance>45</balance></campaign><campaign><campaign_id>2</campaign_id></campaign>"
        b"</campaigns></customer></response>"
    )
    for body in (first, later):
        transport = _answering({**CATALOGUE, "customer_search": body})
        async with CentralClient(
            "https://api.example.com/", DEFAULT_CREDENTIALS, transport=transport
        ) as client:
            await pull(kiosk, client)
    local = kiosk.customer("77")
    assert (local["first_name"], local["city"]) == ("Anne", "Here")  # city not given: kept
    assert {b["campaign_id"]: b["balance"] for b in kiosk.balances("77")} == {
        "1": "45",
        "2": "12.5",  # listed without a value the second time: kept
    }


class _StallingSearch(httpx.AsyncByteStream):
    """Two customers, then silence for ever."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'<response status="success">'
        for n in (1, 2):
            yield f"<customer><code>{n}</code><first_name>F{n}</first_name></customer>".encode()
        while True:
            await asyncio.sleep(0.05)
            yield b" "


async def test_a_search_that_stops_mid_answer_ends_the_pull_in_doubt(kiosk: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        call = dict(httpx.QueryParams(request.content.decode()))["type"]
        if call == "customer_search":
            return httpx.Response(200, stream=_StallingSearch())
        return httpx.Response(200, content=CATALOGUE[call])

    async with CentralClient(
        "https://api.example.com/",
        DEFAULT_CREDENTIALS,
        transport=httpx.MockTransport(handler),
        timeout=0.3,
    ) as client:
        with pytest.raises(UnknownOutcome):
            # The guard only turns a hang into a failure; it is not a figure.
            await asyncio.wait_for(pull(kiosk, client), 30)
    assert kiosk.count_customers() == 0  # the unfinished batch was never written
