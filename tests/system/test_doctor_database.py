"""``kiosk doctor`` database checks, on real SQLite files (kiosk.doctor.database)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from kiosk.cli import main
from kiosk.cli.system import DoctorContext, make_context, run_doctor
from kiosk.doctor import database as doctor
from kiosk.storage.customer_store import Store
from kiosk.storage.schema_version import SCHEMA_VERSION

CARD = "4000123412341234"
"""A card number that must never appear in the doctor's output (S8)."""


def doctor_lines(ctx: DoctorContext) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = run_doctor(ctx, doctor.DOCTOR_CHECKS, out=out)
    return status, out.getvalue().splitlines()


def line_of(lines: list[str], name: str) -> str:
    found = [line for line in lines if line.split("] ", 1)[1].startswith(f"{name}: ")]
    assert len(found) == 1, lines
    return found[0]


class Kiosk(NamedTuple):
    db: Path
    config: Path


@pytest.fixture
def kiosk(tmp_path: Path, write_config: Callable[..., Path]) -> Kiosk:
    """A config (stale after 12 h) naming a database with one customer and its queued change."""
    db = tmp_path / "data" / "kiosk.db"
    with Store(db) as store:
        store.apply_edit({"card_number": CARD, "first_name": "Ann"})
    config = write_config(database=f'[database]\npath = "{db}"')
    return Kiosk(db, config)


def set_outbox(db: Path, sql: str, *params: object) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(sql, params)


def test_a_healthy_database_passes_every_check_in_order(kiosk: Kiosk) -> None:
    status, lines = doctor_lines(make_context(str(kiosk.config)))
    assert status == 0, lines
    assert [line.split(":")[0] for line in lines] == [
        "[ ok ] database",
        "[ ok ] database integrity",
        "[ ok ] database schema",
        "[ ok ] database journal",
        "[ ok ] sync queue",
        "[ ok ] needs attention",
        "[ ok ] disk space",
    ]
    assert line_of(lines, "database schema") == (
        f"[ ok ] database schema: version {SCHEMA_VERSION} (current)"
    )
    assert line_of(lines, "database journal") == "[ ok ] database journal: WAL"
    assert line_of(lines, "sync queue").startswith("[ ok ] sync queue: 1 change waiting, ")
    assert CARD not in "\n".join(lines)


