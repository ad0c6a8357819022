"""One way to open the store in every command (issue 10): ``--db``, else the configured
``database.path``, else the default; a read-only command never creates anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.storage.customer_store import Store


def park_one_entry(path: Path) -> str:
    """A kiosk database with one entry waiting for staff; returns the entry id."""
    with Store(path) as store:
        result = store.apply_edit({"card_number": "6001000000000953", "first_name": "Olga"})
        assert result.entry_id is not None
        (entry,) = store.outbox.entries()
        store.outbox.needs_attention(entry, "The central API refused this change: test")
        return result.entry_id


def test_outbox_attention_reads_the_configured_database(
    tmp_path: Path,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a Pi, ``kiosk outbox attention --config /etc/kiosk/kiosk.toml`` must show what waits
    in /var/lib/kiosk/kiosk.db, not an empty database in the user's data directory."""
    monkeypatch.delenv("KIOSK_DB", raising=False)
    db = tmp_path / "state" / "kiosk.db"
    entry_id = park_one_entry(db)
    config = write_config(database=f'[database]\npath = "{db}"')
    assert main(["outbox", "attention", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert entry_id[:8] in out and "refused this change" in out


def test_kiosk_config_names_the_database_when_no_option_does(
    tmp_path: Path,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """$KIOSK_CONFIG counts like --config (the systemd units set it)."""
    monkeypatch.delenv("KIOSK_DB", raising=False)
    db = tmp_path / "state" / "kiosk.db"
    entry_id = park_one_entry(db)
    config = write_config(database=f'[database]\npath = "{db}"')
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert main(["outbox", "list"]) == 0
    assert entry_id[:8] in capsys.readouterr().out


def test_db_wins_over_the_config(
    tmp_path: Path, write_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    configured = tmp_path / "configured.db"
    park_one_entry(configured)
    chosen = tmp_path / "chosen.db"
    Store(chosen).close()
    config = write_config(database=f'[database]\npath = "{configured}"')
    assert main(["outbox", "list", "--config", str(config), "--db", str(chosen)]) == 0
    assert capsys.readouterr().out.strip() == "The outbox is empty."


def test_a_missing_database_exits_2_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "kiosk.db"
    assert main(["outbox", "list", "--db", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not missing.parent.exists()


def test_a_broken_config_is_a_clear_error_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[sync\n")
    assert main(["outbox", "list", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "configuration" in err and "not valid TOML" in err
