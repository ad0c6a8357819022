"""``kiosk backup`` and ``kiosk restore``, and the backups a running kiosk makes (issue 16).

Provides ``register(subparsers)``, :func:`backup_schedule` (``kiosk run`` and ``kiosk sync run``
copy the database to ``backup.path`` every ``backup.interval_minutes`` and when they stop) and
:func:`mark_sends` (every sender marks the copy when it sends something after it; see
:mod:`kiosk.storage.backup`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.common import add_store_options, open_store, store_path
from kiosk.cli.errors import CommandError
from kiosk.settings import ConfigError, Settings, load_settings
from kiosk.storage.backup import (
    BACKUP_NAME,
    BackupError,
    BackupSchedule,
    SendMarker,
    back_up,
    restore,
)
from kiosk.storage.customer_store import Store
from kiosk.storage.database import StoreError
from kiosk.storage.sender_lock import SenderLock


def mark_sends(settings: Settings, store: Store) -> None:
    """When backups are on, mark the last copy on the stick before the first send after it (so
    that a restore of it checks what may have been sent since)."""
    if settings.backup.path is not None:
        store.outbox.sending_listeners.append(SendMarker(store, settings.backup.path))


def backup_schedule(settings: Settings, store: Store) -> BackupSchedule | None:
    """The periodic copies the settings ask for, or None when ``backup.path`` is not set."""
    place = settings.backup.path
    if place is None:
        return None
    return BackupSchedule(store, place, settings.backup.interval_minutes * 60.0)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``backup`` and ``restore`` to the ``kiosk`` command."""
    backup = subparsers.add_parser(
        "backup",
        help="copy the database to the backup place now",
        description="Copy the database with SQLite's online backup (safe while the kiosk runs) "
        f"to {BACKUP_NAME} in --to DIR, else the config's backup.path. The folder must be on "
        "another disk than the database (a USB stick). Exit 0 when the copy is made.",
    )
    add_store_options(backup)
    backup.add_argument("--to", type=Path, metavar="DIR", help="folder for the copy")
    backup.set_defaults(func=cmd_backup)
    restore_parser = subparsers.add_parser(
        "restore",
        help="put a backup in place of the database (the kiosk must be stopped)",
        description="Replace the database with a backup (a file, or a folder holding "
        f"{BACKUP_NAME}; default: the config's backup.path). The database that was there is "
        "kept beside it, never deleted. Changes the lost kiosk may have sent after the copy was "
        "taken are checked with the central API before they are sent again.",
    )
    add_store_options(restore_parser)
    restore_parser.add_argument(
        "--from", dest="source", type=Path, metavar="PATH", help="the backup file or folder"
    )
    restore_parser.set_defaults(func=cmd_restore)


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.config, allow_missing=True, check_credentials=False)
    except ConfigError as error:
        raise CommandError(f"configuration: {error}", status=2) from None


def _place(given: Path | None, settings: Settings, option: str) -> Path:
    place = given or settings.backup.path
    if place is None:
        raise CommandError(
            f"no backup place: give {option} or set backup.path in the config", status=2
        )
    return place


def cmd_backup(args: argparse.Namespace) -> int:
    """Run ``kiosk backup``."""
    settings = _settings(args)
    directory = _place(args.to, settings, "--to DIR")
    store = open_store(args, must_exist=True)
    with store:
        try:
            target = back_up(store, directory)
        except BackupError as error:
            raise CommandError(f"no backup made: {error}") from None
    print(f"ok: copied {store.path} to {target} ({target.stat().st_size // 1000} KB)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Run ``kiosk restore``."""
    settings = _settings(args)
    source = _place(args.source, settings, "--from PATH")
    if source.is_dir():
        source = source / BACKUP_NAME
    database = store_path(args)
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = SenderLock(database)
    if not lock.try_acquire():
        raise CommandError(
            f"the kiosk is running ({lock.holder()} sends its queue): stop it first "
            "(sudo systemctl stop kiosk kiosk-cage kiosk-sync)"
        )
    try:
        report = restore(source, database)
    except StoreError as error:
        raise CommandError(f"nothing restored: {error}") from None
    finally:
        lock.release()
    print(f"ok: {report.summary()}")
    return 0
