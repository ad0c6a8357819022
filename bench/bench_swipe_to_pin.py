"""Benchmark: swipe to PIN screen with 1,000,000 customers in the local store.

Prints, side by side (p50 and p99), then start-up and memory:

- headless (Textual Pilot, no terminal writes): from the swipe message posted, as a reader
  thread posts it, to the PIN screen's frame composed (Textual builds the frame headless too; it
  only skips the write), so layout and rendering are included;
- real terminal (tmux, TERM=linux, 80x25): from the last key of the swipe (Enter) sent with
  ``tmux send-keys`` to "Enter your PIN" visible in ``capture-pane`` (each poll spawns a tmux
  client, ~1-3 ms, on the same 2 cores as the app: an upper bound);
- baseline "online-first": the same lookup asked of the reference central API started with
  150 ms of added latency (``customer_search`` by card number), as a kiosk without a local
  store would do on each swipe;
- process start to first frame: of the app alone, and of the real ``kiosk run`` command (its
  CLI, settings and imports included), 5 runs; the app's peak RSS; the load average before and
  after (the machine is shared: compare runs made when it was quiet).

The app is built as ``kiosk run`` builds it (``freeze_gc=True``).
Run: ``.venv/bin/python bench/bench_swipe_to_pin.py [--swipes 200] [--customers 1000000]``.
The 1M-customer database is built once (executemany in one transaction) and cached under
``bench/out/`` (gitignored). This is a script, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.domain.secrets import hash_secret  # noqa: E402
from kiosk.storage.customer_store import Store  # noqa: E402
from kiosk.storage.database import utc_now, write_transaction  # noqa: E402

OUT = ROOT / "bench" / "out"
CARD_BASE = 7_000_000_000_000_000
"""Card numbers are CARD_BASE + i; codes are 16 digits from i too."""


def card_of(i: int) -> str:
    return str(CARD_BASE + i)


def build_db(path: Path, customers: int) -> Path:
    """Create (once) a store with ``customers`` rows sharing one PIN hash (hashing 1M is slow)."""
    if path.exists():
        return path
    tmp = path.with_suffix(".building")
    for leftover in path.parent.glob(tmp.name + "*"):
        leftover.unlink()
    print(f"building {customers:,} customers in {path} ...", file=sys.stderr)
    started = time.perf_counter()
    with Store(tmp) as store:
        pin_hash, now = hash_secret("2468"), utc_now()
        with write_transaction(store.db):
            rows = (
                (f"{i:016d}", card_of(i), f"First{i}", f"Last{i}", pin_hash, now, now)
                for i in range(customers)
            )
            store.db.conn.executemany(
                "INSERT INTO customers (code, card_number, first_name, last_name, pin_hash, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    tmp.rename(path)
    print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def pick_cards(customers: int, swipes: int) -> list[str]:
    step = max(1, customers // swipes)
    return [card_of(i * step + 7) for i in range(swipes)]


def percentile(samples_ms: list[float], fraction: float) -> float:
    """Nearest-rank percentile, as bench/_stats.py computes it."""
    ordered = sorted(samples_ms)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


# Headless ---------------------------------------------------------------------------------------


async def headless(db: Path, cards: list[str], sync: str = "none") -> list[float]:
    """From the swipe message posted (as a reader thread does) to the PIN screen painted: the
    compositor produced its frame (headless Textual computes it, it only skips the write).
    ``sync``: ``none``, or an offline sync service on its own ``thread`` or on the UI's ``loop``
    (bench/_queue.py)."""
    from bench._queue import sync_runner
    from device.swipe import Swipe
    from kiosk.ui.app import build_app
    from kiosk.ui.config import KioskConfig
    from kiosk.ui.reader_link import reader_callback

    samples: list[float] = []
    with Store(db) as store:
        app = build_app(
            store,
            config=KioskConfig(cursor_blink=False, freeze_gc=True),
            sync_runner=sync_runner(store, sync),
        )
        painted = asyncio.Event()
        display = app._display

        def spy(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None and screen.id == "pin-screen" and screen is app.screen:
                painted.set()

        app._display = spy  # type: ignore[method-assign]
        async with app.run_test(size=(80, 25)) as pilot:
            callback = reader_callback(app)
            await pilot.pause(0.5)  # let the start-up work (PIN screen prebuilt) finish
            for card in cards:
                painted.clear()
                started = time.perf_counter()
                callback(Swipe(card))  # exactly what a reader thread does
                await asyncio.wait_for(painted.wait(), 10)
                samples.append((time.perf_counter() - started) * 1000)
                await pilot.press("escape")
                while app.screen.id != "swipe-screen":
                    await pilot.pause()
                await pilot.pause()
    return samples


# Real terminal ----------------------------------------------------------------------------------


def serve(db: Path, rss_file: Path) -> int:
    """Run the kiosk on ``db`` in this terminal; write the peak RSS (KiB) when it exits."""
    from kiosk.ui.app import build_app
    from kiosk.ui.config import KioskConfig

    with Store(db) as store:
        app = build_app(store, config=KioskConfig(freeze_gc=True), handle_signals=True)
        app.run()
    rss_file.write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    return 0


class Tmux:
    def __init__(self) -> None:
        self.socket = f"kiosk-bench-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "bench")

    def wait_for(self, text: str, limit: float = 30.0) -> float:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if text in self.screen():
                return time.perf_counter()
        raise RuntimeError(f"never saw {text!r}:\n{self.screen()}")


def real_terminal(db: Path, cards: list[str]) -> tuple[list[float], float, int]:
    tmux = Tmux()
    work = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    pid_file, rss_file = work / "pid", work / "rss"
    env = {**os.environ, "TERM": "linux"}
    env.pop("COLORTERM", None)
    env.pop("TMUX", None)
    try:
        tmux_cmd = ["tmux", "-L", tmux.socket, "-f", "/dev/null", "new-session", "-d"]
        subprocess.run(
            [*tmux_cmd, "-s", "bench", "-x", "80", "-y", "25", "bash --norc --noprofile"],
            check=True,
            env=env,
        )
        command = (
            f"sh -c 'echo $$ > {pid_file}; exec {sys.executable} {Path(__file__).resolve()} "
            f"--serve {db} --rss-file {rss_file}'"
        )
        tmux.run("send-keys", "-t", "bench", "-l", command)
        started = time.perf_counter()
        tmux.run("send-keys", "-t", "bench", "Enter")
        first_frame = tmux.wait_for("Swipe your card") - started
        samples: list[float] = []
        for card in cards:
            tmux.run("send-keys", "-t", "bench", "-l", f";{card}?")
            tmux.run("send-keys", "-t", "bench", "Enter")
            sent = time.perf_counter()  # after the last key was handed to the terminal
            samples.append((tmux.wait_for("Enter your PIN") - sent) * 1000)
            tmux.run("send-keys", "-t", "bench", "Escape")
            tmux.wait_for("Swipe your card")
        os.kill(int(pid_file.read_text()), 15)
        deadline = time.monotonic() + 10
        while not rss_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        rss_kib = int(rss_file.read_text()) if rss_file.exists() else -1
        return samples, first_frame, rss_kib
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def kiosk_run_first_frame(db: Path, runs: int) -> list[float]:
    """Process start to first frame of the real command, ``kiosk run`` (its CLI imports and
    settings included), in tmux with TERM=linux at 80x25; stopped with SIGTERM each time."""
    kiosk = Path(sys.executable).with_name("kiosk")
    env = {**os.environ, "TERM": "linux"}
    env.pop("COLORTERM", None)
    env.pop("TMUX", None)
    frames: list[float] = []
    for _ in range(runs):
        tmux = Tmux()
        work = Path(tempfile.mkdtemp(prefix="kiosk-bench-run-"))
        pid_file = work / "pid"
        try:
            tmux_cmd = ["tmux", "-L", tmux.socket, "-f", "/dev/null", "new-session", "-d"]
            subprocess.run(
                [*tmux_cmd, "-s", "bench", "-x", "80", "-y", "25", "bash --norc --noprofile"],
                check=True,
                env=env,
            )
            command = (
                f"sh -c 'echo $$ > {pid_file}; exec {kiosk} run --offline --db {db} "
                "--reader terminal'"
            )
            tmux.run("send-keys", "-t", "bench", "-l", command)
            started = time.perf_counter()
            tmux.run("send-keys", "-t", "bench", "Enter")
            frames.append((tmux.wait_for("Swipe your card") - started) * 1000)
            os.kill(int(pid_file.read_text()), 15)
        finally:
            subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)
            shutil.rmtree(work, ignore_errors=True)
    return frames


# Baseline ---------------------------------------------------------------------------------------


async def online_first(cards: list[str], latency_ms: float) -> list[float]:
    from kiosk.central.client import CentralClient
    from kiosk.reference.faults import FaultConfig
    from kiosk.reference.server import DEFAULT_CREDENTIALS, start_server
    from kiosk.reference.store import ReferenceStore
    from kiosk.reference.store import utc_now as central_now

    work = Path(tempfile.mkdtemp(prefix="kiosk-bench-central-"))
    central_db = work / "central.db"
    # The central store holds just the swiped customers: the added latency dominates anyway.
    with ReferenceStore(central_db) as store, store.transaction() as conn:
        now = central_now()
        conn.executemany(
            "INSERT INTO customers (code, card_number, first_name, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(f"{i:016d}", card, "Bench", now, now) for i, card in enumerate(cards)],
        )
    server = start_server(central_db, faults=FaultConfig(latency_ms=latency_ms))
    samples: list[float] = []
    try:
        async with CentralClient(server.url, DEFAULT_CREDENTIALS) as client:
            for card in cards:
                started = time.perf_counter()
                found = await client.customer_search({"card_number": card}, exact_match="sensitive")
                samples.append((time.perf_counter() - started) * 1000)
                assert found, "the baseline must find the customer"
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return samples


def queue_at_scale(db: Path, cards: list[str], pending: int, customers: int, blocks: int) -> int:
    """Swipe to PIN with ``pending`` entries queued (in backoff and due, the sync service working
    offline through them) against the empty queue, in alternating blocks of the same run."""
    from bench._queue import fill_queue

    variants = [
        ("empty queue, sync on its thread", "empty", "thread"),
        (f"{pending:,} pending, sync on its thread", "full", "thread"),
        (f"{pending:,} pending, sync on the UI loop", "full", "loop"),
    ]
    files = {}
    for name in ("empty", "full"):
        files[name] = OUT / f"run-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{files[name]}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(db, files[name])
    fill_queue(files["full"], pending, customers)
    samples: dict[str, list[float]] = {label: [] for label, _, _ in variants}
    per_block = max(1, len(cards) // blocks)
    for block in range(blocks):
        chunk = cards[block * per_block : (block + 1) * per_block]
        for label, name, where in variants:
            samples[label] += asyncio.run(headless(files[name], chunk, sync=where))
    print(f"\n{'headless swipe -> PIN painted':<52} {'p50':>8} {'p99':>8} {'max':>8}  n")
    base = percentile(samples[variants[0][0]], 0.99)
    for label, values in samples.items():
        p99 = percentile(values, 0.99)
        print(
            f"{label:<52} {statistics.median(values):6.1f}ms {p99:6.1f}ms "
            f"{max(values):6.1f}ms  {len(values)}  p99 {p99 / base:.2f}x empty"
        )
    for path in files.values():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--swipes", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--skip-terminal", action="store_true")
    parser.add_argument(
        "--queue", type=int, default=0, metavar="N",
        help="instead: swipes with N entries pending (sync working offline) vs an empty queue",
    )
    parser.add_argument("--blocks", type=int, default=5, help="alternations (with --queue)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rss-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.rss_file)

    OUT.mkdir(parents=True, exist_ok=True)
    db = build_db(OUT / f"customers-{args.customers}.db", args.customers)
    # Work on a copy so the cached file never gets outbox rows or locks from a run.
    run_db = OUT / "run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run_db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, run_db)
    cards = pick_cards(args.customers, args.swipes)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"customers in the local store: {args.customers:,}; swipes: {len(cards)}")
    print(f"load average (1, 5, 15 min) at start: {load} on {os.cpu_count()} cores")
    if args.queue:
        queue_at_scale(db, cards, args.queue, args.customers, args.blocks)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average at end: {load}")
        return 0
    local = asyncio.run(headless(run_db, cards))
    rows = [("headless: swipe message -> PIN screen painted", local)]
    notes: list[str] = []
    if not args.skip_terminal:
        real, first_frame, rss_kib = real_terminal(run_db, cards)
        rows.append(("tmux TERM=linux 80x25: last swipe key -> PIN visible", real))
        runs = kiosk_run_first_frame(run_db, 5)
        notes += [
            f"process start -> first frame: app only {first_frame * 1000:.0f} ms; "
            f"`kiosk run` median {statistics.median(runs):.0f} ms "
            f"(runs: {', '.join(f'{ms:.0f}' for ms in runs)})",
            f"peak RSS of the app process: {rss_kib / 1024:.1f} MB",
        ]
    base = asyncio.run(online_first(cards, args.latency_ms))
    rows.append((f"online-first baseline: customer_search +{args.latency_ms:.0f} ms", base))

    print(f"\n{'swipe -> PIN screen':<56} {'p50':>8} {'p99':>8}")
    for label, samples in rows:
        p50, p99 = statistics.median(samples), percentile(samples, 0.99)
        print(f"{label:<56} {p50:6.1f}ms {p99:6.1f}ms")
    ref = rows[1][1] if not args.skip_terminal else local
    print(
        f"local-first vs online-first: {statistics.median(base) / statistics.median(ref):.0f}x "
        f"faster at p50, {percentile(base, 0.99) / percentile(ref, 0.99):.1f}x at p99"
    )
    for note in notes:
        print(note)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at end: {load}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run_db}{suffix}").unlink(missing_ok=True)
    (OUT / "kiosk.log").unlink(missing_ok=True)  # written by `kiosk run` (stderr is its screen)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
