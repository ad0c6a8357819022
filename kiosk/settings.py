"""Kiosk configuration: the frozen ``Settings`` read from ``/etc/kiosk/kiosk.toml``.

Provides ``Settings`` (with one frozen section per TOML table), ``load_settings()``,
``ConfigError`` (every problem found, one per line, each naming its key) and, re-exported from
:mod:`kiosk.settings_credentials`, ``check_credentials_file()`` and ``delivered_credential()``.
Reading and checking single values (the TOML table reader, URL and reader-spec checks) lives in
:mod:`kiosk.settings_parse`; its constants are re-exported here.

The config path comes from ``--config``, else ``$KIOSK_CONFIG``, else ``/etc/kiosk/kiosk.toml``.
The database path comes from ``$KIOSK_DB``, else ``database.path``, else systemd's
``$STATE_DIRECTORY`` (``StateDirectory=kiosk`` gives ``/var/lib/kiosk``), else the per-user data
directory. The API key is never part of ``Settings`` (S8): it stays in its own file, which must be
private to the kiosk user, and is read on demand by ``CentralSettings.read_api_key()``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import platformdirs

from kiosk.domain.rewards import OfflinePolicy
from kiosk.settings_credentials import check_credentials_file, delivered_credential, first_key
from kiosk.settings_parse import (
    HASH_PIN_HINT,
    READER_KINDS,
    Table,
    card_rules_of,
    check_reader_spec,
    check_url,
)

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
"""Where the installed kiosk keeps its configuration (``systemd/install.sh`` creates it)."""
CONFIG_ENV = "KIOSK_CONFIG"
"""Environment variable naming the config file when ``--config`` is not given."""
DB_ENV = "KIOSK_DB"
"""Environment variable that overrides the database path."""
CUSTOM_DATE_LABEL_MAX = 18
"""Longest ``ui.custom_date_label``: it must fit the label column of the customer forms."""
CUSTOM_DATE_HINT_MAX = 30
"""Longest ``ui.custom_date_hint``: it must fit inside the empty field."""
DEMO_STAFF_PIN_HASH = (
    "scrypt$16384$8$1$b0cdd77d911c7a8e0e2ef43c656f4231$"
    "6dba147a4c46b78d9b1d46f4a67503ff7b56edeb6fcdf11926e0cf86b16df9a0"
)
"""Hash of the demo staff PIN ``1234``; used only when running without a config file."""

__all__ = [
    "CONFIG_ENV",
    "DB_ENV",
    "DEFAULT_CONFIG_PATH",
    "DEMO_STAFF_PIN_HASH",
    "HASH_PIN_HINT",
    "READER_KINDS",
    "BackupSettings",
    "CentralSettings",
    "ConfigError",
    "DatabaseSettings",
    "ReaderSettings",
    "RewardsSettings",
    "Settings",
    "SyncSettings",
    "UiSettings",
    "check_credentials_file",
    "default_database_path",
    "delivered_credential",
    "demo_settings",
    "load_settings",
    "resolve_config_path",
]


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` holds one message per problem.

    Messages name the key (``sync.concurrency: ...``) and never contain a secret value.
    """

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, kw_only=True)
class DatabaseSettings:
    """Where the local SQLite store lives."""

    path: Path
    """The SQLite file; its directory must be writable (SQLite puts its WAL file beside it)."""


@dataclass(frozen=True, kw_only=True)
class ReaderSettings:
    """Which card reader to use."""

    spec: str = "terminal"
    """``evdev:/dev/input/by-id/...`` (a HID reader), ``serial:/dev/ttyUSB0?baud=9600``,
    ``terminal`` (swipes typed into the kiosk's terminal) or ``script:FILE`` (replayed swipes)."""
    card_min_digits: int = 4
    """Shortest card number the store accepts (4..32), whichever reader read it."""
    card_max_digits: int = 32
    """Longest card number the store accepts (4..32)."""
    card_prefixes: tuple[str, ...] = ()
    """Leading digits every card of the store has (any one of them); empty accepts all."""
    card_luhn: bool = False
    """Require a valid Luhn check digit."""

    def card_rule_options(self) -> dict[str, str]:
        """The card rules as reader-spec options (``device.readers.with_options`` adds them)."""
        options = {"digits": f"{self.card_min_digits}-{self.card_max_digits}"}
        if self.card_prefixes:
            options["prefixes"] = ",".join(self.card_prefixes)
        if self.card_luhn:
            options["luhn"] = "yes"
        return options

    @property
    def kind(self) -> str:
        """The part before the first colon: one of ``READER_KINDS``."""
        return self.spec.partition(":")[0]

    @property
    def target(self) -> str:
        """The device path, name or file after the colon, without ``?options``."""
        return self.spec.partition(":")[2].partition("?")[0]


