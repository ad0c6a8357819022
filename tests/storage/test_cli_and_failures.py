"""The `kiosk customer` and `kiosk outbox list` commands, and storage failures (full disk, lock)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.storage import database
from kiosk.storage.customer_store import Store, StoreError
from kiosk.storage.schema_version import SCHEMA_VERSION


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().out


def test_customer_edit_prints_the_api_response_and_queues_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R1 locally: the exact XML the API gives; exit 0; one outbox entry."""
    db = str(tmp_path / "k.db")
    status, out = run(capsys, "customer", "edit", "--db", db, "code=0042", "first_name=John")
    assert status == 0
    assert out == (
        '<response status="success">\n<customer status="new">\n<code>0042</code>\n'
        "</customer>\n</response>\n"
    )
    status, out = run(
        capsys, "customer", "edit", "--db", db, "--output", "json", "code=0042", "city=Anytown"
    )
    assert status == 0 and json.loads(out) == {
        "status": "success",
        "customer": {"status": "update", "code": "0042"},
    }
    status, out = run(capsys, "outbox", "list", "--db", db)
    assert status == 0 and out.count("pending") == 2


def test_customer_edit_accepts_output_fields_as_field_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R3: callback and condensed are accepted as FIELD=VALUE."""
    db = str(tmp_path / "k.db")
    status, out = run(
        capsys,
        "customer",
        "edit",
        "--db",
        db,
        "code=7",
        "first_name=A",
        "callback=cb",
        "condensed=yes",
    )
    assert status == 0
    assert out.strip() == 'cb({"status":"success","customer":{"status":"new","code":"7"}})'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["first_name"], "Expected FIELD=VALUE"),
        (["colour=red"], "Unknown field"),
        (["user_password=secret"], "not needed locally"),
        (["custom_date=2023-02-30"], "custom_date"),
        ([], "Nothing to record"),
    ],
)
def test_customer_edit_errors_exit_1_with_the_error_response(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """R4: an error response on stdout and exit status 1; nothing queued."""
    db = str(tmp_path / "k.db")
    Store(db).close()  # an existing kiosk database, so that "nothing queued" can be read back
    status, out = run(capsys, "customer", "edit", "--db", db, *args)
    assert status == 1
    assert out.startswith('<response status="error">') and message in out
    assert "secret" not in out
    assert run(capsys, "outbox", "list", "--db", db)[1].strip() == "The outbox is empty."


def test_customer_show_masks_the_card_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """S8: every stored field, the card number masked to its last 4 digits, no PIN."""
    db = str(tmp_path / "k.db")
    run(
        capsys,
        "customer",
        "edit",
        "--db",
        db,
        "card_number=4111222233334444",
        "first_name=Zoë",
        "customer_PIN=9753",
    )
    status, out = run(capsys, "customer", "show", "--db", db, "4111222233334444")
    assert status == 0
    assert "Zoë" in out and "************4444" in out
    assert "4111222233334444" not in out and "9753" not in out
    assert "has_pin            True" in out


def test_the_database_path_comes_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--db overrides, and $KIOSK_DB sets the default."""
    monkeypatch.setenv("KIOSK_DB", str(tmp_path / "env.db"))
    assert run(capsys, "customer", "edit", "first_name=Env")[0] == 0
    assert (tmp_path / "env.db").exists()


def test_a_full_disk_gives_a_clear_error_and_leaves_the_database_intact(store: Store) -> None:
    """Bad input/S10: SQLITE_FULL (simulated by capping the page count) refuses the edit with a
    plain message; nothing is half-written and the file passes integrity_check."""
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    store.db.conn.execute(f"PRAGMA max_page_count = {pages + 3}")
    saved = 0
    with pytest.raises(StoreError, match="disk is full"):
        for i in range(500):
            store.apply_edit({"first_name": f"N{i}", "custom_field": "x" * 999})
            saved += 1
    store.db.conn.execute("PRAGMA max_page_count = 1073741823")
    assert store.count_customers() == saved  # every acknowledged edit, and only those
    assert store.db.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == saved
    assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.apply_edit({"first_name": "After"}).plan.status == "new"


def test_a_locked_database_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad input: another writer holding the lock gives 'busy', and nothing changes."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.05)
    path = tmp_path / "locked.db"
    with Store(path) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="busy"):
                store.apply_edit({"first_name": "Blocked"})
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert store.count_customers() == 0
        assert store.apply_edit({"first_name": "Later"}).plan.status == "new"


def test_migrations_are_safe_to_run_again(tmp_path: Path) -> None:
    """Schema migrations run at every open; a second open changes nothing."""
    path = tmp_path / "m.db"
    Store(path).close()
    before = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    with Store(path) as again:
        count = again.db.conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    after = sqlite3.connect(path).execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert before == after and count == SCHEMA_VERSION


def test_a_new_database_and_its_journal_are_private(tmp_path: Path) -> None:
    """S9: a database holds queued PINs until delivery, so a new one is mode 0600 (and so are
    the -wal and -shm files SQLite makes beside it), whatever the umask."""
    import os

    old = os.umask(0o022)
    try:
        with Store(tmp_path / "new" / "kiosk.db") as store:
            store.apply_edit({"card_number": "6001000000000111", "customer_PIN": "2468"})
            paths = [tmp_path / "new" / name for name in ("kiosk.db", "kiosk.db-wal")]
            modes = {path.name: path.stat().st_mode & 0o777 for path in paths}
    finally:
        os.umask(old)
    assert modes == {"kiosk.db": 0o600, "kiosk.db-wal": 0o600}
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def test_read_only_commands_never_create_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong --db is an error with status 2, and neither the file nor its folder appears."""
    missing = tmp_path / "no" / "such" / "kiosk.db"
    for command in (
        ["outbox", "list"],
        ["outbox", "attention"],
        ["outbox", "retry", "abc"],
        ["outbox", "discard", "abc", "--reason", "x"],
        ["customer", "show", "6001000000000111"],
    ):
        assert main([*command, "--db", str(missing)]) == 2, command
        assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()
