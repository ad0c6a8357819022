"""Config validation: every bad file is refused with a message naming the key (S8 for secrets)."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk import logging_setup, settings
from kiosk.domain.rewards import OfflinePolicy
from kiosk.settings import ConfigError, Settings, load_settings
from kiosk.settings_credentials import user_name
from kiosk.ui.config import KioskConfig
from tests.system.conftest import API_KEY, STAFF_PIN_HASH

GOOD_CENTRAL = (
    '[central]\nurl = "https://api.example.com/api"\naccount_id = "1001"\nuser_id = "2002"\n'
    'credentials_file = "{credentials}"'
)

BAD_FILES: list[tuple[str, dict[str, str], str]] = [
    (
        "a missing required key",
        {"central": '[central]\nurl = "https://api.example.com/"\nuser_id = "2"'},
        "missing key central.account_id",
    ),
    (
        "a word where a number belongs",
        {"sync": '[sync]\nconcurrency = "four"'},
        'sync.concurrency: must be a whole number from 1 to 32, got "four"',
    ),
    (
        "a number out of range",
        {"sync": "[sync]\nconcurrency = 33"},
        "sync.concurrency: must be a whole number from 1 to 32, got 33",
    ),
    (
        "a boolean where a number belongs",
        {"ui": f'[ui]\nstaff_pin_hash = "{STAFF_PIN_HASH}"\ninactivity_timeout_seconds = true'},
        "ui.inactivity_timeout_seconds: must be a whole number from 5 to 3600, got true",
    ),
    (
        "a timeout that is not a number",
        {"central": GOOD_CENTRAL + '\ntimeout_seconds = "ten"'},
        'central.timeout_seconds: must be a number of seconds from 1 to 300, got "ten"',
    ),
    (
        "an unknown key in a section",
        {"ui": f'[ui]\nstaff_pin_hash = "{STAFF_PIN_HASH}"\ncolour = "red"'},
        "unknown key ui.colour",
    ),
    (
        "an unknown section",
        {"top": 'store_name = "Shop"\n\n[display]\nsize = 3'},
        "unknown key display",
    ),
    (
        "http:// to a non-loopback address",
        {"central": GOOD_CENTRAL.replace("https://api.example.com/api", "http://10.0.0.5/api")},
        "central.url: http:// is only allowed for a loopback address (127.0.0.1, ::1, localhost);"
        " use https://",
    ),
    (
        "a plain staff PIN",
        {"ui": '[ui]\nstaff_pin_hash = "975310"'},
        "ui.staff_pin_hash: looks like a plain PIN",
    ),
    (
        "a staff PIN written as a number",
        {"ui": "[ui]\nstaff_pin_hash = 975310"},
        "ui.staff_pin_hash: looks like a plain PIN",
    ),
    (
        "no staff PIN hash at all",
        {"ui": "[ui]\npin_max_tries = 3"},
        "missing key ui.staff_pin_hash (run `kiosk config hash-pin`",
    ),
    (
        "an unknown reader",
        {"reader": '[reader]\nspec = "usb:3"'},
        "reader.spec: unknown reader kind 'usb' in 'usb:3'",
    ),
    (
        "a serial reader with a bad baud rate",
        {"reader": '[reader]\nspec = "serial:/dev/ttyUSB0?baud=fast"'},
        'reader.spec: baud must be a whole number, got "fast"',
    ),
    (
        "a relative database path",
        {"database": '[database]\npath = "kiosk.db"'},
        'database.path: must be an absolute path, got "kiosk.db"',
    ),
    (
        "a section that is not a table",
        {"top": 'store_name = "Shop"\nsync = "fast"', "sync": ""},
        "sync: must be a table ([sync])",
    ),
    (
        "a custom date label too long for the form's label column",
        {"ui": f'[ui]\nstaff_pin_hash = "{STAFF_PIN_HASH}"\ncustom_date_label = "{"x" * 19}"'},
        "ui.custom_date_label: at most 18 characters, got 19",
    ),
    (
        "a kiosk name longer than the tag keeps",
        {"top": f'store_name = "Shop"\nkiosk_name = "{"c" * 41}"'},
        "kiosk_name: at most 40 characters, got 41",
    ),
    (
        "an offline redemption switch that is not true or false (issue 13)",
        {"rewards": '[rewards]\noffline_redemption = "no"'},
        'rewards.offline_redemption: must be true or false, got "no"',
    ),
    (
        "a negative offline limit (issue 13)",
        {"rewards": "[rewards]\noffline_max_each = -5"},
        "rewards.offline_max_each: must be a number from 0 (no limit) to 1000000 with at most "
        "2 decimals, got -5",
    ),
    (
        "an offline daily limit finer than a cent (issue 13)",
        {"rewards": "[rewards]\noffline_max_per_day = 2.555"},
        "rewards.offline_max_per_day: must be a number from 0 (no limit) to 1000000",
    ),
    (
        "a negative age for delivered history",
        {"sync": "[sync]\nkeep_delivered_days = -1"},
        "sync.keep_delivered_days",
    ),
    (
        "an age for delivered history that is not a number",
        {"sync": '[sync]\nkeep_delivered_days = "a month"'},
        "sync.keep_delivered_days",
    ),
    (
        "an example value left unchanged",
        {"top": 'store_name = "CHANGE-ME"'},
        "store_name: still the example value",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [(case[1], case[2]) for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_bad_config_is_refused_with_a_message_naming_the_key(
    write_config: Callable[..., Path], credentials: Path, overrides: dict[str, str], expected: str
) -> None:
    filled = {
        name: text.replace("{credentials}", str(credentials)) for name, text in overrides.items()
    }
    path = write_config(**filled)
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems


def test_a_plain_pin_is_never_echoed_in_the_error(write_config: Callable[..., Path]) -> None:
    path = write_config(ui='[ui]\nstaff_pin_hash = "975310"')
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert "975310" not in str(raised.value)
    assert "kiosk config hash-pin" in str(raised.value)


def test_a_password_in_the_url_is_refused_without_being_echoed(
    write_config: Callable[..., Path], credentials: Path
) -> None:
    central = GOOD_CENTRAL.format(credentials=credentials).replace(
        "https://api.example.com", "https://shop:hunter22@api.example.com"
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(central=central), environ={})
    assert "central.url: must not contain a user name or password" in str(raised.value)
    assert "hunter22" not in str(raised.value)


def test_every_problem_in_a_file_is_reported_at_once(write_config: Callable[..., Path]) -> None:
    path = write_config(sync='[sync]\nconcurrency = "four"\nspeed = 3', ui="[ui]")
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    problems = raised.value.problems
    assert len(problems) == 3, problems
    assert str(raised.value).splitlines() == problems


def test_a_file_that_is_not_toml_is_refused(write_config: Callable[..., Path]) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write_config(text="store_name = \n"), environ={})


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_credentials_readable_by_others_are_refused_with_the_chmod_fix(
    write_config: Callable[..., Path], credentials: Path, mode: int
) -> None:
    credentials.chmod(mode)
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(), environ={})
    message = str(raised.value)
    assert str(credentials) in message
    assert f"mode {mode:04o}" in message
    assert f"chmod 0600 {credentials}" in message
    assert API_KEY not in message


def test_credentials_owned_by_another_user_are_refused_with_the_chown_fix(
    write_config: Callable[..., Path], credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend the kiosk runs as another user: the file (ours) then belongs to someone else.
    owner = credentials.stat().st_uid
    monkeypatch.setattr(settings.os, "geteuid", lambda: owner + 4321)
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(), environ={})
    message = str(raised.value)
    assert f"{credentials} (owner {user_name(owner)}, mode 0600) is owned by" in message
    assert f"chown uid {owner + 4321} {credentials}" in message


def test_a_missing_credentials_file_is_refused_with_how_to_create_it(
    write_config: Callable[..., Path], credentials: Path
) -> None:
    credentials.unlink()
    with pytest.raises(ConfigError, match="does not exist; create it holding only the API key"):
        load_settings(write_config(), environ={})


def test_a_good_file_loads_with_every_value(
    write_config: Callable[..., Path], credentials: Path
) -> None:
    path = write_config()
    loaded = load_settings(path, environ={})
    assert loaded.store_name == "Corner Shop"
    assert loaded.source == path
    assert loaded.database.path == Path("/var/lib/kiosk/kiosk.db")
    assert (loaded.reader.kind, loaded.reader.target) == ("terminal", "")
    assert loaded.central.url == "https://api.example.com/api"
    assert (loaded.central.account_id, loaded.central.user_id) == ("1001", "2002")
    assert loaded.central.credentials_file == credentials
    assert loaded.central.timeout_seconds == 7.5
    assert (loaded.sync.concurrency, loaded.sync.stale_after_hours) == (6, 12)
    assert loaded.sync.pull_interval_minutes == 0
    assert loaded.sync.keep_delivered_days == 30  # not in the file: the default
    assert loaded.ui.inactivity_timeout_seconds == 45
    assert loaded.ui.staff_pin_hash == STAFF_PIN_HASH
    assert loaded.ui.pin_max_tries == 5
    assert loaded.rewards.policy() == OfflinePolicy(allowed=True, max_each=None, max_per_day=None)


def test_the_offline_redemption_policy_is_read_from_rewards(
    write_config: Callable[..., Path],
) -> None:
    """Issue 13 item 4: off, a maximum per redemption, a maximum per day."""
    rewards = (
        "[rewards]\noffline_redemption = false\noffline_max_each = 50\n"
        "offline_max_per_day = 120.5"
    )
    loaded = load_settings(write_config(rewards=rewards), environ={})
    assert loaded.rewards.policy() == OfflinePolicy(
        allowed=False, max_each=Decimal(50), max_per_day=Decimal("120.5")
    )


def test_the_custom_date_label_and_hint_reach_the_interface(
    write_config: Callable[..., Path],
) -> None:
    """Issue 14: a configurable label and hint for the account's custom date."""
    ui = (
        f'[ui]\nstaff_pin_hash = "{STAFF_PIN_HASH}"\ncustom_date_label = "Birthday"\n'
        'custom_date_hint = "YYYY-MM-DD, e.g. 1990-05-17"'
    )
    config = KioskConfig.from_settings(load_settings(write_config(ui=ui), environ={}))
    assert config.custom_date_label == "Birthday"
    assert config.custom_date_hint == "YYYY-MM-DD, e.g. 1990-05-17"
    defaults = KioskConfig.from_settings(load_settings(write_config(), environ={}))
    assert (defaults.custom_date_label, defaults.custom_date_hint) == ("Date", "YYYY-MM-DD")