@dataclass(frozen=True, kw_only=True)
class CentralSettings:
    """The central loyalty API (ClientToolbox) this kiosk syncs with."""

    url: str
    """The account's API address; ``https://`` unless it is a loopback address (S8)."""
    account_id: str
    """The ClientToolbox account id sent with every call."""
    user_id: str
    """The API user id sent with every call (its password is the API key)."""
    credentials_file: Path | None
    """File holding only the API key (``user_password``), mode 0600, owned by the kiosk user.
    ``None`` only in the demo settings, which talk to the local reference server."""
    timeout_seconds: float = 10.0
    """How long one request may take before it counts as a transport failure (retried, S2)."""

    def read_api_key(self) -> str:
        """Read the API key and return it: the copy systemd delivered (``LoadCredential=``,
        see :func:`delivered_credential`) when there is one, else ``credentials_file``
        (checked again first; that is how the kiosk is run by hand).

        The key is registered with the log filter so that it can never reach a log line (S8).
        Returns an empty string for the demo settings, which have no credentials file.

        Raises:
            ConfigError: the file is missing, not private to us, unreadable or empty.
        """
        if self.credentials_file is None:
            return ""
        delivered = delivered_credential()
        source = delivered or self.credentials_file
        if delivered is None:
            problem = check_credentials_file(self.credentials_file)
            if problem:
                raise ConfigError(problem)
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(
                f"central.credentials_file: cannot read {source}: {error.strerror}"
            ) from None
        key = first_key(text)
        if not key and delivered is not None:
            # The unit's SetCredential= default: systemd found no key to hand over.
            raise ConfigError(
                "central.credentials_file: systemd handed over no API key (the unit's "
                f"LoadCredential=api-key:{DEFAULT_CONFIG_PATH.parent / 'credentials'}): that "
                "file is missing or empty; put the key (the user_password) on its first line, "
                "then restart the service"
            )
        if not key:
            raise ConfigError(
                f"central.credentials_file: {self.credentials_file} is empty; "
                "put the API key (the user_password) on its first line"
            )
        from kiosk.logging_setup import register_secret  # late: logging must not need settings

        register_secret(key)
        return key


@dataclass(frozen=True, kw_only=True)
class SyncSettings:
    """How the outbox is sent and the local cache refreshed."""

    concurrency: int = 4
    """How many customers' queues are sent at once (S3 keeps each customer in order), 1..32."""
    stale_after_hours: int = 24
    """After this long without a successful sync the kiosk warns staff that data may be stale."""
    pull_interval_minutes: int = 60
    """How often to refresh the local cache from the central API (S7); 0 turns it off."""
    keep_delivered_days: int = 30
    """Delivered entries older than this move to the outbox archive (0: kept in the queue)."""


@dataclass(frozen=True, kw_only=True)
class UiSettings:
    """The touch-free, lock-down TUI (S11)."""

    inactivity_timeout_seconds: int = 30
    """Idle time after which every screen clears back to "swipe your card", 5..3600."""
    staff_pin_hash: str = field(repr=False)
    """Hash of the staff PIN made by ``kiosk config hash-pin``; never a plain PIN (S9)."""
    staff_card_hash: str | None = field(default=None, repr=False)
    """Optional hash of a staff card number that opens staff mode when swiped."""
    pin_max_tries: int = 3
    """Wrong PINs before a card is locked for a growing time (S9), 1..10."""
    custom_date_label: str = "Date"
    """What the account's ``custom_date`` means to customers (a birthday, say), at most
    ``CUSTOM_DATE_LABEL_MAX`` characters: the label of its field on the customer forms."""
    custom_date_hint: str = "YYYY-MM-DD"
    """The hint shown in the empty ``custom_date`` field, at most ``CUSTOM_DATE_HINT_MAX``
    characters. The value itself is always written YYYY-MM-DD (rule A3)."""


@dataclass(frozen=True, kw_only=True)
class BackupSettings:
    """Copies of the database on a second medium (a USB stick), for when the SD card dies."""

    path: Path | None = None
    """A folder on the second medium; ``None``: no backups."""
    interval_minutes: int = 15
    """Minutes between copies while the kiosk runs (one more when it stops), 1..1440."""
    warn_after_hours: int = 24
    """``kiosk doctor`` warns when the last copy is older than this, 1..8760."""


