"""``systemd/install.sh`` upgrades in place and rolls back (issue 16), in a throw-away root.

The story: a Pi installed before releases existed (a plain venv in /opt/kiosk/venv, release A)
holds a database written by release 0.1.0 with a week of queued changes. The installer upgrades
it to release B (built beside A, checked, switched atomically, units restarted), and rolls back
to A; each step run a second time changes nothing, and the whole cycle run again ends in the same
state. A release whose migrations break, or whose doctor fails a check that passes now, is built
but never switched to. The database itself is never written by the installer (only copies).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.system.conftest import API_KEY, STAFF_PIN_HASH, tree

REPO = Path(__file__).parents[2]
FIXTURE = REPO / "tests/upgrade/fixtures/release-0.1.0.db"
UNITS = "kiosk.service kiosk-sync.service kiosk-cage.service"

Run = Callable[..., subprocess.CompletedProcess[str]]


def make_source(
    directory: Path, version: str, patch: dict[str, tuple[str, str]] | None = None
) -> Path:
    """A source tree of the kiosk at ``version``; ``patch`` maps a file to (old, new) text."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("kiosk", "device", "systemd"):
        shutil.copytree(REPO / name, directory / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, directory / name)
    init = directory / "kiosk/__init__.py"
    text = init.read_text()
    start = text.index('__version__ = "')
    end = text.index('"', start + len('__version__ = "'))
    init.write_text(text[:start] + f'__version__ = "{version}' + text[end:])
    for name, (old, new) in (patch or {}).items():
        path = directory / name
        content = path.read_text()
        assert old in content, (name, old)
        path.write_text(content.replace(old, new))
    return directory


def release_of(link: Path) -> str:
    return os.readlink(link).removeprefix("releases/")


