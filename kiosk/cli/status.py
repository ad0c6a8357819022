"""``kiosk status``: the one screen a shop owner reads to know whether the kiosk is fine.

Provides ``register(subparsers)`` and ``status_lines()``. It shows the store name, whether the
central API answered lately (and why not, when it did not), the queue of changes waiting to be
sent with the age of the oldest and a STALE warning past ``sync.stale_after_hours``, the changes
that need staff with the command to see them, the reader and whether its device is there, the
database file and its size, and how many customers it holds.

Plain text under 80 columns, no secrets, no card numbers (the failure text is masked anyway).
The database is opened read-only and never created. Exit status: 0 all is well, 1 something
needs doing (a STALE queue, changes needing attention, a reader missing), 2 the status cannot
be read (no config file, an unusable config, no database).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sqlite3
import sys
import textwrap
from pathlib import Path

from kiosk.cli.system import DoctorContext, check_reader
from kiosk.doctor.database import age_text, size_text
from kiosk.logging_setup import mask_text
from kiosk.settings import ConfigError, Settings, load_settings, resolve_config_path
from kiosk.storage.database import Database, database_bytes, open_read_only
from kiosk.storage.sync_state import SyncStatus, read_status

WIDTH = 80
"""Every line fits an 80-column console."""
LABEL = 13
"""Width of the label column."""


def _item(label: str, *paragraphs: str) -> list[str]:
    """One labelled item; each paragraph starts a line and is wrapped under the label."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(
            paragraph,
            width=WIDTH,
            initial_indent=f"{label if not lines else '':<{LABEL}}",
            subsequent_indent=" " * LABEL,
            break_on_hyphens=False,
            break_long_words=False,  # a path or command split in two cannot be copied
        )
    return lines


def _when(iso: str, age: float | None, now: dt.datetime) -> str:
    """An ISO UTC time as local time with its age: ``2025-06-01 09:12 CEST (4 h ago)``. The
    age is the kiosk clock's when known (the wall clock may have jumped since)."""
    moment = dt.datetime.fromisoformat(iso)
    elapsed = dt.timedelta(seconds=age) if age is not None else now - moment
    return f"{moment.astimezone():%Y-%m-%d %H:%M %Z} ({age_text(elapsed)} ago)"


def _central(status: SyncStatus, now: dt.datetime) -> list[str]:
    if status.last_contact_at is None and not status.last_failure:
        return _item("Central API", "no contact yet (nothing was sent since the install).")
    last = (
        _when(status.last_contact_at, status.last_contact_age, now)
        if status.last_contact_at
        else "never"
    )
    if status.online:
        return _item("Central API", f"online. Last good contact {last}.")
    return _item(
        "Central API",
        f"OFFLINE. Last good contact {last}.",
        f"Last failure: {mask_text(status.last_failure)}",
    )


def _queue(status: SyncStatus, limit_hours: int) -> list[str]:
    if status.pending == 0 or status.oldest_pending_age is None:
        return _item("Queue", "nothing waiting to be sent.")
    age = age_text(dt.timedelta(seconds=status.oldest_pending_age))
    waiting = f"{status.pending} change{'s' if status.pending != 1 else ''} waiting"
    if not status.stale:
        return _item("Queue", f"{waiting}, the oldest {age} old.")
    return _item(
        "Queue",
        f"{waiting}, the oldest {age} old.",
        f"STALE: older than {limit_hours} h (sync.stale_after_hours).",
        "Check the network, then run: kiosk sync once",
    )


def _attention(count: int) -> list[str]:
    if count == 0:
        return _item("Attention", "nothing needs staff.")
    return _item(
        "Attention",
        f"{count} change{'s' if count != 1 else ''} refused by the central API.",
        "See them: kiosk outbox attention",
    )


def status_lines(
    settings: Settings, config_path: Path, *, now: dt.datetime | None = None
) -> tuple[list[str], int]:
    """The status text and the exit status (see the module docstring)."""
    now = now or dt.datetime.now(dt.UTC)
    lines = [f"{settings.store_name}: kiosk status, {now.astimezone():%Y-%m-%d %H:%M %Z}"]
    lines[0] = lines[0][:WIDTH]
    db_path = settings.database.path
    result = 0
    customers: int | None = None
    try:
        conn = open_read_only(db_path)
    except FileNotFoundError:
        conn = None
        database = [
            f"{db_path} does not exist. The kiosk creates it when it first starts;",
            "if it ran before, check database.path in the config (or --db).",
        ]
        result = 2
    except (sqlite3.Error, OSError) as error:
        conn = None
        database = [f"{db_path} cannot be read ({error}). Run: kiosk doctor"]
        result = 2
    else:
        database = [f"{db_path} ({size_text(database_bytes(db_path))})."]
    if conn is not None:
        try:
            limit = settings.sync.stale_after_hours
            status = read_status(Database(conn), stale_after=dt.timedelta(hours=limit))
            customers = int(conn.execute("SELECT count(*) FROM customers").fetchone()[0])
        except sqlite3.Error as error:
            database.append(f"Its tables cannot be read ({error}). Run: kiosk doctor")
            result = 2
        else:
            lines += _central(status, now) + _queue(status, limit)
            lines += _attention(status.attention)
            if status.stale or status.attention:
                result = max(result, 1)
        finally:
            conn.close()
    reader = check_reader(DoctorContext(config_path, settings))
    reader_text = reader.detail if reader.ok else f"PROBLEM: {reader.detail}. Run: kiosk doctor"
    lines += _item("Reader", reader_text)
    if not reader.ok:
        result = max(result, 1)
    lines += _item("Database", *database)
    if customers is not None:
        lines += _item("Customers", str(customers))
    if settings.source is None:
        # Nothing configured: the figures above are the defaults', not an installed kiosk's.
        lines += _item(
            "Config",
            f"{config_path} does not exist: this kiosk is not set up.",
            "Install it (README, 'Deploy on a Raspberry Pi') or give --config.",
        )
        result = 2
    return lines, result


def cmd_status(args: argparse.Namespace) -> int:
    """Run ``kiosk status``."""
    config_path, _ = resolve_config_path(args.config)
    try:
        settings = load_settings(args.config, allow_missing=True, check_credentials=False)
    except ConfigError as error:
        print(f"error: {config_path} cannot be used:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        print("Run `kiosk config check` or `kiosk doctor` for the fixes.", file=sys.stderr)
        return 2
    if args.db is not None:
        database = dataclasses.replace(settings.database, path=args.db)
        settings = dataclasses.replace(settings, database=database)
    lines, result = status_lines(settings, config_path)
    print("\n".join(lines))
    return result


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``status`` to the ``kiosk`` command."""
    parser = subparsers.add_parser(
        "status",
        help="one-screen summary: online, queue, needs attention, reader, database",
        description="Show what a shop owner needs to know about this kiosk. Exit 0 when all "
        "is well, 1 when something needs doing, 2 when the status cannot be read.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $KIOSK_CONFIG or /etc/kiosk/kiosk.toml)",
    )
    parser.add_argument(
        "--db", type=Path, metavar="PATH", help="database file (default: from the config)"
    )
    parser.set_defaults(func=cmd_status)
