"""Benchmark: process start to first frame, on a pty (TERM=linux, 80x25), interleaved.

Each round starts, one after the other (the order turning every round), and times from the
process start to the first frame's text arriving on its terminal:

- a bare Textual app that shows one static screen ("Swipe your card"): the floor;
- ``kiosk run --offline`` on a 200,000-customer store (CLI, settings, store, app);
- ``kiosk run`` with sync on (a central API that refuses connections);
- ``kiosk demo`` (builds its demo store and starts the reference server first).

Run: ``.venv/bin/python -m bench.bench_startup [--rounds 7]``.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_swipe_cpu import Kiosk  # noqa: E402
from bench.bench_swipe_to_pin import OUT, build_db  # noqa: E402

BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("Swipe your card")
Bare(ansi_color=True).run()
"""


def first_frame(command: list[str], text: str = "Swipe your card", limit: float = 60.0) -> float:
    """Seconds from starting ``command`` on a new pty to ``text`` on it; then SIGTERM."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
    env = {**os.environ, "TERM": "linux", "KIOSK_LOG_LEVEL": "WARNING"}
    env.pop("COLORTERM", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    try:
        while text.encode() not in seen:
            if time.perf_counter() - started > limit:
                raise RuntimeError(f"no first frame from {command[:3]}")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen = (seen + os.read(master, 65536))[-20000:]
        return time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            with_data = select.select([master], [], [], 0.05)[0]
            if with_data:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument(
        "--before", type=Path, default=None, metavar="KIOSK",
        help="also time `kiosk run --offline` of another checkout (its venv's bin/kiosk)",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    source = build_db(OUT / f"customers-{args.customers}.db", args.customers)
    work = OUT / "startup"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    db = work / "kiosk.db"
    shutil.copyfile(source, db)
    sync_config = work / "sync.toml"
    Kiosk.write_config(sync_config, work, db, reader="terminal")
    kiosk = str(Path(sys.executable).with_name("kiosk"))
    commands = {
        "bare Textual app, one static screen": [sys.executable, "-c", BARE_APP],
        "kiosk run --offline": [kiosk, "run", "--offline", "--db", str(db), "--reader", "terminal"],
        "kiosk run, sync on": [kiosk, "run", "--config", str(sync_config)],
        "kiosk demo": [kiosk, "demo"],
    }
    if args.before is not None:
        before_db = work / "before.db"
        shutil.copyfile(source, before_db)
        commands["kiosk run --offline, --before"] = [
            str(args.before), "run", "--offline", "--db", str(before_db), "--reader", "terminal"
        ]
        commands["kiosk demo, --before"] = [str(args.before), "demo"]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at start {load} on {os.cpu_count()} cores; {args.rounds} rounds")
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for _ in range(args.rounds):
        names = names[1:] + names[:1]
        for name in names:
            times[name].append(first_frame(commands[name]) * 1000)
    bare = statistics.median(times["bare Textual app, one static screen"])
    run = statistics.median(times["kiosk run --offline"])
    print(f"\n{'process start -> first frame':<40} {'median':>8} {'min':>8} {'max':>8}")
    for name, values in times.items():
        print(
            f"{name:<40} {statistics.median(values):6.0f}ms {min(values):6.0f}ms "
            f"{max(values):6.0f}ms  {statistics.median(values) / bare:.2f}x bare, "
            f"{statistics.median(values) / run:.2f}x run"
        )
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
