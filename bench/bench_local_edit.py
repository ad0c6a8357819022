"""Benchmark: one durable local edit (edit + outbox entry, committed) with 100,000 customers.

Printed next to a bare SQLite INSERT with the same durability settings (WAL, synchronous=FULL),
measured in the same run on the same disk, interleaved one by one, so the cost of the rules and
the outbox is visible: the kiosk edit with SQLite's automatic checkpoint (as before issue 15) and
with the background checkpoint ``kiosk run`` uses now; and the WAL pages each commit writes.

Run: .venv/bin/python -m bench.bench_local_edit [--customers 100000] [--edits 2000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from bench._stats import percentile, summary_ms
from kiosk.domain.fields import Campaign
from kiosk.storage.checkpoint import BackgroundCheckpoint
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


def wal_frames(path: Path, page: int = 4096) -> int:
    """Frames in a WAL file (written since its last reset): its size over the frame size."""
    wal = Path(f"{path}-wal")
    return max(0, wal.stat().st_size - 32) // (page + 24) if wal.exists() else 0


def edit_request(i: int, customers: int) -> dict[str, str]:
    """The benchmark's edit ``i``: a phone change of an existing customer; every 4th also
    credits 5 points."""
    request = {"card_number": str(600_000_000 + (i * 7919) % customers), "phone": f"555-{i:04d}"}
    if i % 4 == 0:
        request.update(auto_add="5", campaign_id="1")
    return request


def kiosk_store(path: Path, customers: int) -> Store:
    store = Store(path)
    store.define_campaign(Campaign("1", "Points", "points"))
    fill(store, customers)
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store


def bare_db(path: Path, customers: int) -> sqlite3.Connection:
    bare = sqlite3.connect(path, isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=FULL")
    bare.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, card TEXT, phone TEXT)")
    bare.executemany(
        "INSERT INTO t (card, phone) VALUES (?, ?)", ((str(i), "x") for i in range(customers))
    )
    bare.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return bare


def bare_insert(bare: sqlite3.Connection, i: int) -> None:
    bare.execute("BEGIN IMMEDIATE")
    bare.execute("INSERT INTO t (card, phone) VALUES (?, ?)", (str(i), f"555-{i:04d}"))
    bare.execute("COMMIT")


def frames_per_commit(
    store: Store, bare: sqlite3.Connection, customers: int
) -> tuple[float, float]:
    """WAL pages written per commit, automatic checkpoints off while counting (100 of each)."""
    for conn in (store.db.conn, bare):
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    bare_path = Path(bare.execute("PRAGMA database_list").fetchone()[2])
    for i in range(100):
        store.apply_edit(edit_request(10_000_000 + i, customers))
        bare_insert(bare, 10_000_000 + i)
    counted = wal_frames(store.path) / 100, wal_frames(bare_path) / 100
    for conn in (store.db.conn, bare):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA wal_autocheckpoint=1000")
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=2_000)
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as directory:
        folder = Path(directory)
        # Opened before the background checkpoint starts: keeps SQLite's own (as before).
        auto = kiosk_store(folder / "auto.db", args.customers)
        bare = bare_db(folder / "bare.db", args.customers)
        edit_frames, insert_frames = frames_per_commit(auto, bare, args.customers)
        background_store = kiosk_store(folder / "background.db", args.customers)
        background = BackgroundCheckpoint(background_store.path).start(background_store.db.conn)
        times: dict[str, list[float]] = {"auto": [], "background": [], "bare": []}
        steps = {
            "auto": lambda i: auto.apply_edit(edit_request(i, args.customers)),
            "background": lambda i: background_store.apply_edit(edit_request(i, args.customers)),
            "bare": lambda i: bare_insert(bare, i),
        }
        order = list(steps)
        for i in range(args.edits):
            order = order[1:] + order[:1]  # interleaved, each in every position in turn
            for name in order:
                start = time.perf_counter()
                steps[name](i)
                times[name].append(time.perf_counter() - start)
        background.stop()
        for store in (auto, background_store):
            store.close()
        bare.close()

    print(
        f"durable local edit, {args.customers:,} customers, {args.edits:,} edits of each kind, "
        f"interleaved (WAL, synchronous=FULL); load average at start {load}"
    )
    print(f"  kiosk edit, SQLite's automatic checkpoint  {summary_ms(times['auto'])}")
    print(f"  kiosk edit, background checkpoint          {summary_ms(times['background'])}")
    print(f"  bare SQLite INSERT                         {summary_ms(times['bare'])}")
    bare50, bare99 = percentile(times["bare"], 0.5), percentile(times["bare"], 0.99)
    for name in ("auto", "background"):
        p50, p99 = percentile(times[name], 0.5), percentile(times[name], 0.99)
        print(f"  {name}: p50 {p50 / bare50:.2f}x, p99 {p99 / bare99:.2f}x the bare insert")
    print(f"  WAL pages per commit: kiosk edit {edit_frames:.1f}, bare insert {insert_frames:.1f}")
    print(f"  load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
