"""Fixtures for the system tests: a valid config file with a private credentials file."""

from __future__ import annotations

import logging
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
