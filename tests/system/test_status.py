"""``kiosk status``: the owner's one-screen summary, through ``kiosk.cli.main``."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.storage.customer_store import Store
from kiosk.storage.sync_state import record_contact
from tests.system.conftest import API_KEY

CARDS = ("4000123412340001", "4000123412340002", "4000123412340003")
"""Card numbers that must never appear whole in the output (S8)."""


def make_store(db: Path) -> None:
    with Store(db) as store:
        for card in CARDS:
            store.apply_edit({"card_number": card, "first_name": "Ann"})


def status_of(
    config: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, list[str], str]:
    code = main(["status", "--config", str(config), *extra])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "kiosk.db"
    make_store(path)
    return path


def test_a_store_with_stale_and_refused_changes_shows_both_warnings_and_exits_1(
    db: Path,
    tmp_path: Path,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)
    with Store(db) as store:
        record_contact(store.db, ok=True)
        record_contact(
            store.db, ok=False, failure=f"Cannot reach the central API (card {CARDS[0]})"
        )
    with sqlite3.connect(db) as conn:
        # Queued 13 h ago: by the wall clock (shown) and by the kiosk's clock (measured).
        conn.execute(
            "UPDATE outbox SET created_at = ?, created_clock = created_clock - 13 * 3600 "
            "WHERE seq = 1",
            (old.isoformat(),),
        )
        conn.execute("UPDATE outbox SET state = 'attention', last_error = 'refused' WHERE seq = 3")
    config = write_config()  # stale after 12 h
    monkeypatch.chdir(tmp_path)  # a short path keeps the database line under 80 columns
    code, lines, err = status_of(config, capsys, "--db", "data/kiosk.db")
    assert code == 1
    assert err == ""
    text = "\n".join(lines)
    assert lines[0].startswith("Corner Shop: kiosk status, ")
    assert lines[1].startswith("Central API  OFFLINE. Last good contact ")
    assert (
        lines[2]
        == "             Last failure: Cannot reach the central API (card ************0001)"
    )
    assert lines[3].startswith("Queue        2 changes waiting, the oldest 13 h")
    assert lines[4] == "             STALE: older than 12 h (sync.stale_after_hours)."
    assert lines[5] == "             Check the network, then run: kiosk sync once"
    assert lines[6] == "Attention    1 change refused by the central API."
    assert lines[7] == "             See them: kiosk outbox attention"
    assert lines[8] == "Reader       terminal: swipes are typed into the kiosk's terminal"
    assert lines[9].startswith("Database     data/kiosk.db (") and lines[9].endswith(" KB).")
    assert lines[10] == "Customers    3"
    assert all(len(line) <= 80 for line in lines)
    assert not any(card in text for card in CARDS)
    assert API_KEY not in text


def test_a_healthy_online_kiosk_exits_0(
    db: Path, write_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(db) as store:
        record_contact(store.db, ok=True)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE outbox SET state = 'delivered'")
    config = write_config(database=f'[database]\npath = "{db}"')
    code, lines, _ = status_of(config, capsys)
    assert code == 0, lines
    assert lines[1].startswith("Central API  online. Last good contact ")
    assert lines[1].endswith(" ago).")
    assert lines[2] == "Queue        nothing waiting to be sent."
    assert lines[3] == "Attention    nothing needs staff."


def test_db_overrides_the_config_and_a_missing_reader_exits_1(
    db: Path,
    tmp_path: Path,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(reader=f'[reader]\nspec = "evdev:{tmp_path}/no-reader"')
    code, lines, _ = status_of(config, capsys, "--db", str(db))
    assert code == 1
    assert lines[2].startswith("Queue        3 changes waiting, the oldest ")
    words = " ".join(" ".join(lines).split())  # a long path goes on a line of its own
    assert f"Reader PROBLEM: {tmp_path}/no-reader does not exist" in words
    assert "Customers    3" in lines


def test_a_missing_database_is_reported_not_created_and_exits_2(
    tmp_path: Path, write_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "none" / "kiosk.db"
    config = write_config(database=f'[database]\npath = "{db}"')
    code, lines, _ = status_of(config, capsys)
    assert code == 2
    words = " ".join(" ".join(lines).split())
    assert f"Database {db} does not exist. The kiosk creates it when it first starts;" in words
    assert not db.exists()
    assert not db.parent.exists()


def test_an_unusable_config_exits_2_with_the_problem_on_stderr(
    write_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(sync="[sync]\nconcurrency = 0")
    code, lines, err = status_of(config, capsys)
    assert code == 2
    assert lines == []
    assert "sync.concurrency: must be a whole number from 1 to 32, got 0" in err