def state(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every path under ``root`` with its type, mode and content hash or link target (no times)."""
    listing = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if path.is_symlink():
            kind, what = "l", os.readlink(path)
        elif path.is_dir():
            kind, what = "d", ""
        else:
            kind, what = "f", hashlib.sha256(path.read_bytes()).hexdigest()
        listing[str(path.relative_to(root))] = (kind, info.st_mode, what)
    return listing


def kiosk_version(root: Path, install_env: dict[str, str]) -> str:
    """What the installed ``kiosk --version`` (through /opt/kiosk/venv) prints."""
    result = subprocess.run(
        [str(root / "opt/kiosk/venv/bin/kiosk"), "--version"],
        env={**os.environ, "PYTHONPATH": install_env["PYTHONPATH"]},
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    return result.stdout.strip()


@pytest.fixture
def pi(tmp_path: Path, install_env: dict[str, str]) -> Path:
    """A throw-away root as release A left it before issue 16: a plain venv, a valid config, the
    API key, and a database written by release 0.1.0 holding queued changes."""
    root = tmp_path / "root"
    source = make_source(tmp_path / "src-a", "0.2.0a1")
    venv = root / "opt/kiosk/venv"
    subprocess.run(
        [install_env["KIOSK_PYTHON"], "-m", "venv", "--without-pip", str(venv)], check=True
    )
    subprocess.run(
        [install_env["KIOSK_PYTHON"], "-m", "pip", "--python", str(venv / "bin/python"),
         "install", "--quiet", "--no-deps", "--disable-pip-version-check", str(source)],
        check=True,
        cwd=tmp_path,
    )
    (venv / ".kiosk-source.sha256").write_text("a" * 64 + "\n")
    etc, state_dir = root / "etc/kiosk", root / "var/lib/kiosk"
    etc.mkdir(parents=True)
    state_dir.mkdir(parents=True)
    credentials = etc / "credentials"
    credentials.write_text(f"{API_KEY}\n")
    credentials.chmod(0o600)
    (etc / "kiosk.toml").write_text(
        'store_name = "Upgrade shop"\n\n'
        f'[database]\npath = "{state_dir}/kiosk.db"\n\n[reader]\nspec = "terminal"\n\n'
        '[central]\nurl = "http://127.0.0.1:9/"\naccount_id = "1001"\nuser_id = "2002"\n'
        f'credentials_file = "{credentials}"\n\n'
        f'[ui]\nstaff_pin_hash = "{STAFF_PIN_HASH}"\n'
    )
    shutil.copy(FIXTURE, state_dir / "kiosk.db")
    return root


def test_upgrade_and_rollback_twice_change_nothing_the_second_time(
    pi: Path, tmp_path: Path, run_install: Run, install_env: dict[str, str]
) -> None:
    database = pi / "var/lib/kiosk/kiosk.db"
    data = hashlib.sha256(database.read_bytes()).hexdigest()
    venv, previous = pi / "opt/kiosk/venv", pi / "opt/kiosk/previous"
    b = make_source(tmp_path / "src-b", "0.2.0b1")

    upgraded = run_install(b, pi)
    out = upgraded.stdout
    assert "moved the installed kiosk 0.2.0a1 to " in out
    assert "checking kiosk 0.2.0b1 (database schema " in out
    assert "migrations on a copy of the database: ok: a copy of " in out
    assert "10 changes waiting, 1 needing attention" in out
    assert "kiosk doctor: nothing fails that passes under 0.2.0a1-" in out
    assert f"would run: systemctl try-restart {UNITS}" in out
    assert release_of(venv).startswith("0.2.0b1-") and release_of(previous).startswith("0.2.0a1-")
    assert venv.is_symlink() and kiosk_version(pi, install_env).startswith("kiosk 0.2.0b1 ")
    assert hashlib.sha256(database.read_bytes()).hexdigest() == data, "only a copy is migrated"
    after_upgrade = state(pi)

    before = tree(pi)
    again = run_install(b, pi)
    assert tree(pi) == before
    assert "package up to date" in again.stdout and "try-restart" not in again.stdout

    rolled = run_install(b, pi, "--rollback")
    assert f"would run: systemctl try-restart {UNITS}" in rolled.stdout
    assert release_of(venv).startswith("0.2.0a1-")
    assert kiosk_version(pi, install_env).startswith("kiosk 0.2.0a1 ")
    after_rollback = state(pi)

    before = tree(pi)
    again = run_install(b, pi, "--rollback")
    assert tree(pi) == before
    assert "already running the previous release" in again.stdout
    assert "try-restart" not in again.stdout

    # The whole cycle again: B is not rebuilt, and each step ends where it did the first time.
    again = run_install(b, pi)
    assert "already built" in again.stdout and "installed the kiosk package" not in again.stdout
    assert state(pi) == after_upgrade
    run_install(b, pi, "--rollback")
    assert state(pi) == after_rollback
    assert hashlib.sha256(database.read_bytes()).hexdigest() == data


def test_a_release_that_fails_its_checks_is_never_switched_to(
    pi: Path, tmp_path: Path, run_install: Run, install_env: dict[str, str]
) -> None:
    run_install(make_source(tmp_path / "src-b", "0.2.0b1"), pi)
    running = release_of(pi / "opt/kiosk/venv")

    broken_migration = make_source(
        tmp_path / "src-c",
        "0.2.0rc1",
        {
            "kiosk/storage/migrations.py": (
                "\nif tuple(migration.name",
                '\n@MIGRATIONS()\ndef m999_broken(db: Database) -> None:\n'
                '    """A migration that fails."""\n'
                '    db.execute("ALTER TABLE no_such_table ADD COLUMN x")\n\n\n'
                "if tuple(migration.name",
            ),
            # The release lists its migrations where an open checks for them without sqlite-utils.
            "kiosk/storage/schema_version.py": (
                '    "m009_queue_at_scale",\n)',
                '    "m009_queue_at_scale",\n    "m999_broken",\n)',
            ),
        },
    )
    refused = run_install(broken_migration, pi, ok=False)
    assert refused.returncode == 1
    assert "release 0.2.0rc1-" in refused.stderr and "cannot use the database" in refused.stderr
    assert f"still running {running}" in refused.stderr
    assert release_of(pi / "opt/kiosk/venv") == running
    assert kiosk_version(pi, install_env).startswith("kiosk 0.2.0b1 ")

    clock_fails = make_source(
        tmp_path / "src-d",
        "0.2.0rc2",
        {
            "kiosk/cli/system.py": (
                '    return Check("clock", True, f"{now:%Y-%m-%d %H:%M} UTC")',
                '    return Check("clock", False, "broken by this release")',
            )
        },
    )
    refused = run_install(clock_fails, pi, ok=False)
    assert refused.returncode == 1
    assert "fails doctor checks that pass under " + running + " (clock)" in refused.stderr
    assert release_of(pi / "opt/kiosk/venv") == running
    assert "try-restart" not in refused.stdout
