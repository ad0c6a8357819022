"""Benchmark: ``kiosk sync pull`` filling a new kiosk from 100,000 customers, beside 10,000.

For each size, a reference server file is filled with that many customers (profile fields, two
custom field values, two balances each), ``kiosk central serve`` runs it in its own process (the
real API is on another machine), and ``kiosk sync pull`` runs as its own process twice: into a
new database (fill) and again into the filled one (refresh). Each line prints the wall time and
the pull process's peak resident memory (``ru_maxrss`` from ``wait4``), with a baseline measured
in the same run: the same command printing its help (the interpreter and the imports alone).
Aim: time linear in the number of customers, memory flat and under 100 MB.

Run: .venv/bin/python -m bench.bench_pull [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.domain.secrets import hash_secret
from kiosk.reference.server import DEFAULT_CREDENTIALS
from kiosk.reference.store import ReferenceStore, utc_now

KIOSK = [sys.executable, "-m", "kiosk"]


def seed(path: Path, customers: int) -> None:
    """A reference server file with ``customers`` customers, written in one transaction."""
    rng = random.Random(customers)
    with ReferenceStore(path) as store:
        store.define_campaign(Campaign("1", "Points", "points"))
        store.define_campaign(Campaign("2", "Coffee card", "buyx"))
        store.define_custom_field(CustomFieldDef(1, "Note", "text"))
        store.define_custom_field(CustomFieldDef(2, "Status", "pick", ("Single", "Married")))
        now = utc_now()
        codes = [str(10**15 + n) for n in range(customers)]
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO customers (code, card_number, first_name, last_name, phone, email, "
                "street1, city, postal_code, country, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        code,
                        f"60{n:014d}",
                        f"First{n}",
                        f"Last{n}",
                        f"555-{n % 10000:04d}",
                        f"c{n}@example.com",
                        f"{n} Main Street",
                        "Anytown",
                        f"{n % 99999:05d}",
                        "NZ",
                        now,
                        now,
                    )
                    for n, code in enumerate(codes)
                ),
            )
            conn.executemany(
                "INSERT INTO custom_values (code, field_id, value) VALUES (?, ?, ?)",
                (
                    (code, field_id, value)
                    for code in codes
                    for field_id, value in (
                        (1, "likes a flat white"),
                        (2, rng.choice(("Single", "Married"))),
                    )
                ),
            )
            conn.executemany(
                "INSERT INTO balances (code, campaign_id, item, amount) VALUES (?, ?, ?, ?)",
                (
                    (code, campaign, item, str(rng.randint(1, 500)))
                    for code in codes
                    for campaign, item in (("1", ""), ("2", "Latte"))
                ),
            )


def serve(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``kiosk central serve`` in its own process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [*KIOSK, "central", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}/"
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the reference server did not start")


def config_for(directory: Path, url: str) -> Path:
    """A kiosk.toml and its 0600 credentials file for the pull process."""
    credentials = directory / "credentials"
    credentials.write_text(DEFAULT_CREDENTIALS.api_key + "\n")
    credentials.chmod(0o600)
    config = directory / "kiosk.toml"
    config.write_text(
        'store_name = "Bench"\n[central]\n'
        f'url = "{url}"\naccount_id = "{DEFAULT_CREDENTIALS.account_id}"\n'
        f'user_id = "{DEFAULT_CREDENTIALS.user_id}"\ncredentials_file = "{credentials}"\n'
        "timeout_seconds = 30\n[sync]\npull_interval_minutes = 0\n"
        f'[ui]\nstaff_pin_hash = "{hash_secret("1234")}"\n'
    )
    return config


def measured(command: list[str]) -> tuple[float, float, str]:
    """Run ``command``; its wall time (s), its peak RSS (MB) and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:5])} failed: {output[-500:]}")
    return elapsed, usage.ru_maxrss / 1024, output.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows: list[tuple[str, float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-pull-") as tmp:
        directory = Path(tmp)
        baseline = measured([*KIOSK, "sync", "pull", "--help"])
        rows.append(("baseline: kiosk sync pull --help", baseline[0], baseline[1], ""))
        for size in sizes:
            central_db = directory / f"central-{size}.db"
            print(f"seeding {size} customers ...", flush=True)
            seed(central_db, size)
            server, url = serve(central_db)
            try:
                config = config_for(directory, url)
                kiosk_db = directory / f"kiosk-{size}.db"
                command = [*KIOSK, "sync", "pull", "--config", str(config), "--db", str(kiosk_db)]
                fill = measured(command)
                rows.append((f"{size:>7} customers, new kiosk", *fill))
                refresh = measured(command)
                rows.append((f"{size:>7} customers, refresh", *refresh))
            finally:
                server.terminate()
                server.wait(timeout=10)
    print()
    print(f"{'kiosk sync pull':<36} {'time s':>8} {'peak RSS MB':>12} {'customers/s':>12}")
    for label, seconds, rss, output in rows:
        count = int(label.split()[0]) if label[0] == " " or label[0].isdigit() else 0
        rate = f"{count / seconds:>12,.0f}" if count else f"{'':>12}"
        print(f"{label:<36} {seconds:>8.1f} {rss:>12.1f} {rate}")
        if output:
            print(f"    {output.splitlines()[-1]}")


if __name__ == "__main__":
    main()
