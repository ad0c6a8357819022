"""Benchmark: process CPU time per swipe and peak memory of the real ``kiosk run``, on ptys.

Two ``kiosk run`` processes run side by side, each drawing on a pseudo-terminal of its own
(TERM=linux, 80x25) and reading swipes from a serial reader on a second pty, as a kiosk with a
serial reader does (no tmux: nothing else is started per poll):

- ``--offline``, an empty queue (the baseline);
- sync on (a central API that refuses connections: the shop is offline), ``--queue`` entries
  pending in backoff and due (default 100,000).

Swipes alternate between the two in blocks. For each swipe: the CPU time the kiosk process (all
its threads, ``/proc/PID/task/*/schedstat``, nanoseconds) used from the last byte of the swipe
written to the reader's pty until "Enter your PIN" arrived on its terminal; beside it, the CPU the
same process used over an equal time with nothing happening (timers, the status read, the sync
service), measured right after. Then Escape, back to "Swipe your card". Memory: ``VmRSS`` and
``VmHWM`` (peak) from ``/proc/PID/status`` at start and every ``--every`` swipes.

Run: ``.venv/bin/python -m bench.bench_swipe_cpu [--swipes 1000] [--customers 200000]``.
For a long memory run of the sync-on kiosk alone (issue 15: flat over 10,000 swipes, about 20
minutes here): ``--swipes 10000 --every 1000 --only sync --no-idle``.
"""

from __future__ import annotations

import argparse
import contextlib
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._queue import OFFLINE_URL, fill_queue  # noqa: E402
from bench._stats import percentile  # noqa: E402
from bench.bench_swipe_to_pin import OUT, build_db, pick_cards  # noqa: E402
from device.swipe import encode_swipe  # noqa: E402
from kiosk.reference.server import DEFAULT_CREDENTIALS  # noqa: E402
from kiosk.settings import DEMO_STAFF_PIN_HASH  # noqa: E402


