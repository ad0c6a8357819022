"""``kiosk migrate``: bring a database's schema up to this release, or prove it can be done.

``kiosk migrate --copy`` is what ``systemd/install.sh`` runs with a new release before switching
to it: the migrations run on a copy (SQLite's online backup, so the running kiosk is not
disturbed) and the real file is only read. Without ``--copy`` the file itself is migrated, which
the kiosk also does at every start.
"""

from __future__ import annotations

import argparse
import sqlite3
from contextlib import closing
from pathlib import Path

from kiosk.cli.common import add_store_options, store_path
from kiosk.cli.errors import CommandError
from kiosk.storage.copies import trial_migration
from kiosk.storage.customer_store import Store
from kiosk.storage.database import StoreError
from kiosk.storage.schema_version import file_versions


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``migrate`` to the ``kiosk`` command."""
    migrate = subparsers.add_parser(
        "migrate",
        help="upgrade the database's schema to this release (or try it on a copy)",
        description="Apply this release's schema migrations to the database. With --copy, do "
        "it on a copy made with SQLite's online backup and leave the database untouched "
        "(exit 0 when this release can use it). A database written by a newer release that "
        "this one cannot use is refused, unchanged (exit 1).",
    )
    add_store_options(migrate)
    migrate.add_argument(
        "--copy",
        action="store_true",
        help="work on a temporary copy; the database itself is only read",
    )
    migrate.add_argument(
        "--work-dir",
        type=Path,
        metavar="DIR",
        help="where the temporary copy goes (default: the system's temporary directory)",
    )
    migrate.set_defaults(func=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Run ``kiosk migrate``."""
    path = store_path(args)
    if not path.is_file():
        raise CommandError(f"there is no database at {path}", status=2)
    try:
        if args.copy:
            report = trial_migration(path, args.work_dir)
            print(f"ok: a copy of {path}: {report.summary()}")
            return 0
        with closing(sqlite3.connect(path)) as conn:
            before, _, _ = file_versions(conn)
        with Store(path) as store:
            after, _, _ = file_versions(store.db.conn)
    except (StoreError, sqlite3.Error) as error:
        raise CommandError(str(error)) from None
    change = f"schema {before} -> {after}" if before != after else f"schema {after}, current"
    print(f"ok: {path}: {change}")
    return 0
