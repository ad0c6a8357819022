"""Benchmark helpers: a week of queue (entries pending in backoff and due) and a sync service
that keeps working through it against a central API that refuses connections (the shop is
offline), as the kiosk runs it (its own thread) or as it ran before (on the UI's loop)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from kiosk.storage.customer_store import Store
from kiosk.storage.database import utc_now, write_transaction

OFFLINE_URL = "http://127.0.0.1:9/"
"""The discard port, closed on this machine: every connection is refused at once."""


def fill_queue(path: Path, entries: int, customers: int, per_customer: int = 5) -> None:
    """Queue ``entries`` edits, ``per_customer`` each, for existing customers of ``path``; every
    customer's head has been tried 3 times and waits in backoff until a time spread over the
    next 5 minutes (some already due): a shop offline for a week. Codes are 16-digit ``i``."""
    rng = random.Random(15)
    with Store(path) as store:
        now, wall = store.clock.now(), utc_now()
        people = entries // per_customer
        step = max(1, customers // people)
        with write_transaction(store.db):
            rows = []
            for n in range(entries):
                code = f"{(n % people) * step + 3:016d}"
                rows.append(
                    (
                        f"{n:032x}",
                        wall,
                        code,
                        json.dumps({"code": code, "phone": f"555-{n}"}),
                        now - 3600.0 + n * 0.01,
                    )
                )
            store.db.conn.executemany(
                "INSERT INTO outbox (entry_id, created_at, customer_code, action, local_status, "
                "request, created_clock) VALUES (?, ?, ?, 'edit', 'update', ?, ?)",
                rows,
            )
            heads = store.db.conn.execute("SELECT seq FROM outbox_heads").fetchall()
            store.db.conn.executemany(
                "UPDATE outbox SET attempts = 3, last_error = 'offline', retry_at_clock = ? "
                "WHERE seq = ?",
                [(now + rng.uniform(-30.0, 300.0), seq) for (seq,) in heads],
            )
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def offline_service(store: Store) -> Any:
    """A sync service of ``store`` whose every request is refused (no central API)."""
    from kiosk.central.client import CentralClient
    from kiosk.reference.server import DEFAULT_CREDENTIALS
    from kiosk.sync.service import SyncService, SyncTiming

    return SyncService(
        store,
        lambda: CentralClient(OFFLINE_URL, DEFAULT_CREDENTIALS, timeout=2.0),
        timing=SyncTiming(pull_interval=0.0, keep_delivered_days=0.0),
    )


def sync_runner(store: Store, where: str) -> Any:
    """The app's sync runner: ``thread`` (as ``kiosk run`` runs it now) or ``loop`` (the
    service on the UI's event loop, as before issue 15); ``none``: no sync."""
    if where == "none":
        return None
    if where == "loop":
        service = offline_service(store)
        store.queued_listeners.append(service.wake)
        return service.run
    from kiosk.sync.own_thread import runner_in_own_thread

    run, wake = runner_in_own_thread(store.path, offline_service)
    store.queued_listeners.append(wake)
    return run