def test_a_missing_database_is_not_created_and_the_doctor_says_what_creates_it(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    db = tmp_path / "data" / "kiosk.db"
    config = write_config(database=f'[database]\npath = "{db}"')
    status, lines = doctor_lines(make_context(str(config)))
    assert not db.exists()
    assert status == 0  # a fresh install has no database until the kiosk first starts
    assert lines[0] == (
        f"[skip] database: skipped: {db} does not exist yet: the kiosk creates it when it first "
        "starts (sudo systemctl start kiosk); if it ran before, check database.path and $KIOSK_DB"
    )
    assert lines[1] == "[skip] database integrity: skipped: needs a database that opens"


def test_a_copy_with_garbage_written_into_its_middle_fails_the_integrity_check(
    kiosk: Kiosk, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    with Store(kiosk.db) as store:  # enough pages that the middle one holds rows or an index
        for number in range(400):
            store.apply_edit({"card_number": str(5_000_000_000 + number), "last_name": "x" * 60})
    copy = tmp_path / "copy.db"
    shutil.copy(kiosk.db, copy)  # the store is closed: everything is in the main file
    size = copy.stat().st_size
    with copy.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(bytes(range(256)) * 16)
    config = write_config(database=f'[database]\npath = "{copy}"')
    status, lines = doctor_lines(make_context(str(config)))
    assert status == 1
    integrity = line_of(lines, "database integrity")
    assert integrity.startswith("[FAIL] database integrity: the file is damaged: ")
    assert integrity.endswith(f"; fix: {doctor.DAMAGED_FIX}")
    assert line_of(lines, "database").startswith("[ ok ] database: ")  # it opens, though


def test_a_file_that_is_not_sqlite_fails_to_open_and_the_rest_is_skipped(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    db = tmp_path / "kiosk.db"
    db.write_bytes(b"this is not a database" * 100)
    config = write_config(database=f'[database]\npath = "{db}"')
    status, lines = doctor_lines(make_context(str(config)))
    assert status == 1
    assert lines[0] == (
        f"[FAIL] database: {db} does not open as an SQLite database: file is not a database; "
        f"fix: {doctor.DAMAGED_FIX}"
    )
    assert lines[1] == "[skip] database integrity: skipped: needs a database that opens"


def test_a_pending_change_older_than_the_stale_limit_fails_with_the_sync_fix(
    kiosk: Kiosk,
) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)
    # Queued 13 h ago: by the wall clock (shown) and by the kiosk's clock (measured).
    set_outbox(
        kiosk.db,
        "UPDATE outbox SET created_at = ?, created_clock = created_clock - 13 * 3600",
        old.isoformat(),
    )
    status, lines = doctor_lines(make_context(str(kiosk.config)))
    assert status == 1
    queue = line_of(lines, "sync queue")
    assert queue.startswith("[FAIL] sync queue: 1 change waiting, the oldest 13 h")
    assert "past sync.stale_after_hours = 12 (`kiosk status` shows the last contact" in queue
    assert queue.endswith(
        "; fix: check the network (the central checks below), then run `kiosk sync once`"
    )
    assert CARD not in "\n".join(lines)


def test_a_change_needing_attention_fails_with_the_command_that_lists_them(
    kiosk: Kiosk,
) -> None:
    set_outbox(
        kiosk.db, "UPDATE outbox SET state = 'attention', last_error = ?", f"card {CARD} refused"
    )
    status, lines = doctor_lines(make_context(str(kiosk.config)))
    assert status == 1
    assert line_of(lines, "needs attention") == (
        "[FAIL] needs attention: 1 change refused by the central API waits for staff; "
        "fix: kiosk outbox attention (then retry or discard each)"
    )
    assert line_of(lines, "sync queue") == "[ ok ] sync queue: nothing waiting to be sent"
    assert CARD not in "\n".join(lines)


def test_an_older_schema_passes_as_upgradable_and_a_newer_one_fails_with_upgrade(
    kiosk: Kiosk,
) -> None:
    set_outbox(kiosk.db, "DELETE FROM _sqlite_migrations WHERE name = 'm003_sync'")
    check = doctor.check_schema_version(make_context(str(kiosk.config)))
    assert check.ok
    assert check.detail == (
        f"version {SCHEMA_VERSION - 1} of {SCHEMA_VERSION}: will be upgraded at next start"
    )
    for name in ("m003_sync", "m004_from_the_future"):
        set_outbox(
            kiosk.db,
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('kiosk', ?, '2030-01-01')",
            name,
        )
    # The newer release's migrations only added things: it declared the file usable by ours.
    check = doctor.check_schema_version(make_context(str(kiosk.config)))
    assert check.ok
    assert check.detail == (
        f"version {SCHEMA_VERSION + 1}, from a newer release that keeps it usable by this one "
        f"({SCHEMA_VERSION})"
    )
    # It changed something older software relies on: refused, with the upgrade as the fix.
    set_outbox(
        kiosk.db,
        "UPDATE state SET value = ? WHERE key = 'schema.oldest_reader'",
        str(SCHEMA_VERSION + 1),
    )
    check = doctor.check_schema_version(make_context(str(kiosk.config)))
    assert not check.ok
    assert "m004_from_the_future" in check.detail
    assert check.fix.startswith("this kiosk software is older than the database: upgrade")


def test_a_database_not_in_wal_mode_fails_with_the_restart_fix(kiosk: Kiosk) -> None:
    with sqlite3.connect(kiosk.db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    check = doctor.check_journal_mode(make_context(str(kiosk.config)))
    assert not check.ok
    assert check.detail == "journal mode is delete, not WAL"
    assert "sudo systemctl restart kiosk" in check.fix


def test_too_little_free_space_fails_with_how_to_free_some(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shutil.disk_usage(kiosk.db.parent)
    monkeypatch.setattr(
        doctor.shutil, "disk_usage", lambda path: real._replace(free=10 * 1000 * 1000)
    )
    check = doctor.check_disk_space(make_context(str(kiosk.config)))
    assert not check.ok
    assert (
        check.detail == f"only 10.0 MB free on the disk holding {kiosk.db.parent} (under 52.4 MB)"
    )
    assert "journalctl --vacuum-size" in check.fix


def test_kiosk_doctor_runs_the_database_checks_on_the_file_given_by_db(
    kiosk: Kiosk,
    tmp_path: Path,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(database=f'[database]\npath = "{tmp_path}/elsewhere.db"')
    set_outbox(kiosk.db, "UPDATE outbox SET state = 'attention'")
    status = main(["doctor", "--config", str(config), "--db", str(kiosk.db)])
    out = capsys.readouterr().out
    assert status == 1
    assert f"[ ok ] database: {kiosk.db} opens (" in out
    assert "[FAIL] needs attention: 1 change" in out
    assert not (tmp_path / "elsewhere.db").exists()
