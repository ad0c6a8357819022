# ruff: noqa: I001 -- runs with the release's own code (release 0.1.0 has kiosk.central.server)
"""Write a release's fixture databases: a kiosk holding queued entries of every kind, and the
central reference server's file as it stood when that kiosk stopped.

Run it from a checkout of the release, with that release's code (the script only uses the
product's own API: ``Store.apply_edit``, ``pull``, ``SyncWorker``, ``outbox.discard`` and the
reference server with its fault injection)::

    git worktree add /tmp/release <commit>
    cd /tmp/release && python -m venv .venv && .venv/bin/pip install -e .
    .venv/bin/python /path/to/tests/upgrade/make_fixture.py tests/upgrade/fixtures release-X.Y.Z

It writes ``<name>.db`` (the kiosk) and ``<name>-central.db`` (the central API). The scenario is
the one ``tests/upgrade/test_upgrade.py`` expects after the upgrade; change both together, and
only for a new release (a committed fixture is never rewritten).

The story, in the kiosk's life before it was upgraded:

1. online: Ann, Ben and Fay register and are delivered (central codes adopted);
2. Ben is credited 10 points; the central API applies it but the answer is lost: in doubt,
   applied (S5);
3. Dan registers; the connection is reset before the central API applies it: in doubt, not
   applied;
4. Fay is credited on a campaign only this kiosk knows: the central API refuses it, it waits for
   staff (S6), and Fay's later change of city waits behind it (S3);
5. the line goes down: Ann changes her phone, gets 25 points and a new PIN; Ben's e-mail is
   changed (it waits behind his in-doubt credit); Cleo registers with a custom field and 5 points;
   Eve registers with ``customer_action=new`` and her card as code; Gus registers and staff
   discard that entry; one attempt fails as unreachable, so an entry carries a retry time;
6. wrong PINs are typed: two for Ann, three for Ben (his card is locked for 30 s, S9).

Redemptions did not exist in release 0.1.0, so its fixture has none.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from kiosk.central.client import CentralClient
from kiosk.central.faults import FaultConfig
from kiosk.central.server import DEFAULT_CREDENTIALS, RunningServer, start_server
from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.storage import outbox, pin_locks
from kiosk.storage.customer_store import Store
from kiosk.storage.migrations import applied_version
from kiosk.sync.intent import Backoff
from kiosk.sync.pull import pull
from kiosk.sync.worker import SyncWorker

ANN, BEN, CLEO, DAN, EVE, FAY, GUS = (
    "4000000000000001",
    "4000000000000002",
    "4000000000000003",
    "4000000000000004",
    "4000000000000005",
    "4000000000000006",
    "4000000000000007",
)
"""Card numbers of the fixture's customers."""
SLOW = Backoff(base_seconds=60.0, cap_seconds=300.0)
"""Retries a minute or more away: the story's failed attempts stay as they failed."""


