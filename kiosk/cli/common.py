"""Helpers shared by the sub-command modules: the store options and opening the store.

Provides :func:`add_store_options` and :func:`open_store`, the one way every command finds its
database: ``--db``, else the configured ``database.path`` (``--config``, else ``$KIOSK_CONFIG``,
else ``/etc/kiosk/kiosk.toml``), else the default path of a kiosk with no config file. A command
that only reads passes ``must_exist=True``: a missing file is then an error (exit status 2), and
nothing is created, neither the file nor its directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.errors import CommandError
from kiosk.settings import ConfigError, load_settings
from kiosk.storage.customer_store import Store
from kiosk.storage.database import StoreError

CONFIG_HELP = "config file (default: $KIOSK_CONFIG or /etc/kiosk/kiosk.toml)"
"""The ``--config`` help text, the same on every command."""


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--db PATH`` and ``--config PATH`` (see the module docstring for the order)."""
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help="SQLite database file (default: the config's database.path)",
    )
    parser.add_argument("--config", type=Path, default=None, metavar="PATH", help=CONFIG_HELP)


def store_path(args: argparse.Namespace, default: Path | None = None) -> Path:
    """The database the command works on: ``--db``, else ``default`` (a command with a file
    of its own, like the reference server), else the configured or default kiosk database.

    Raises:
        CommandError: the config file named (or found) is not valid (status 2).
    """
    chosen: Path | None = getattr(args, "db", None)
    if chosen is not None:
        return chosen
    if default is not None:
        return default
    try:
        settings = load_settings(
            getattr(args, "config", None), allow_missing=True, check_credentials=False
        )
    except ConfigError as error:
        raise CommandError(f"configuration: {error}", status=2) from None
    return settings.database.path


def open_store(
    args: argparse.Namespace, default: Path | None = None, *, must_exist: bool = False
) -> Store:
    """Open the store named by ``args`` (see :func:`store_path`).

    Raises:
        CommandError: ``must_exist`` and there is no such file (status 2), or the database
            cannot be opened (status 1).
    """
    path = store_path(args, default)
    if must_exist and not path.is_file():
        raise CommandError(
            f"{path} does not exist: no kiosk database there (give --db or --config; the kiosk "
            "creates its database when it first starts)",
            status=2,
        )
    try:
        return Store(path)
    except StoreError as error:
        raise CommandError(str(error)) from None
