"""Benchmark: drain 10,000 queued edits over 1,000 customers with 50 ms added latency.

Prints the drain time of the sync worker next to the ideal (requests x latency / concurrency)
and next to a naive one-at-a-time sender (each entry sent and awaited in turn), measured in the
same run against the same reference server, which runs in its own process (``kiosk central
serve --latency-ms 50``) as the real API runs on another machine. The naive sender is measured
on the first ``--naive-edits`` entries (default 1,000; 10,000 at 50 ms would take over 8
minutes) and its full time is extrapolated from that, which the output says.

Run: .venv/bin/python -m bench.bench_drain [--edits 10000] [--customers 1000] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk.central.client import CentralClient
from kiosk.domain.fields import Campaign
from kiosk.reference.server import DEFAULT_CREDENTIALS
from kiosk.reference.store import ReferenceStore
from kiosk.storage.customer_store import Store
from kiosk.sync.pull import pull
from kiosk.sync.worker import SyncWorker


def queue_edits(store: Store, cards: list[str], edits: int, rng: random.Random) -> None:
    """Apply ``edits`` local edits (one in five a credit) as a day offline would."""
    for i in range(edits):
        request = {"card_number": rng.choice(cards)}
        if i % 5 == 0:
            request.update(auto_add=str(rng.randint(1, 9)), campaign_id="1")
        else:
            request["phone"] = f"555-{i:05d}"
        store.apply_edit(request)


async def naive_send(store: Store, client: CentralClient, limit: int) -> int:
    """Send queued requests one at a time, in order, as they were asked; returns the count."""
    entries = store.outbox.entries(state="pending", limit=limit)
    for entry in entries:
        await client.record_customer(entry.request)
    return len(entries)


def start_central(db: Path, latency_ms: float) -> tuple[subprocess.Popen[bytes], str]:
    """``kiosk central serve`` in its own process, as the real API is on another machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "kiosk", "central", "serve", "--db", str(db)]
    command += ["--port", str(port), "--latency-ms", str(latency_ms)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}/"
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the reference server did not start")


async def run(args: argparse.Namespace, directory: Path) -> None:
    rng = random.Random(5)
    cards = [f"9{i:09d}" for i in range(args.customers)]
    with ReferenceStore(directory / "central.db") as central_store:
        central_store.define_campaign(Campaign("1", "Points", "points"))
        for card in cards:
            central_store.apply_edit({"card_number": card, "first_name": "B", "send_no_email": "y"})
    central, url = start_central(directory / "central.db", args.latency_ms)
    ours, naive = Store(directory / "ours.db"), Store(directory / "naive.db")
    async with CentralClient(url, DEFAULT_CREDENTIALS, timeout=10) as client:
        for store in (ours, naive):
            await pull(store, client)
            queue_edits(store, cards, args.edits, random.Random(rng.random()))
        latency = args.latency_ms / 1000

        worker = SyncWorker(ours, client, concurrency=args.concurrency)
        start = time.perf_counter()
        report = await worker.drain()
        drained = time.perf_counter() - start
        ideal = report.requests * latency / args.concurrency

        start = time.perf_counter()
        sent = await naive_send(naive, client, args.naive_edits)
        naive_time = time.perf_counter() - start
    central.terminate()
    central.wait()
    naive_full = naive_time / sent * args.edits
    left = ours.outbox.counts().get("pending", 0)
    print(
        f"drain {args.edits:,} edits over {args.customers:,} customers, "
        f"{args.latency_ms:g} ms added latency, concurrency {args.concurrency}"
    )
    print(
        f"  sync worker          {drained:8.1f} s   ({report.requests:,} requests, "
        f"{report.delivered:,} delivered, {left} left)"
    )
    print(
        f"  ideal                {ideal:8.1f} s   (requests x latency / concurrency)"
        f"   worker/ideal = {drained / ideal:.3f}"
    )
    by_edits = args.edits * latency / args.concurrency
    print(
        f"  ideal, 1 req per edit {by_edits:7.1f} s   (no in-doubt baseline reads)"
        f"   worker/that = {drained / by_edits:.3f}"
    )
    per_request = naive_time / sent  # latency + the server's work + the client's: measured
    measured = report.requests * per_request / args.concurrency
    print(
        f"  ideal, measured cost {measured:8.1f} s   (requests x {per_request * 1000:.1f} ms, one "
        f"request's cost measured by the one-at-a-time sender, / concurrency)"
        f"   worker/that = {drained / measured:.3f}"
    )
    print(
        f"  naive one-at-a-time  {naive_full:8.1f} s   (measured on {sent:,} edits: "
        f"{naive_time:.1f} s, extrapolated)   naive/worker = {naive_full / drained:.1f}x"
    )
    ours.close()
    naive.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--naive-edits", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(run(args, Path(directory)))


if __name__ == "__main__":
    main()