def cpu_ns(pid: int) -> int:
    """CPU time of every thread of ``pid`` so far, in nanoseconds."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):  # a thread that just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


class Kiosk:
    """One ``kiosk run`` on a terminal pty, with a serial reader on another pty."""

    def __init__(self, label: str, work: Path, db: Path, *, sync: bool) -> None:
        self.label = label
        self.reader_master, reader_slave = os.openpty()
        self.reader_name = os.ttyname(reader_slave)
        self._reader_slave = reader_slave
        config = work / f"{label}.toml"
        spec = f"serial:{self.reader_name}?baud=9600&terminator=cr&signon_ms=0"
        self.write_config(config, work, db, reader=spec)
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
        env = {**os.environ, "TERM": "linux", "KIOSK_LOG_LEVEL": "WARNING"}
        env.pop("COLORTERM", None)
        kiosk = Path(sys.executable).with_name("kiosk")
        command = [str(kiosk), "run", "--config", str(config)] + ([] if sync else ["--offline"])
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.pid = self.process.pid
        self._seen = b""
        self._lock = threading.Condition()
        self._stop = False
        threading.Thread(target=self._drain, daemon=True).start()

    @staticmethod
    def write_config(config: Path, work: Path, db: Path, *, reader: str) -> None:
        """A kiosk.toml for ``db`` with sync on against a central API that refuses connections."""
        credentials = work / f"{config.stem}.credentials"
        credentials.write_text(DEFAULT_CREDENTIALS.api_key + "\n")
        credentials.chmod(0o600)
        config.write_text(
            'store_name = "Bench shop"\n\n'
            f'[database]\npath = "{db}"\n\n'
            f'[reader]\nspec = "{reader}"\n\n'
            f'[central]\nurl = "{OFFLINE_URL}"\n'
            f'account_id = "{DEFAULT_CREDENTIALS.account_id}"\n'
            f'user_id = "{DEFAULT_CREDENTIALS.user_id}"\n'
            f'credentials_file = "{credentials}"\n\n'
            "[sync]\npull_interval_minutes = 0\n\n"
            f'[ui]\nstaff_pin_hash = "{DEMO_STAFF_PIN_HASH}"\n'
        )

    def _drain(self) -> None:
        """Read the terminal all the time (a full pty would stall the app)."""
        while not self._stop:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            with self._lock:
                self._seen = (self._seen + data)[-20000:]
                self._lock.notify_all()

    def forget(self) -> None:
        with self._lock:
            self._seen = b""

    def wait_for(self, text: str, limit: float = 30.0) -> None:
        wanted = text.encode()
        deadline = time.monotonic() + limit
        with self._lock:
            while wanted not in self._seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{self.label}: never saw {text!r}")
                self._lock.wait(left)

    def swipe(self, card: str, *, idle: bool = True) -> tuple[float, float]:
        """CPU ms from the last byte to the PIN screen, and CPU ms over as long doing nothing
        (0 with ``idle`` off: a long memory run skips that wait)."""
        data = (encode_swipe(card, "DOE/JANE", "2512", (1, 2)) + "\r").encode()
        self.forget()
        os.write(self.reader_master, data[:-1])
        time.sleep(0.02)
        before, started = cpu_ns(self.pid), time.perf_counter()
        os.write(self.reader_master, data[-1:])
        self.wait_for("Enter your PIN")
        used, took = cpu_ns(self.pid) - before, time.perf_counter() - started
        quiet = 0
        if idle:
            idle_before = cpu_ns(self.pid)
            time.sleep(took)
            quiet = cpu_ns(self.pid) - idle_before
        self.forget()
        os.write(self.master, b"\x1b")
        self.wait_for("Swipe your card")
        time.sleep(0.05)
        return used / 1e6, quiet / 1e6

    def stop(self) -> None:
        self._stop = True
        with_timeout = time.monotonic() + 10
        self.process.send_signal(signal.SIGTERM)
        while self.process.poll() is None and time.monotonic() < with_timeout:
            time.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
        for fd in (self.master, self.reader_master, self._reader_slave):
            os.close(fd)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--queue", type=int, default=100_000)
    parser.add_argument("--swipes", type=int, default=1000, help="per kiosk")
    parser.add_argument("--every", type=int, default=250, help="memory sample interval")
    parser.add_argument(
        "--only", choices=("offline", "sync"), help="run one of the two kiosks, not both"
    )
    parser.add_argument(
        "--no-idle", action="store_true", help="skip the idle CPU beside each swipe (faster)"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    source = build_db(OUT / f"customers-{args.customers}.db", args.customers)
    work = OUT / "cpu"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    dbs = {"empty": work / "empty.db", "queued": work / "queued.db"}
    for db in dbs.values():
        shutil.copyfile(source, db)
    fill_queue(dbs["queued"], args.queue, args.customers)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"customers {args.customers:,}; load average at start {load} on {os.cpu_count()} cores")
    kiosks = []
    if args.only != "sync":
        kiosks.append(Kiosk("offline-empty", work, dbs["empty"], sync=False))
    if args.only != "offline":
        kiosks.append(Kiosk(f"sync-{args.queue}-pending", work, dbs["queued"], sync=True))
    results: dict[str, tuple[list[float], list[float]]] = {k.label: ([], []) for k in kiosks}
    memory: dict[str, list[str]] = {k.label: [] for k in kiosks}
    try:
        for kiosk in kiosks:
            kiosk.wait_for("Swipe your card")
        time.sleep(3.0)  # start-up work done (PIN screen built, first status read, sync start)
        for kiosk in kiosks:
            rss, hwm = memory_mb(kiosk.pid)
            memory[kiosk.label].append(f"start {rss:.1f}/{hwm:.1f}")
        cards = pick_cards(args.customers, args.swipes)
        block = 50
        for first in range(0, len(cards), block):
            for kiosk in kiosks:
                for card in cards[first : first + block]:
                    used, idle = kiosk.swipe(card, idle=not args.no_idle)
                    results[kiosk.label][0].append(used)
                    results[kiosk.label][1].append(idle)
            done = first + block
            if done % args.every == 0 or done >= len(cards):
                for kiosk in kiosks:
                    rss, hwm = memory_mb(kiosk.pid)
                    memory[kiosk.label].append(f"{done} {rss:.1f}/{hwm:.1f}")
    finally:
        for kiosk in kiosks:
            kiosk.stop()
    print(f"\n{'CPU per swipe, last byte -> PIN on the terminal':<50} {'mean':>7} {'p50':>7} "
          f"{'p99':>7}   idle CPU over as long (mean)")
    for label, (used, idle) in results.items():
        print(
            f"{label:<50} {statistics.fmean(used):5.2f}ms {percentile(used, 0.5):5.2f}ms "
            f"{percentile(used, 0.99):5.2f}ms   {statistics.fmean(idle):5.2f}ms"
        )
    print("\nmemory, MB (after N swipes: VmRSS/VmHWM peak)")
    for label, samples in memory.items():
        print(f"{label:<28} " + ", ".join(samples))
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