def test_settings_are_frozen(write_config: Callable[..., Path]) -> None:
    loaded = load_settings(write_config(), environ={})
    with pytest.raises(AttributeError):
        loaded.sync.concurrency = 9  # type: ignore[misc]


def test_the_repr_holds_neither_the_api_key_nor_the_pin_hash(
    write_config: Callable[..., Path],
) -> None:
    loaded = load_settings(write_config(), environ={})
    assert loaded.central.read_api_key() == API_KEY
    text = repr(loaded) + str(loaded)
    assert API_KEY not in text
    assert STAFF_PIN_HASH not in text
    assert "Corner Shop" in text  # the repr still shows the rest


def test_reading_the_api_key_registers_it_with_the_log_filter(
    write_config: Callable[..., Path], clean_logging: None
) -> None:
    loaded = load_settings(write_config(), environ={})
    assert API_KEY not in logging_setup.mask_text(f"key={API_KEY}")
    loaded.central.read_api_key()
    assert logging_setup.mask_text(f"key={API_KEY}") == "key=[REDACTED]"


def test_http_to_a_loopback_address_is_allowed(
    write_config: Callable[..., Path], credentials: Path
) -> None:
    for url in ("http://127.0.0.1:8765/", "http://[::1]/api", "http://localhost/api"):
        central = GOOD_CENTRAL.format(credentials=credentials).replace(
            "https://api.example.com/api", url
        )
        assert load_settings(write_config(central=central), environ={}).central.url == url


