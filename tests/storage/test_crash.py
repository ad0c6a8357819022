"""Crash safety (invariant S1): SIGKILL a process in the middle of applying edits, 50 times.

A child process applies edits in a loop and prints an acknowledgement after each commit. The
parent kills it at a random moment, then checks: every acknowledged edit and its outbox entry are
present, no edit is half-applied (each customer has its outbox entry and its balance), and
``PRAGMA integrity_check`` says ok. The same file is reused across all kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.domain.fields import Campaign
from kiosk.storage.customer_store import Store

CHILD = r"""
import sys
from kiosk.storage.customer_store import Store
store = Store(sys.argv[1])
start = int(sys.argv[2])
i = start
while True:
    result = store.apply_edit({"card_number": str(10_000_000_000 + i), "first_name": f"n{i}",
                               "auto_add": "1", "campaign_id": "1"})
    print(i, result.plan.code, result.entry_id, flush=True)
    i += 1
"""

KILLS = 50


@pytest.mark.slow
def test_sigkill_during_edits_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    with Store(path) as store:
        store.define_campaign(Campaign("1", "Points", "points"))
    rng = random.Random(20261127)
    acknowledged: dict[int, tuple[str, str]] = {}
    for run in range(KILLS):
        # Each run uses its own range of card numbers: an edit committed just before the kill
        # but not yet acknowledged must not be edited again by the next run.
        next_index = run * 1_000_000
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(next_index)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        )
        assert child.stdout is not None
        first = child.stdout.readline()  # the child is up and writing
        assert first, "child failed to start"
        time.sleep(rng.uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()
        child.wait()
        # Only whole lines are acknowledgements; a line cut by the kill was never complete.
        for line in (first + rest).splitlines(keepends=True):
            if line.endswith("\n"):
                index, code, entry_id = line.split()
                acknowledged[int(index)] = (code, entry_id)

    with Store(path) as store:
        conn = store.db.conn
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for index, (code, entry_id) in acknowledged.items():
            row = conn.execute("SELECT card_number FROM customers WHERE code = ?", (code,))
            assert row.fetchone() == (str(10_000_000_000 + index),), (
                f"acknowledged edit {index} lost"
            )
            entry = conn.execute(
                "SELECT customer_code FROM outbox WHERE entry_id = ?", (entry_id,)
            ).fetchone()
            assert entry == (code,), f"outbox entry of edit {index} lost"
        # Nothing half-applied: every customer has exactly one outbox entry and a balance of 1.
        orphans = conn.execute(
            "SELECT count(*) FROM customers c WHERE "
            "(SELECT count(*) FROM outbox o WHERE o.customer_code = c.code) != 1 "
            "OR (SELECT amount FROM balances b WHERE b.code = c.code) IS NOT '1'"
        ).fetchone()[0]
        assert orphans == 0
        stray = conn.execute(
            "SELECT count(*) FROM outbox o WHERE NOT EXISTS "
            "(SELECT 1 FROM customers c WHERE c.code = o.customer_code)"
        ).fetchone()[0]
        assert stray == 0
        assert len(acknowledged) >= KILLS
