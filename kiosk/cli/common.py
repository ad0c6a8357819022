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


def db_path(args: argparse.Namespace, default: Path | None = None) -> Path:
    """The database path the user chose, else ``default``, else the kiosk's default."""
    return getattr(args, "db", None) or default or default_db_path()


def open_store(args: argparse.Namespace, default: Path | None = None) -> Store | None:
    """Open the store named by ``args`` (see :func:`db_path`); on failure print why and
    return None."""
    try:
        return Store(db_path(args, default))
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return None