def test_kiosk_db_overrides_the_database_path_of_the_file(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    loaded = load_settings(write_config(), environ={"KIOSK_DB": str(tmp_path / "x.db")})
    assert loaded.database.path == tmp_path / "x.db"


def test_the_database_defaults_to_systemds_state_directory(
    write_config: Callable[..., Path],
) -> None:
    path = write_config(database="")
    loaded = load_settings(path, environ={"STATE_DIRECTORY": "/var/lib/kiosk"})
    assert loaded.database.path == Path("/var/lib/kiosk/kiosk.db")


def test_kiosk_config_names_the_file_when_no_path_is_given(
    write_config: Callable[..., Path],
) -> None:
    path = write_config()
    assert load_settings(environ={"KIOSK_CONFIG": str(path)}).source == path


def test_a_missing_default_file_gives_demo_settings_only_when_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "DEFAULT_CONFIG_PATH", tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(environ={})
    demo = load_settings(allow_missing=True, environ={"KIOSK_DB": str(tmp_path / "demo.db")})
    assert isinstance(demo, Settings)
    assert demo.source is None
    assert demo.reader.spec == "terminal"
    assert demo.database.path == tmp_path / "demo.db"
    assert demo.central.read_api_key() == ""


def test_a_missing_file_named_explicitly_is_an_error_even_when_missing_is_allowed(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "typo.toml", allow_missing=True, environ={})


def test_the_installed_example_config_only_fails_on_the_values_to_fill_in(
    tmp_path: Path, credentials: Path
) -> None:
    example = Path(__file__).parents[2] / "systemd" / "kiosk.toml.example"
    text = example.read_text().replace("/etc/kiosk/credentials", str(credentials))
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    keys = sorted(problem.split(":")[0] for problem in raised.value.problems)
    assert keys == [
        "central.account_id",
        "central.url",
        "central.user_id",
        "ui.staff_pin_hash",
    ]


def test_checked_as_root_a_kiosk_owned_file_is_never_handed_to_root(
    write_config: Callable[..., Path], credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: ``config check`` run as root once said ``chown root`` for the credentials
    file, the opposite of the README (the service runs as kiosk and must own it)."""
    monkeypatch.setattr(settings.os, "geteuid", lambda: 0)
    if credentials.stat().st_uid == 0:
        os.chown(credentials, 4321, -1)  # as root here: a file owned by the service's user
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(), environ={})
    message = str(raised.value)
    assert "chown root" not in message and "chown" not in message.split("run this check")[0]
    assert "sudo -u kiosk kiosk config check" in message


def test_the_age_of_delivered_history_is_read_from_the_sync_table(
    write_config: Callable[..., Path],
) -> None:
    path = write_config(sync="[sync]\nkeep_delivered_days = 7")
    assert load_settings(path, environ={}).sync.keep_delivered_days == 7
    path = write_config(sync="[sync]\nkeep_delivered_days = 0")  # 0: history stays in the queue
    assert load_settings(path, environ={}).sync.keep_delivered_days == 0
