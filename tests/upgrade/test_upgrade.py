"""Upgrades never lose a queued change (issue 16): databases written by every released schema open
in this version, migrate forward, and deliver every queued entry to the reference central API
with the intent it was made with (S1-S6); a newer database is refused by an older release.

Fixtures are committed files made by ``make_fixture.py`` with the release they are named after
(``README.md`` says how and from which commit). The central API is the reference server over the
central file saved with the fixture, on a real loopback port.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

import kiosk
from kiosk.central.client import CentralClient
from kiosk.cli import main
from kiosk.domain.fields import Campaign
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer, start_server
from kiosk.reference.store import ReferenceStore
from kiosk.storage import pin_locks
from kiosk.storage.customer_store import Store
from kiosk.storage.migrations import MIGRATIONS
from kiosk.storage.schema_version import (
    OLDEST_READER,
    OLDEST_READER_KEY,
    SCHEMA_VERSION,
    SchemaTooNew,
    known_names,
)
from kiosk.sync.intent import Backoff
from kiosk.sync.worker import SyncWorker
from tests.upgrade.central_import import import_release_central

FIXTURES = Path(__file__).parent / "fixtures"
ANN, BEN, CLEO, DAN, EVE, FAY, GUS = (f"400000000000000{n}" for n in range(1, 8))
"""The fixture customers' cards, as make_fixture.py wrote them (that script runs with the
release's own code, so this test does not import it)."""
FAST = Backoff(base_seconds=0.01, cap_seconds=0.05)


@dataclass(frozen=True)
class Release:
    """One released schema's fixture and what its queue holds before the upgrade."""

    name: str
    schema: int
    states: dict[str, int]
    in_doubt: int


RELEASES = [
    Release(
        "release-0.1.0",
        schema=4,
        states={"pending": 10, "attention": 1, "discarded": 1, "delivered": 3},
        in_doubt=3,
    ),
]
"""Every released schema, oldest first. A release that changes the schema adds its fixture."""


@dataclass
class Upgraded:
    kiosk: Store
    central: RunningServer
    path: Path


@pytest.fixture(params=RELEASES, ids=lambda release: release.name)
def upgraded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Upgraded]:
    """A copy of the release's kiosk file opened by this version, and its central API."""
    release: Release = request.param
    path = tmp_path / "kiosk.db"
    shutil.copy(FIXTURES / f"{release.name}.db", path)
    import_release_central(FIXTURES / f"{release.name}-central.db", tmp_path / "central.db")
    with sqlite3.connect(path) as conn:
        applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert len(applied) == release.schema
    central = start_server(tmp_path / "central.db")
    try:
        with Store(path) as store:
            yield Upgraded(store, central, path)
    finally:
        central.stop()


def central_customers(central: RunningServer) -> dict[str, dict[str, Any]]:
    """Central customers by card number, with balances, custom values and PIN checks."""

    def query(store: ReferenceStore) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for (code,) in store.conn.execute("SELECT code FROM customers").fetchall():
            record = store.customer(code)
            assert record is not None
            record["balances"] = {
                (b["campaign_id"], b["item"]): b["balance"] for b in store.balances(code)
            }
            record["custom"] = store.custom_values(code)
            record["pin"] = next(
                (pin for pin in ("1357", "2468", "9753") if store.verify_pin(code, pin)), None
            )
            assert record["card_number"] not in found, "two central customers share a card"
            found[record["card_number"]] = record
        return found

    return central.read(query)


async def test_every_queued_entry_of_a_released_database_is_delivered_with_its_intent(
    upgraded: Upgraded, request: pytest.FixtureRequest
) -> None:
    """Issue 16: registrations, updates, credits, a PIN change, entries in doubt either way,
    a needs-attention credit and a discarded entry, written by the release, all end as the
    person meant them: each customer once, each credit once (S5), the refused one only after
    staff retried it (S6), the discarded one never."""
    release: Release = request.node.callspec.params["upgraded"]
    store, central = upgraded.kiosk, upgraded.central
    assert store.outbox.counts() == release.states
    doubt = store.db.conn.execute("SELECT count(*) FROM outbox WHERE in_doubt = 1").fetchone()
    assert doubt == (release.in_doubt,)

    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as client:
        worker = SyncWorker(store, client, concurrency=4, backoff=FAST)
        await worker.drain(max_wait=5.0)
        assert store.outbox.counts().get("pending", 0) == 1  # Fay's city, behind her refusal
        (parked,) = store.outbox.entries(state="attention")
        assert parked.request["campaign_id"] == "77"
        before_retry = central_customers(central)
        assert before_retry[FAY]["city"] == "Oldtown"

        # Staff set the campaign up centrally, then retry the refused credit.
        central.read(lambda s: s.define_campaign(Campaign("77", "Local promotion", "points")))
        assert main(["outbox", "retry", "--db", str(upgraded.path), parked.entry_id]) == 0
        await worker.drain(max_wait=5.0)

    assert store.outbox.counts() == {"delivered": 14, "discarded": 1}
    assert store.db.conn.execute("SELECT count(*) FROM outbox WHERE in_doubt = 1").fetchone() == (
        0,
    )
    customers = central_customers(central)
    assert sorted(customers) == sorted([ANN, BEN, CLEO, DAN, EVE, FAY])  # Gus was discarded
    expected = {
        ANN: {"first_name": "Ann", "phone": "555-0101", "pin": "9753"},
        BEN: {"first_name": "Ben", "email": "ben@example.com", "pin": "2468"},
        CLEO: {"first_name": "Cleo", "custom": {1: "Gouda"}, "pin": None},
        DAN: {"first_name": "Dan", "pin": None},
        EVE: {"first_name": "Eve", "code": EVE},
        FAY: {"first_name": "Fay", "city": "Newtown"},
    }
    for card, fields in expected.items():
        for name, value in fields.items():
            assert customers[card][name] == value, (card[-4:], name)
    balances = {card: record["balances"] for card, record in customers.items()}
    assert balances == {
        ANN: {("1", ""): "25"},
        BEN: {("1", ""): "10"},  # applied once though its answer was lost (S5)
        CLEO: {("2", "Latte"): "1"},
        DAN: {},
        EVE: {},
        FAY: {("77", ""): "5"},
    }
    # Locally: every customer carries its central code, and no plain PIN is left (S4, S9).
    for card, record in customers.items():
        mine = store.find_customer(card)
        assert mine is not None and mine["code"] == record["code"] and mine["central_known"]
    for entry in store.outbox.entries(state="delivered"):
        assert entry.request.get("customer_PIN", "") == ""
    assert store.find_customer(GUS) is not None  # the discarded registration stays local


