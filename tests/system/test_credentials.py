"""The API key handed over by systemd (``LoadCredential=api-key:...``, issue 16), and the config's
credentials file still supported, and still checked, for running by hand (S8)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.settings import ConfigError, delivered_credential, load_settings
from tests.conftest import register_secret
from tests.system.conftest import API_KEY

DELIVERED_KEY = "d3livered-By-Systemd-9876"
register_secret(DELIVERED_KEY)  # S8: the leak test checks it appears nowhere


def credentials_directory(tmp_path: Path, text: str) -> Path:
    """What systemd makes for the service: a private directory with the ``api-key`` copy."""
    directory = tmp_path / "credentials.d"
    directory.mkdir(mode=0o500)
    key = directory / "api-key"
    key.write_text(text)
    key.chmod(0o400)
    return directory


def test_under_the_unit_the_delivered_key_is_used_and_the_file_needs_no_access(
    tmp_path: Path,
    write_config: Callable[..., Path],
    credentials: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    directory = credentials_directory(tmp_path, f"{DELIVERED_KEY}\n")
    credentials.chmod(0o644)  # the service cannot see the real file (InaccessiblePaths=)
    environ = {"CREDENTIALS_DIRECTORY": str(directory)}
    loaded = load_settings(write_config(), environ=environ)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))
    assert delivered_credential() == directory / "api-key"
    assert loaded.central.read_api_key() == DELIVERED_KEY


def test_run_by_hand_the_config_file_is_read_and_checked(
    write_config: Callable[..., Path], credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    loaded = load_settings(write_config(), environ={})
    assert loaded.central.read_api_key() == API_KEY
    credentials.chmod(0o644)
    with pytest.raises(ConfigError, match="must be readable by its owner only"):
        load_settings(write_config(), environ={})


def test_no_key_to_hand_over_says_which_file_to_fill_without_showing_anything_secret(
    tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unit's SetCredential= default (a comment) when /etc/kiosk/credentials is missing."""
    directory = credentials_directory(
        tmp_path, "# no key: systemd could not read /etc/kiosk/credentials"
    )
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))
    loaded = load_settings(write_config(), environ={"CREDENTIALS_DIRECTORY": str(directory)})
    with pytest.raises(ConfigError) as refused:
        loaded.central.read_api_key()
    message = str(refused.value)
    assert "systemd handed over no API key" in message
    assert "LoadCredential=api-key:/etc/kiosk/credentials" in message
    assert "then restart the service" in message
    assert API_KEY not in message


def test_a_credentials_directory_without_our_key_is_not_a_delivery(tmp_path: Path) -> None:
    directory = tmp_path / "other.d"
    directory.mkdir()
    (directory / "something-else").write_text("x")
    assert delivered_credential({"CREDENTIALS_DIRECTORY": str(directory)}) is None
    assert delivered_credential({}) is None
