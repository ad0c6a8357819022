"""Benchmark: one durable local edit (edit + outbox entry, committed) with 100,000 customers.

Printed next to a bare SQLite INSERT with the same durability settings (WAL, synchronous=FULL),
measured in the same run on the same disk, so the cost of the rules and the outbox is visible.

Run: .venv/bin/python -m bench.bench_local_edit [--customers 100000] [--edits 2000]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from bench._stats import summary_ms
from kiosk.domain.fields import Campaign
from kiosk.storage.customer_store import Store
from kiosk.storage.database import utc_now


def fill(store: Store, customers: int) -> None:
    """Insert ``customers`` rows directly, in one transaction (set-up, not measured)."""
    now = utc_now()
    rows = (
        (f"{1_000_000_000_000_000 + i}", f"{600_000_000 + i}", f"First{i}", f"Last{i}", now, now)
        for i in range(customers)
    )
    with store.db.conn:
        store.db.conn.executemany(
            "INSERT INTO customers (code, card_number, first_name, last_name, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as directory:
        store = Store(Path(directory) / "bench.db")
        store.define_campaign(Campaign("1", "Points", "points"))
        fill(store, args.customers)
        edit_times = []
        for i in range(args.edits):
            card = str(600_000_000 + (i * 7919) % args.customers)
            request = {"card_number": card, "phone": f"555-{i:04d}"}
            if i % 4 == 0:
                request.update(auto_add="5", campaign_id="1")
            start = time.perf_counter()
            store.apply_edit(request)
            edit_times.append(time.perf_counter() - start)
        store.close()

        bare = sqlite3.connect(Path(directory) / "bare.db", isolation_level=None)
        bare.execute("PRAGMA journal_mode=WAL")
        bare.execute("PRAGMA synchronous=FULL")
        bare.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, card TEXT, phone TEXT)")
        bare.executemany(
            "INSERT INTO t (card, phone) VALUES (?, ?)",
            ((str(i), "x") for i in range(args.customers)),
        )
        insert_times = []
        for i in range(args.edits):
            start = time.perf_counter()
            bare.execute("BEGIN IMMEDIATE")
            bare.execute("INSERT INTO t (card, phone) VALUES (?, ?)", (str(i), f"555-{i:04d}"))
            bare.execute("COMMIT")
            insert_times.append(time.perf_counter() - start)
        bare.close()

    print(
        f"durable local edit, {args.customers:,} customers, {args.edits:,} edits "
        "(WAL, synchronous=FULL)"
    )
    print(f"  kiosk edit + outbox entry  {summary_ms(edit_times)}")
    print(f"  bare SQLite INSERT         {summary_ms(insert_times)}")


if __name__ == "__main__":
    main()
