"""The queue at scale (issue 15): every question the UI and the worker ask of the outbox is read
from an index (no SCAN of the outbox), the heads table the triggers keep stays equal to the
heads computed from the outbox by their definition (S3) through every kind of change, and
delivered history moves to the archive after its age while nothing undelivered moves."""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from pathlib import Path

import pytest

from kiosk.storage.codes import adopt_code
from kiosk.storage.customer_store import Store
from kiosk.storage.database import write_transaction
from kiosk.storage.outbox_archive import archived, archived_count, prune_delivered
from kiosk.storage.sync_state import read_status

HEADS_BY_DEFINITION = """
SELECT o.customer_code, o.seq, CASE WHEN o.state = 'pending' THEN o.retry_at_clock END
FROM outbox AS o
WHERE o.state IN ('pending', 'attention')
  AND o.seq = (SELECT min(p.seq) FROM outbox AS p
               WHERE p.customer_code = o.customer_code AND p.state IN ('pending', 'attention'))
ORDER BY o.customer_code
"""
"""The oldest undelivered entry of each customer, computed from the outbox alone."""


def heads_kept(store: Store) -> list[tuple]:
    return store.db.conn.execute(
        "SELECT customer_code, seq, due FROM outbox_heads ORDER BY customer_code"
    ).fetchall()


def heads_defined(store: Store) -> list[tuple]:
    return store.db.conn.execute(HEADS_BY_DEFINITION).fetchall()


def register(store: Store, card: str) -> str:
    return store.apply_edit({"card_number": card, "first_name": "Ada"}).plan.code


@pytest.fixture
def queued(tmp_path: Path):
    """A store with 30 customers, 4 queued edits each."""
    with Store(tmp_path / "kiosk.db") as store:
        codes = [register(store, f"600100000000{i:04d}") for i in range(30)]
        for round_ in range(3):
            for code in codes:
                store.apply_edit({"code": code, "phone": f"555-{round_}"})
        yield store, codes


def test_heads_stay_true_through_every_kind_of_change(queued) -> None:
    store, codes = queued
    queue = store.outbox
    rng = random.Random(15)
    assert heads_kept(store) == heads_defined(store) and len(heads_kept(store)) == 30
    for step in range(400):
        ready = queue.ready(limit=5, exclude=set(), now=1e12)
        roll = rng.random()
        if roll < 0.3 and ready:
            entry = rng.choice(ready)
            queue.delivered(entry, entry.customer_code, entry.customer_code)
        elif roll < 0.45 and ready:
            queue.retry_later(rng.choice(ready), rng.uniform(0, 500), "offline", in_doubt=False)
        elif roll < 0.55 and ready:
            queue.needs_attention(rng.choice(ready), "refused", refused=True)
        elif roll < 0.62:
            waiting = queue.entries(state="attention")
            if waiting:
                queue.retry(rng.choice(waiting).entry_id, actor="test")
        elif roll < 0.68:
            waiting = queue.entries(state="pending")
            if waiting:
                queue.discard(rng.choice(waiting).entry_id, reason="test", actor="test")
        elif roll < 0.74:
            # The central API gives an offline-registered customer its own code (S4).
            old = rng.choice(codes)
            new = f"C{step:015d}"
            with write_transaction(store.db):
                adopt_code(store.db.conn, old, new)
            codes[codes.index(old)] = new
        elif roll < 0.8 and len(codes) > 5:
            # The central API matched a card it knew: two local customers merge into one.
            first, second = rng.sample(codes, 2)
            with write_transaction(store.db):
                adopt_code(store.db.conn, first, second)
            codes.remove(first)
        else:
            store.apply_edit({"code": rng.choice(codes), "phone": f"555-{step}"})
        assert heads_kept(store) == heads_defined(store), f"after step {step}"


def test_ready_gives_only_heads_whose_time_has_come_and_next_due_the_earliest(queued) -> None:
    store, codes = queued
    queue = store.outbox
    heads = queue.ready(limit=100, exclude=set(), now=0.0)
    assert sorted(entry.customer_code for entry in heads) == sorted(codes)  # one per customer
    for offset, entry in enumerate(heads):
        queue.retry_later(entry, 1000.0 + offset, "offline", in_doubt=False)
    assert queue.ready(limit=100, exclude=set(), now=999.0) == []
    assert queue.next_due() == 1000.0
    due = queue.ready(limit=100, exclude={heads[1].customer_code}, now=1001.0)
    assert [entry.seq for entry in due] == [heads[0].seq]  # 1000 due, 1001 served already


