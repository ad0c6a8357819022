"""Benchmark: the reference central server and the client together on loopback, 10,000 customers.

Prints requests per second and p99 latency for edits (``record_customer`` by card number, rule
M4a) and for exact card searches (``customer_search`` with ``exact_match=sensitive`` and
balances), side by side with two baselines measured in the same run:

- ``bare HTTP``: the same client stack POSTing to a trivial stdlib handler (HTTP cost only);
- ``no HTTP``: the same work done directly on the store (``Store.apply_edit`` / the search query).

Run from the project root: ``PYTHONPATH=. .venv/bin/python bench/bench_central.py``
(options ``--customers 10000 --requests 2000 --concurrency 8``).
Not a test; figures depend on the machine (and on fsync: edits commit with synchronous=FULL).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kiosk.central.client import CentralClient
from kiosk.domain.fields import Campaign
from kiosk.reference import queries
from kiosk.reference.server import DEFAULT_CREDENTIALS, start_server
from kiosk.reference.store import ReferenceStore, utc_now


def seed(path: Path, customers: int) -> list[str]:
    """Fill a new store with ``customers`` customers in one transaction; return their cards."""
    rng = random.Random(1)
    cards = [str(4_000_000_000 + n) for n in range(customers)]
    with ReferenceStore(path) as store:
        store.define_campaign(Campaign("1", "Points", "points"))
        now = utc_now()
        rows = [
            (str(rng.randint(10**15, 10**16 - 1)), card, f"First{n}", f"Last{n}", now, now)
            for n, card in enumerate(cards)
        ]
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO customers (code, card_number, first_name, last_name, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "INSERT INTO balances (code, campaign_id, item, amount) VALUES (?, '1', '', '10')",
                [(row[0],) for row in rows],
            )
    return cards


class _Trivial(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as the reference server: a fair baseline
    body = b'{"status":"success","customer":{"status":"update","code":"1234567890123456"}}'

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


async def measure(
    count: int, concurrency: int, call: Callable[[int], Awaitable[object]]
) -> tuple[float, float]:
    """Run ``call(i)`` for i in range(count) with ``concurrency`` workers: (req/s, p99 ms)."""
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for number in queue:
            started = time.perf_counter()
            await call(number)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return count / elapsed, statistics.quantiles(latencies, n=100)[98]


def measure_sync(count: int, call: Callable[[int], object]) -> tuple[float, float]:
    """The same, sequentially, for work without HTTP."""
    latencies = []
    started = time.perf_counter()
    for number in range(count):
        one = time.perf_counter()
        call(number)
        latencies.append((time.perf_counter() - one) * 1000)
    return count / (time.perf_counter() - started), statistics.quantiles(latencies, n=100)[98]


async def run(customers: int, requests: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"seeding {customers} customers ...", flush=True)
        cards = seed(Path(tmp) / "central.db", customers)
        pick = random.Random(2)
        sample = [pick.choice(cards) for _ in range(requests)]
        results: dict[tuple[str, str], tuple[float, float]] = {}

        trivial = ThreadingHTTPServer(("127.0.0.1", 0), _Trivial)
        trivial.daemon_threads = True
        threading.Thread(target=trivial.serve_forever, daemon=True).start()
        host, port = trivial.server_address[:2]
        async with CentralClient(f"http://{host}:{port}/", DEFAULT_CREDENTIALS) as bare:
            for c in (1, concurrency):
                results[("bare HTTP (trivial handler)", f"c={c}")] = await measure(
                    requests, c, lambda n: bare.record_customer({"card_number": sample[n]})
                )
        trivial.shutdown()
        trivial.server_close()

        with ReferenceStore(Path(tmp) / "central.db") as store:
            results[("no HTTP: ReferenceStore.apply_edit", "c=1")] = measure_sync(
                requests,
                lambda n: store.apply_edit({"card_number": sample[n], "city": f"C{n}"}),
            )
            results[("no HTTP: search query", "c=1")] = measure_sync(
                requests,
                lambda n: queries.search(
                    store, {"card_number": sample[n]}, "sensitive", balances=True
                ),
            )

        with start_server(Path(tmp) / "central.db") as running:
            async with CentralClient(running.url, DEFAULT_CREDENTIALS) as client:
                for c in (1, concurrency):
                    results[("HTTP: record_customer edit", f"c={c}")] = await measure(
                        requests,
                        c,
                        lambda n: client.record_customer(
                            {"card_number": sample[n], "phone": f"555-{n:04d}"}
                        ),
                    )
                    results[("HTTP: customer_search exact card", f"c={c}")] = await measure(
                        requests,
                        c,
                        lambda n: client.customer_search(
                            {"card_number": sample[n]}, exact_match="sensitive"
                        ),
                    )
    print(f"\n{customers} customers, {requests} requests per row, loopback, one process")
    print(f"{'what':<36} {'conc':>5} {'req/s':>9} {'p99 ms':>8}")
    for (what, conc), (rate, p99) in results.items():
        print(f"{what:<36} {conc:>5} {rate:>9.0f} {p99:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.customers, args.requests, args.concurrency))


if __name__ == "__main__":
    main()
