"""Fixtures for sync tests: the real reference server on loopback and a kiosk store beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from kiosk.central.client import CentralClient
from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer, start_server
from kiosk.reference.store import ReferenceStore
from kiosk.storage.customer_store import Store
from kiosk.sync.intent import Backoff
from kiosk.sync.worker import SyncWorker

CAMPAIGNS = (
    Campaign("1", "Points", "points"),
    Campaign("2", "Coffee card", "buyx"),
    Campaign("3", "Visits", "visits"),
)
FIELDS = (CustomFieldDef(1, "Note", "text"),)
FAST = Backoff(base_seconds=0.01, cap_seconds=0.05)
"""Backoff for tests: retries come quickly, so a drain with faults finishes fast."""


def seed(store: Store) -> None:
    """The same campaigns and custom fields on both sides, as after a first pull."""
    for campaign in CAMPAIGNS:
        store.define_campaign(campaign)
    for definition in FIELDS:
        store.define_custom_field(definition)


@pytest.fixture
def central(tmp_path: Path) -> Iterator[RunningServer]:
    """The reference central API over its own file, on a free loopback port."""
    running = start_server(tmp_path / "central.db")
    running.read(seed)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Store]:
    """The kiosk's local store."""
    with Store(tmp_path / "kiosk.db") as store:
        seed(store)
        yield store


@pytest.fixture
async def client(central: RunningServer) -> AsyncIterator[CentralClient]:
    """A client of the reference server with a short timeout (stalls end quickly)."""
    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=0.5) as api:
        yield api


@pytest.fixture
def worker(kiosk: Store, client: CentralClient) -> SyncWorker:
    """A worker draining ``kiosk`` into ``central``, with fast backoff."""
    return SyncWorker(kiosk, client, concurrency=4, backoff=FAST)


def central_by_card(central: RunningServer) -> dict[str, dict]:
    """Central customers by card number, each with its balances."""

    def query(store: ReferenceStore) -> dict[str, dict]:
        result: dict[str, dict] = {}
        codes = [row[0] for row in store.conn.execute("SELECT code FROM customers")]
        for code in codes:
            record = store.customer(code)
            assert record is not None
            record["balances"] = {
                (b["campaign_id"], b["item"]): b["balance"] for b in store.balances(code)
            }
            key = record["card_number"] or f"no-card:{code}"
            assert key not in result, f"two central customers share card {key[-4:]}"
            result[key] = record
        return result

    return central.read(query)