def _plans(conn: sqlite3.Connection, statements: list[str]) -> dict[str, str]:
    plans = {}
    for sql in statements:
        if sql.startswith(("--", "BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            continue
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        plans[sql] = " | ".join(row[-1] for row in rows)
    return plans


def test_no_question_of_the_ui_or_the_worker_scans_the_outbox(queued) -> None:
    """Every statement the status read, the worker's delivery steps, the staff actions and a
    code adoption run, as traced from SQLite, is planned as a SEARCH (an index range), never a
    SCAN of the outbox or of the heads table."""
    store, codes = queued
    queue = store.outbox
    traced: list[str] = []
    store.db.conn.set_trace_callback(traced.append)
    read_status(store.db)  # the indicators (UI, every 2 s)
    entry = queue.ready(limit=4, exclude=set())[0]  # the worker
    queue.next_due()
    queue.customer(entry.customer_code)
    queue.begin_send(entry, None)
    queue.retry_later(entry, 5.0, "offline", in_doubt=True)
    queue.needs_attention(entry, "refused")
    queue.retry(entry.entry_id[:8], actor="staff")  # the staff queue screen
    queue.dependants(entry.entry_id)
    other = queue.ready(limit=4, exclude=set(), now=1e12)[1]
    queue.delivered(other, other.customer_code, "C000000000000001")
    with write_transaction(store.db):
        adopt_code(store.db.conn, codes[5], "C000000000000002")
    queue.discard(queue.entries(state="pending", limit=1)[0].entry_id, reason="x", actor="s")
    store.db.conn.set_trace_callback(None)
    plans = _plans(store.db.conn, traced)
    assert any("outbox_heads_due" in plan for plan in plans.values())
    scans = {
        sql: plan
        for sql, plan in plans.items()
        if "SCAN outbox" in plan or "SCAN h" in plan or "SCAN o " in plan
    }
    assert scans == {}
    # What the triggers run on each change: one customer's entries, by index.
    recompute = _plans(
        store.db.conn,
        [
            "SELECT customer_code, seq FROM outbox WHERE customer_code = 'x' "
            "AND state IN ('pending', 'attention') ORDER BY seq LIMIT 1"
        ],
    )
    assert all(
        "SEARCH outbox USING COVERING INDEX outbox_customer" in p for p in recompute.values()
    )
    # The check itself sees a scan when there is one.
    assert "SCAN outbox" in " ".join(
        _plans(store.db.conn, ["SELECT 1 FROM outbox WHERE request = 'x'"]).values()
    )


def test_the_status_read_matches_the_queue(queued) -> None:
    store, _ = queued
    status = read_status(store.db)
    assert (status.pending, status.attention) == (120, 0)
    first = store.outbox.entries(state="pending", limit=1)[0]
    assert status.oldest_pending_at == first.created_at


def test_pruning_moves_old_delivered_entries_only_and_the_archive_holds_them(queued) -> None:
    store, _ = queued
    queue = store.outbox
    for entry in queue.ready(limit=10, exclude=set(), now=1e12):
        queue.delivered(entry, entry.customer_code, entry.customer_code)
    delivered = queue.entries(state="delivered")
    assert len(delivered) == 10
    queue.needs_attention(queue.ready(limit=1, exclude=set(), now=1e12)[0], "refused")
    kept = {e.entry_id for e in queue.entries() if e.state != "delivered"}
    heads_before = heads_kept(store)

    looked_at = delivered.pop()  # a look back still planned for it: it stays
    with store.db.conn:
        store.db.conn.execute(
            "UPDATE outbox SET credit_baseline = '{\"look_at\": [123.0]}' WHERE entry_id = ?",
            (looked_at.entry_id,),
        )
    kept.add(looked_at.entry_id)
    assert prune_delivered(store.db, 30) == 0  # delivered a moment ago: kept
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    assert prune_delivered(store.db, 0, now=later) == 0  # 0 keeps everything
    assert prune_delivered(store.db, 30, now=later, batch=3) == 9

    assert {e.entry_id for e in queue.entries()} == kept  # undelivered, or a look planned
    assert heads_kept(store) == heads_before == heads_defined(store)
    kept = list(archived(store.db.conn))
    assert archived_count(store.db.conn) == 9
    assert [row["entry_id"] for row in kept] == [e.entry_id for e in delivered]
    assert all(row["state"] == "delivered" and row["archived_at"] for row in kept)
    assert [json.loads(row["request"]) for row in kept] == [e.request for e in delivered]
    assert prune_delivered(store.db, 30, now=later) == 0  # nothing left to move


def test_kiosk_outbox_prune_and_archive_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kiosk outbox prune --keep-days N`` moves old delivered history; ``kiosk outbox archive``
    prints it as JSON lines, the card number and code masked and no PIN (S8)."""
    from kiosk.cli import main

    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "none.toml"))
    db = tmp_path / "k.db"
    with Store(db) as store:
        store.apply_edit(
            {"card_number": "6001000011112222", "first_name": "Ida", "customer_PIN": "4321"}
        )
        store.apply_edit({"card_number": "6001000033334444", "first_name": "Jo"})
        first = store.outbox.entries()[0]
        store.outbox.delivered(first, first.customer_code, "7700000000001234")
        with store.db.conn:
            store.db.conn.execute("UPDATE outbox SET delivered_at = '2020-01-01T00:00:00+00:00'")
    assert main(["outbox", "prune", "--db", str(db), "--keep-days", "30"]) == 0
    assert "1 delivered entries older than 30 days moved" in capsys.readouterr().out
    assert main(["outbox", "archive", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert row["entry_id"] == first.entry_id and row["state"] == "delivered"
    # Every text of the line (the random entry id aside, compared above): a number such as the
    # kiosk clock's may hold any four digits by chance, a leaked card or PIN would be text.
    texts = [text for key, text in _texts(row) if key != "entry_id"]
    assert texts and not any("6001000011112222" in t or "4321" in t for t in texts), texts
    assert row["request"]["customer_PIN"] == "***"
    assert row["request"]["first_name"] == "Ida"
    assert main(["outbox", "list", "--db", str(db)]) == 0
    assert capsys.readouterr().out.count("pending") == 1  # the undelivered one stayed
    assert main(["outbox", "prune", "--db", str(db), "--keep-days", "-1"]) == 2


def _texts(value: object, key: str = "") -> list[tuple[str, str]]:
    """(key, text) of every string in a parsed JSON value, nested ones included."""
    if isinstance(value, str):
        return [(key, value)]
    if isinstance(value, dict):
        return [found for name, item in value.items() for found in _texts(item, name)]
    if isinstance(value, list):
        return [found for item in value for found in _texts(item, key)]
    return []