@dataclass(frozen=True)
class RewardsSettings:
    """Redemptions at the counter while the central API cannot be reached (issue 13)."""

    offline_redemption: bool = True
    """False: redemptions need the central API online."""
    offline_max_each: Decimal = Decimal(0)
    """The most one redemption may take offline, in the campaign's unit; 0: no limit."""
    offline_max_per_day: Decimal = Decimal(0)
    """The most this kiosk may redeem offline a day in one campaign; 0: no limit."""

    def policy(self) -> OfflinePolicy:
        """The domain's :class:`~kiosk.domain.rewards.OfflinePolicy` of these settings."""
        return OfflinePolicy(
            allowed=self.offline_redemption,
            max_each=self.offline_max_each or None,
            max_per_day=self.offline_max_per_day or None,
        )


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the kiosk is configured with. Holds no secret (see ``read_api_key``)."""

    store_name: str = "Demo shop"
    """Shown on the idle screen."""
    kiosk_name: str = ""
    """This kiosk's name in the shop's reports: the central API stores it, with the store's,
    in the ``authorization`` tag of every credit sent; empty: the host name."""
    database: DatabaseSettings
    """The local store."""
    reader: ReaderSettings = field(default_factory=ReaderSettings)
    """The card reader."""
    central: CentralSettings
    """The central API."""
    sync: SyncSettings = field(default_factory=SyncSettings)
    """The sync worker."""
    ui: UiSettings
    """The TUI."""
    backup: BackupSettings = field(default_factory=BackupSettings)
    """Backups of the database."""
    rewards: RewardsSettings = field(default_factory=RewardsSettings)
    """Redemptions at the counter."""
    source: Path | None = None
    """The file these settings came from; ``None`` for the demo defaults."""


KIOSK_NAME_MAX = 40
"""Characters of ``kiosk_name`` (the tag keeps at most this many of it)."""


def resolve_config_path(
    cli_path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Path, bool]:
    """Return the config path and whether it was asked for (``--config``, ``$KIOSK_CONFIG``)."""
    env = os.environ if environ is None else environ
    if cli_path:
        return Path(cli_path).expanduser(), True
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser(), True
    return DEFAULT_CONFIG_PATH, False


def default_database_path(environ: Mapping[str, str] | None = None) -> Path:
    """The database path when the config does not name one (see the module docstring)."""
    env = os.environ if environ is None else environ
    # systemd sets STATE_DIRECTORY (colon-separated) for StateDirectory=; prefer it under a unit.
    state_dir = env.get("STATE_DIRECTORY", "").split(":")[0]
    if state_dir:
        return Path(state_dir) / "kiosk.db"
    return Path(platformdirs.user_data_dir("kiosk")) / "kiosk.db"


def demo_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings for a demo without a config file: terminal reader, local reference server."""
    env = os.environ if environ is None else environ
    db = Path(env[DB_ENV]).expanduser() if env.get(DB_ENV) else default_database_path(env)
    return Settings(
        database=DatabaseSettings(path=db),
        central=CentralSettings(
            url="http://127.0.0.1:8765/", account_id="demo", user_id="demo", credentials_file=None
        ),
        ui=UiSettings(staff_pin_hash=DEMO_STAFF_PIN_HASH),
    )


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    allow_missing: bool = False,
    check_credentials: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read, validate and return the settings.

    Args:
        path: the config file; ``None`` means ``$KIOSK_CONFIG`` or ``/etc/kiosk/kiosk.toml``.
        allow_missing: return ``demo_settings()`` when the default file does not exist (a file
            named by ``path`` or ``$KIOSK_CONFIG`` must always exist).
        check_credentials: also check the credentials file's owner and mode (``kiosk doctor``
            turns this off to report it as a check of its own).
        environ: the environment to read (``os.environ`` by default; tests pass a dict).

    Raises:
        ConfigError: listing every problem found, each naming its key.
    """
    env = os.environ if environ is None else environ
    config_path, explicit = resolve_config_path(path, env)
    try:
        with config_path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        if allow_missing and not explicit:
            return demo_settings(env)
        raise ConfigError(f"{config_path}: no such file") from None
    except PermissionError:
        raise ConfigError(f"{config_path}: permission denied (is it readable by us?)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_path}: not valid TOML: {error}") from None
    return _parse(data, config_path, env, check_credentials)


def _parse(
    data: dict[str, Any], source: Path, env: Mapping[str, str], check_credentials: bool
) -> Settings:
    problems: list[str] = []
    top = Table(data, "", problems)
    store_name = top.text("store_name", Settings.store_name)
    kiosk_name = top.text("kiosk_name", Settings.kiosk_name) or ""
    if len(kiosk_name) > KIOSK_NAME_MAX:
        problems.append(f"kiosk_name: at most {KIOSK_NAME_MAX} characters, got {len(kiosk_name)}")
    tables = {
        name: Table(top.get(name, required=False) or {}, name, problems)
        for name in ("database", "reader", "central", "sync", "ui", "backup", "rewards")
    }
    db, reader, central, sync, ui, backup, rewards = tables.values()

    db_path = db.path("path", default_database_path(env))
    if env.get(DB_ENV):
        db_path = Path(env[DB_ENV]).expanduser()
    reader_spec = reader.text("spec", ReaderSettings.spec) or ReaderSettings.spec
    check_reader_spec(reader_spec, problems)
    card_rules = card_rules_of(reader, problems)

    url = central.text("url")
    check_url(url, problems)
    account_id = central.text("account_id", ids=True)
    user_id = central.text("user_id", ids=True)
    credentials = central.path("credentials_file", source.parent / "credentials")
    timeout = float(
        central.number("timeout_seconds", CentralSettings.timeout_seconds, 1, 300, "seconds")
    )

    # Every default is the settings class's own (one definition of each default).
    concurrency = sync.number("concurrency", SyncSettings.concurrency, 1, 32)
    stale = sync.number("stale_after_hours", SyncSettings.stale_after_hours, 1, 24 * 365)
    pull = sync.number("pull_interval_minutes", SyncSettings.pull_interval_minutes, 0, 24 * 60)
    keep = sync.number("keep_delivered_days", SyncSettings.keep_delivered_days, 0, 3650)

    idle = ui.number("inactivity_timeout_seconds", UiSettings.inactivity_timeout_seconds, 5, 3600)
    pin_hash = ui.secret_hash("staff_pin_hash", required=True)
    card_hash = ui.secret_hash("staff_card_hash", required=False)
    tries = ui.number("pin_max_tries", UiSettings.pin_max_tries, 1, 10)
    date_label = ui.text("custom_date_label", UiSettings.custom_date_label) or "Date"
    date_hint = ui.text("custom_date_hint", UiSettings.custom_date_hint) or "YYYY-MM-DD"
    for key, value, limit in (
        ("custom_date_label", date_label, CUSTOM_DATE_LABEL_MAX),
        ("custom_date_hint", date_hint, CUSTOM_DATE_HINT_MAX),
    ):
        if len(value) > limit:
            problems.append(f"ui.{key}: at most {limit} characters, got {len(value)}")

    backup_path = backup.path("path", None) if "path" in backup.data else None  # optional
    backup_every = backup.number("interval_minutes", BackupSettings.interval_minutes, 1, 1440)
    backup_warn = backup.number("warn_after_hours", BackupSettings.warn_after_hours, 1, 8760)

    offline = rewards.flag("offline_redemption", RewardsSettings.offline_redemption)
    max_each = rewards.amount("offline_max_each", RewardsSettings.offline_max_each)
    max_per_day = rewards.amount("offline_max_per_day", RewardsSettings.offline_max_per_day)

    for table in (top, *tables.values()):
        table.finish()
    # Under a unit with LoadCredential=, systemd reads the file as root; we need no access.
    delivered = delivered_credential(env) is not None
    if check_credentials and not delivered and credentials and credentials.is_absolute():
        problem = check_credentials_file(credentials)
        if problem:
            problems.append(problem)
    if problems:
        raise ConfigError(problems)
    assert url and account_id and user_id and pin_hash and db_path and store_name
    return Settings(
        store_name=store_name,
        kiosk_name=kiosk_name,
        database=DatabaseSettings(path=db_path),
        reader=ReaderSettings(spec=reader_spec, **card_rules),
        central=CentralSettings(
            url=url,
            account_id=account_id,
            user_id=user_id,
            credentials_file=credentials,
            timeout_seconds=timeout,
        ),
        sync=SyncSettings(
            concurrency=concurrency,
            stale_after_hours=stale,
            pull_interval_minutes=pull,
            keep_delivered_days=keep,
        ),
        ui=UiSettings(
            inactivity_timeout_seconds=idle,
            staff_pin_hash=pin_hash,
            staff_card_hash=card_hash,
            pin_max_tries=tries,
            custom_date_label=date_label,
            custom_date_hint=date_hint,
        ),
        backup=BackupSettings(
            path=backup_path, interval_minutes=backup_every, warn_after_hours=backup_warn
        ),
        rewards=RewardsSettings(offline, max_each, max_per_day),
        source=source,
    )