def test_pin_failures_and_locks_survive_the_upgrade(upgraded: Upgraded) -> None:
    """S9: a card's wrong PINs count on across the upgrade; the next lock of a card already
    locked once lasts twice as long."""
    store = upgraded.kiosk
    ann, ben = store.find_customer(ANN), store.find_customer(BEN)
    assert ann is not None and ben is not None
    assert pin_locks.lock_state(store.db, ann["code"]).failures == 2
    assert pin_locks.lock_state(store.db, ben["code"]).lock_count == 1


def test_the_upgrade_records_the_schema_version_and_the_oldest_reader(upgraded: Upgraded) -> None:
    with sqlite3.connect(upgraded.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        oldest = conn.execute("SELECT value FROM state WHERE key = ?", (OLDEST_READER_KEY,))
        assert oldest.fetchone() == (str(OLDEST_READER),)
    assert [m.name for m in MIGRATIONS.applied(Database(upgraded.kiosk.db.conn))] == known_names()


@pytest.mark.parametrize("release", RELEASES, ids=lambda release: release.name)
def test_shipped_migrations_are_never_edited_or_removed(release: Release, tmp_path: Path) -> None:
    """Forward-only: the release's migrations are the first of ours, in order, and running ours
    up to the same point on an empty file builds exactly the release's schema."""
    with sqlite3.connect(FIXTURES / f"{release.name}.db") as conn:
        shipped = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
        release_schema = _schema(conn)
    assert known_names()[: len(shipped)] == shipped
    db = Database(tmp_path / "fresh.db")  # the migration set alone, without Store's bookkeeping
    following = known_names()[len(shipped) :]
    MIGRATIONS.apply(db, stop_before=following[0] if following else None)
    assert _schema(db.conn) == release_schema


def _schema(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'state'"
    )
    return {(kind, name, " ".join(sql.split())) for kind, name, sql in rows}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mark_newer(path: Path, *, version: int, oldest_reader: int | None) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("DELETE FROM state WHERE key = ?", (OLDEST_READER_KEY,))
        if oldest_reader is not None:
            conn.execute(
                "INSERT INTO state (key, value) VALUES (?, ?)",
                (OLDEST_READER_KEY, str(oldest_reader)),
            )
    conn.close()


def _current_database(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.db"
    with Store(path) as store:
        store.apply_edit({"card_number": "5000000000000001", "first_name": "Queued"})
    return path


def test_an_older_release_refuses_a_newer_database_and_leaves_it_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file from a release whose schema this one does not know, marked unusable by older
    software, is refused before anything is written, with what to do."""
    path = _current_database(tmp_path)
    _mark_newer(path, version=SCHEMA_VERSION + 1, oldest_reader=SCHEMA_VERSION + 1)
    before = _digest(path)

    with pytest.raises(SchemaTooNew) as refused:
        Store(path)
    message = str(refused.value)
    assert f"newer kiosk release (schema {SCHEMA_VERSION + 1})" in message
    assert f"kiosk {kiosk.__version__} (schema {SCHEMA_VERSION}) cannot use safely" in message
    assert "Install the newer release again" in message
    assert _digest(path) == before

    assert main(["migrate", "--db", str(path)]) == 1
    assert main(["outbox", "list", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("newer kiosk release") == 2
    assert _digest(path) == before


def test_a_newer_database_from_unknown_migrations_is_refused_without_a_marker(
    tmp_path: Path,
) -> None:
    path = _current_database(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('kiosk', 'm999_from_the_future', '2030-01-01')"
        )
        conn.execute("DELETE FROM state WHERE key = ?", (OLDEST_READER_KEY,))
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer kiosk release"):
        Store(path)


def test_a_newer_database_its_release_declared_usable_by_ours_opens(tmp_path: Path) -> None:
    """The rollback case: a release whose migrations only added things keeps the oldest reader
    low, so going back one release keeps the queue working."""
    path = _current_database(tmp_path)
    _mark_newer(path, version=SCHEMA_VERSION + 2, oldest_reader=OLDEST_READER)
    with Store(path) as store:
        assert store.outbox.counts() == {"pending": 1}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION + 2,)
    conn.close()


def test_migrate_on_a_copy_leaves_the_release_database_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What install.sh runs before switching: the migrations run on a copy."""
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "release-0.1.0.db", path)
    before = _digest(path)
    assert main(["migrate", "--copy", "--db", str(path), "--work-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: a copy of {path}: ")
    expected = (
        f"schema 4 -> {SCHEMA_VERSION}" if SCHEMA_VERSION > 4 else "schema 4 (no migration"
    )
    assert expected in out and "10 changes waiting, 1 needing attention" in out
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]


def test_kiosk_version_names_the_release_and_its_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == (
        f"kiosk {kiosk.__version__} (database schema {SCHEMA_VERSION})\n"
    )
