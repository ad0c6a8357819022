"""Helpers shared by the sub-command modules: the ``--db`` option and opening the store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.storage.customer_store import Store
from kiosk.storage.database import ENV_DB, StoreError, default_db_path


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--db PATH`` (default: ``$KIOSK_DB`` or the per-user data directory)."""
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"SQLite database file (default: ${ENV_DB} or {default_db_path()})",
    )


def db_path(args: argparse.Namespace) -> Path:
    """The database path the user chose, or the default."""
    return args.db if getattr(args, "db", None) else default_db_path()


def open_store(args: argparse.Namespace) -> Store | None:
    """Open the store named by ``args``; on failure print why and return None."""
    try:
        return Store(db_path(args))
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return None
