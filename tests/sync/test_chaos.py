"""Chaos: 2,000 edits over 200 customers delivered through a hostile network and a kiosk that
is killed again and again; the central data must equal a clean run's (S2-S5).

The reference server drops 20% of answers after applying, resets 10% of connections before
applying, answers 5% with HTTP 500 and stalls 3% past the client's timeout. The sync process
(`kiosk sync run`) is SIGKILLed at random moments at least 20 times and restarted. At the end,
the central customers (by card number, field by field) and balances (campaign by campaign) equal
those of a clean run of the same day, with no duplicate customer and no double credit. Every
entry of this workload is decidable (cards identify every customer, a single kiosk sends), so the
needs-attention list must be empty.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.central.client import CentralClient
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import DEFAULT_CREDENTIALS, start_server
from kiosk.storage.customer_store import Store
from kiosk.storage.sync_state import read_status
from kiosk.sync.pull import pull
from kiosk.sync.worker import SyncWorker
from tests.sync.conftest import FAST, central_by_card, seed
from tests.sync.workload import apply_shop_day, comparable, seed_central, write_config

KNOWN, NEW, EDITS, SEED = 100, 100, 2000, 424242
KILLS = 20
CHAOS = FaultConfig(
    seed=7, drop_after_apply=0.2, reset_before=0.1, http_500=0.05, stall=0.03, stall_seconds=2.0
)


async def _prepare(directory: Path, faults: FaultConfig | None):
    central = start_server(directory / "central.db")
    central.read(seed)
    seed_central(central, KNOWN)
    kiosk = Store(directory / "kiosk.db")
    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as client:
        await pull(kiosk, client)  # the kiosk knows the central customers before the day
    assert apply_shop_day(kiosk, seed=SEED, known=KNOWN, new=NEW, edits=EDITS) == EDITS
    if faults is not None:
        central.control.set(faults)
    return central, kiosk


async def _clean_run(directory: Path) -> dict[str, dict]:
    central, kiosk = await _prepare(directory, None)
    try:
        async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as client:
            worker = SyncWorker(kiosk, client, concurrency=4, backoff=FAST)
            await worker.drain(max_wait=1.0)
        assert read_status(kiosk.db).pending == 0
        return central_by_card(central)
    finally:
        kiosk.close()
        central.stop()


def _start_sync(config: Path, db: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "sync",
            "run",
            "--config",
            str(config),
            "--db",
            str(db),
            "--backoff-base",
            "0.02",
            "--backoff-cap",
            "0.3",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


@pytest.mark.slow
def test_chaos_delivery_equals_a_clean_run(tmp_path: Path) -> None:
    clean_dir, chaos_dir = tmp_path / "clean", tmp_path / "chaos"
    clean_dir.mkdir()
    chaos_dir.mkdir()
    expected = asyncio.run(_clean_run(clean_dir))
    assert len(expected) == KNOWN + NEW

    central, kiosk = asyncio.run(_prepare(chaos_dir, CHAOS))
    kiosk.close()
    config = write_config(chaos_dir, central.url, timeout=1)
    db, log = chaos_dir / "kiosk.db", chaos_dir / "sync.log"
    rng = random.Random(99)
    try:
        kills = 0
        process = _start_sync(config, db, log)
        deadline = time.monotonic() + 600
        with Store(db) as watcher:
            while time.monotonic() < deadline:
                time.sleep(rng.uniform(0.2, 1.2))
                if kills < KILLS:
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    kills += 1
                    process = _start_sync(config, db, log)
                elif read_status(watcher.db).pending == 0:
                    break
                assert process.poll() is None, log.read_text()[-2000:]
            status = read_status(watcher.db)
            attention = watcher.outbox.entries(state="attention")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert kills >= KILLS
        assert status.pending == 0, f"{status.pending} entries not delivered in time"
        assert attention == [], [entry.last_error for entry in attention]
        history = central.control.history
        assert sum(1 for d in history if d.after == "drop") > 50  # the faults really struck
        assert sum(1 for d in history if d.before == "reset") > 20
        actual = central_by_card(central)  # also asserts no two customers share a card
        assert sorted(actual) == sorted(expected), "duplicate or missing customers"
        assert comparable(actual) == comparable(expected)
        with Store(db) as kiosk_after:
            for card, record in actual.items():
                local = kiosk_after.find_customer(card)
                assert local is not None and local["code"] == record["code"]
    finally:
        central.stop()