def _central_setup(store: Store) -> None:
    store.define_campaign(Campaign("1", "Points", "points"))
    store.define_campaign(Campaign("2", "Coffee card", "buyx"))
    store.define_custom_field(CustomFieldDef(1, "Note", "text"))


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so that the one file holds everything."""
    with Store(path) as store:
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        leftover = path.with_name(path.name + suffix)
        if leftover.exists() and leftover.stat().st_size == 0:
            leftover.unlink()


async def _story(kiosk: Store, central: RunningServer) -> None:
    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as client:
        worker = SyncWorker(kiosk, client, concurrency=1, backoff=SLOW)
        await pull(kiosk, client)  # campaigns and the custom field, as on a first start

        # 1. online registrations, delivered.
        kiosk.apply_edit({"card_number": ANN, "first_name": "Ann", "customer_PIN": "1357"})
        kiosk.apply_edit({"card_number": BEN, "first_name": "Ben", "customer_PIN": "2468"})
        kiosk.apply_edit({"card_number": FAY, "first_name": "Fay", "city": "Oldtown"})
        report = await worker.drain()
        assert report.delivered == 3, report.summary()

        # 2. Ben's credit: applied centrally, answer lost.
        ben = kiosk.find_customer(BEN)
        assert ben is not None
        kiosk.apply_edit({"code": ben["code"], "auto_add": "10", "campaign_id": "1"})
        central.control.set(FaultConfig(seed=1, drop_after_apply=1.0, only_writes=True))
        await worker.drain()

        # 3. Dan's registration: reset before it was applied.
        kiosk.apply_edit({"card_number": DAN, "first_name": "Dan"})
        central.control.set(FaultConfig(seed=2, reset_before=1.0, only_writes=True))
        await worker.drain()
        central.control.set(FaultConfig())

        # 4. Fay: a credit the central API refuses, and a change waiting behind it.
        kiosk.define_campaign(Campaign("77", "Local promotion", "points"))
        fay = kiosk.find_customer(FAY)
        assert fay is not None
        kiosk.apply_edit({"code": fay["code"], "auto_add": "5", "campaign_id": "77"})
        kiosk.apply_edit({"code": fay["code"], "city": "Newtown"})
        report = await worker.drain()
        assert report.needs_attention == 1, report.summary()

    # 5. offline.
    central.stop()
    ann = kiosk.find_customer(ANN)
    assert ann is not None
    kiosk.apply_edit({"code": ann["code"], "phone": "555-0101"})
    kiosk.apply_edit({"code": ann["code"], "auto_add": "25", "campaign_id": "1"})
    kiosk.apply_edit({"code": ann["code"], "customer_PIN": "9753"})
    kiosk.apply_edit({"code": ben["code"], "email": "ben@example.com"})
    kiosk.apply_edit({"card_number": CLEO, "first_name": "Cleo", "custom_field_1": "Gouda"})
    kiosk.apply_edit({"card_number": CLEO, "auto_add": "Latte", "campaign_id": "2"})
    kiosk.apply_edit({"card_number": EVE, "first_name": "Eve"}, action="new")
    gus = kiosk.apply_edit({"card_number": GUS, "first_name": "Gus"})
    assert gus.entry_id is not None
    outbox.discard(kiosk.db, gus.entry_id, reason="registered by mistake", actor="staff")
    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as client:
        offline = SyncWorker(kiosk, client, concurrency=1, backoff=SLOW)
        report = await offline.drain()
        assert report.retried >= 1, report.summary()

    # 6. wrong PINs: Ann twice (one more locks her card), Ben three times (locked, 30 s).
    for code, wrong in ((ann["code"], 2), (ben["code"], 3)):
        for _ in range(wrong):
            pin_locks.record_failure(kiosk.db, code, now=time.time())


def main(argv: list[str]) -> int:
    """``make_fixture.py DIRECTORY NAME``: write DIRECTORY/NAME.db and NAME-central.db."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory, name = Path(argv[0]), argv[1]
    directory.mkdir(parents=True, exist_ok=True)
    kiosk_path, central_path = directory / f"{name}.db", directory / f"{name}-central.db"
    for path in (kiosk_path, central_path):
        if path.exists():
            print(f"{path} exists: a fixture is never rewritten", file=sys.stderr)
            return 1
    with Store(central_path) as setup:
        _central_setup(setup)
    central = start_server(central_path)
    try:
        with Store(kiosk_path) as kiosk:
            asyncio.run(_story(kiosk, central))  # stops the server when the line goes down
            states = outbox.counts(kiosk.db)
            in_doubt = kiosk.db.conn.execute(
                "SELECT count(*) FROM outbox WHERE in_doubt = 1"
            ).fetchone()[0]
            schema = applied_version(kiosk.db)
    except BaseException:
        central.stop()
        raise
    _checkpoint(kiosk_path)
    _checkpoint(central_path)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(json.dumps({"commit": commit, "schema": schema, "states": states, "in_doubt": in_doubt}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
