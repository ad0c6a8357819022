"""Fixtures for the system tests: a valid config file with a private credentials file."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk import logging_setup
from kiosk.domain.secrets import hash_secret

API_KEY = "k3y-Very-Secret-0123abcdef"
"""The API key the fixture config's credentials file holds."""
STAFF_PIN = "482916"
"""The staff PIN whose hash the fixture config holds."""
STAFF_PIN_HASH = hash_secret(STAFF_PIN, n=2**10)
"""A cheap hash (low cost factor) so that the tests stay fast; same format as the real one."""


def config_text(credentials: Path, **overrides: str) -> str:
    """A valid kiosk.toml; ``overrides`` replace whole sections by name (``ui="..."``)."""
    sections = {
        "top": 'store_name = "Corner Shop"',
        "database": '[database]\npath = "/var/lib/kiosk/kiosk.db"',
        "reader": '[reader]\nspec = "terminal"',
        "central": (
            "[central]\n"
            'url = "https://api.example.com/api"\n'
            'account_id = "1001"\n'
            "user_id = 2002\n"
            f'credentials_file = "{credentials}"\n'
            "timeout_seconds = 7.5"
        ),
        "sync": "[sync]\nconcurrency = 6\nstale_after_hours = 12\npull_interval_minutes = 0",
        "ui": (
            "[ui]\ninactivity_timeout_seconds = 45\n"
            f'staff_pin_hash = "{STAFF_PIN_HASH}"\npin_max_tries = 5'
        ),
    }
    sections.update(overrides)
    return "\n\n".join(sections.values()) + "\n"


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    """A credentials file holding ``API_KEY``, mode 0600, owned by us."""
    path = tmp_path / "credentials"
    path.write_text(f"{API_KEY}\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def write_config(tmp_path: Path, credentials: Path) -> Callable[..., Path]:
    """Write ``config_text(credentials, **overrides)`` (or raw ``text=``) and return its path."""

    def write(text: str | None = None, **overrides: str) -> Path:
        path = tmp_path / "kiosk.toml"
        path.write_text(config_text(credentials, **overrides) if text is None else text)
        return path

    return write


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """Leave the root logger and the secret registry as they were."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging_setup.clear_secrets()


_NOT_DEPENDENCIES = ("pip", "setuptools", "_distutils_hack", "pkg_resources", "__editable__")
"""Entries of the test venv's site-packages that are the installer's business, not the kiosk's
dependencies (the kiosk itself is installed by install.sh into each release)."""


@pytest.fixture(scope="session")
def install_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for running ``systemd/install.sh`` in a throw-away root, offline.

    The releases it builds are installed with ``--no-deps`` (no download); the kiosk's
    dependencies come from this test venv through ``PYTHONPATH``: a directory of links to them,
    without pip, setuptools or the editable kiosk, so that each release runs its own copy of the
    kiosk. ``KIOSK_PYTHON`` is this venv's interpreter, whose pip builds the releases.
    """
    import site
    import sys

    deps = tmp_path_factory.mktemp("dependencies")
    (packages,) = [p for p in site.getsitepackages() if p.startswith(sys.prefix)]
    for entry in Path(packages).iterdir():
        name = entry.name.lower()
        if name.startswith(_NOT_DEPENDENCIES) or name.startswith("card_kiosk"):
            continue
        if entry.suffix == ".pth" or name == "__pycache__":
            continue
        (deps / entry.name).symlink_to(entry)
    return {
        "KIOSK_PYTHON": sys.executable,
        "KIOSK_PIP_ARGS": "--no-deps",
        "KIOSK_SKIP_SYSTEM": "1",
        "PYTHONPATH": str(deps),
    }


@pytest.fixture
def run_install(install_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_install(source, root, *args, ok=True)``: install.sh from ``source`` into ``root``."""

    def run(
        source: Path, root: Path, *args: str, ok: bool = True
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **install_env, "KIOSK_ROOT": str(root)}
        env.pop("KIOSK_SRC", None)
        result = subprocess.run(
            ["bash", str(source / "systemd" / "install.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=root.parent,
        )
        if ok:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    return run


def tree(root: Path) -> dict[str, tuple[str, int, int, str]]:
    """Every path under ``root`` with its type, mode, mtime (ns) and content hash."""
    listing = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        kind = "l" if path.is_symlink() else "d" if path.is_dir() else "f"
        listing[str(path.relative_to(root))] = (kind, info.st_mode, info.st_mtime_ns, digest)
    return listing
