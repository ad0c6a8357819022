"""The owner's command line refuses bad input plainly (issue 14): JSON errors when JSON was
asked for, invalid UTF-8 and control characters refused, short phone numbers called short, and
``kiosk status`` exits 2 when nothing is configured, as the README says. Run as subprocesses:
the exit status and the bytes on stdout are what scripts see."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.domain.fields import field_problem

ROOT = Path(__file__).resolve().parents[2]


def kiosk(
    *args: str | bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--output", "json", "--bogus"],
        ["--output=json", "first_name"],
        ["--output", "JSON", "colour=red"],
        ["output=json", "first_name=Ann", "phone=12"],
    ],
)
def test_json_was_asked_for_so_every_error_is_json(tmp_path: Path, args: list[str]) -> None:
    result = kiosk("customer", "edit", "--db", str(tmp_path / "k.db"), *args)
    assert result.returncode in (1, 2)
    answer = json.loads(result.stdout)
    assert answer["status"] == "error" and answer["error"]
    assert b"Traceback" not in result.stderr


def test_invalid_utf8_is_refused_without_a_traceback(tmp_path: Path) -> None:
    result = kiosk("customer", "edit", "--db", str(tmp_path / "k.db"), b"first_name=\xff\xfe")
    assert result.returncode == 1
    assert b"not valid UTF-8" in result.stdout
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\x85", "\x9b"])
def test_c0_and_c1_control_characters_are_refused(tmp_path: Path, char: str) -> None:
    """C1 ones too: ``\\x9b`` is a one-byte CSI on a terminal, ``\\x85`` a line break."""
    db = str(tmp_path / "k.db")
    result = kiosk("customer", "edit", "--db", db, "card_number=6001", f"last_name=A{char}B")
    assert result.returncode == 1
    assert b"contains control characters" in result.stdout


def test_every_control_character_is_refused_by_the_field_rule() -> None:
    """All 65 of them, NUL included (which cannot travel in argv)."""
    controls = [*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0))]
    assert len(controls) == 65
    for char in controls:
        assert field_problem("last_name", f"A{char}B") == "Last name contains control characters"


def test_a_short_phone_number_is_called_short(tmp_path: Path) -> None:
    result = kiosk(
        "customer", "edit", "--db", str(tmp_path / "k.db"), "card_number=6001", "phone=12"
    )
    assert result.returncode == 1
    assert b"too short" in result.stdout and b"only digits" not in result.stdout


def test_status_without_a_config_exits_2_as_the_readme_says(tmp_path: Path) -> None:
    env = {
        "KIOSK_CONFIG": "",
        "KIOSK_DB": str(tmp_path / "kiosk.db"),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
    }
    result = kiosk("status", env=env)
    assert result.returncode == 2
    assert b"not set up" in result.stdout
    readme = (ROOT / "README.md").read_text()
    assert "2: no\nconfig or no database" in readme or "2: no config or no database" in readme
