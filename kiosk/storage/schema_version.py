"""Which schema a database file is at, whether this software may use it, and whether it is
already current: read with plain SQL, so that opening a current file needs neither sqlite-utils
nor the migrations themselves (:mod:`kiosk.storage.migrations`, imported only when a file is
behind).

Provides :data:`KNOWN_MIGRATIONS` (the names of this software's migrations, in the order they
run; :mod:`kiosk.storage.migrations` refuses to import when its set differs),
:data:`SCHEMA_VERSION`, :data:`OLDEST_READER`, :func:`file_versions`, :func:`incompatibility`,
:func:`check_compatible` (raising :class:`SchemaTooNew`) and :func:`is_current`. The versioning
rules are described in :mod:`kiosk.storage.migrations`.
"""

from __future__ import annotations

import sqlite3

import kiosk
from kiosk.storage.database import Database, StoreError

KNOWN_MIGRATIONS: tuple[str, ...] = (
    "m001_customers",
    "m002_outbox",
    "m003_sync",
    "m004_outbox_order",
    "m005_replaced_cards",
    "m006_kiosk_clock",
    "m007_real_central_api",
    "m008_rewards",
    "m010_look_back",  # registered before m009 when they shipped: the order files record
    "m009_queue_at_scale",
)
"""This software's migrations by name, in the order sqlite-utils applies them."""

MIGRATION_SET = "kiosk"
"""The migration set's name in sqlite-utils' table."""

MIGRATIONS_TABLE = "_sqlite_migrations"
"""sqlite-utils' table of applied migrations."""

SCHEMA_VERSION = len(KNOWN_MIGRATIONS)
"""How many migrations this code knows; ``kiosk doctor`` compares it with the file's."""

OLDEST_READER = 10
"""The oldest schema version whose software may still use a file migrated by this code.

10 (m001-m010, the first release with m008): ``m008_rewards`` queues redemptions and purchases
as outbox entries of new actions, which an older release would send as profile edits (losing
them); such a file is refused by older releases. (4 was release 0.1.0.) Raise it to the new
:data:`SCHEMA_VERSION` in the release whose migration changes something older software relies
on: a renamed or dropped column, a column given a new meaning, a NOT NULL column without a
default, a new kind of outbox entry an older release would send wrongly. A file marked so is
refused by older releases instead of being misread."""

OLDEST_READER_KEY = "schema.oldest_reader"
"""The ``state`` row holding the file's :data:`OLDEST_READER`."""


class SchemaTooNew(StoreError):
    """The database was written by a newer release that this software cannot use safely."""


def known_names() -> list[str]:
    """The names of this software's migrations, in order."""
    return list(KNOWN_MIGRATIONS)


def file_versions(conn: sqlite3.Connection) -> tuple[int, list[str], int | None]:
    """What a file says about its schema, read-only: (recorded version, applied migration
    names, oldest reader or None when not recorded)."""
    recorded = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = {
        str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    applied: list[str] = []
    if MIGRATIONS_TABLE in tables:
        applied = [
            str(row[0])
            for row in conn.execute(
                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
                (MIGRATION_SET,),
            )
        ]
    oldest: int | None = None
    if "state" in tables:
        row = conn.execute("SELECT value FROM state WHERE key = ?", (OLDEST_READER_KEY,)).fetchone()
        if row is not None and str(row[0]).isdigit():
            oldest = int(row[0])
    return max(recorded, len(applied)), applied, oldest


def incompatibility(conn: sqlite3.Connection) -> str | None:
    """Why this software must not use the file, or None when it may (see the module docstring
    of :mod:`kiosk.storage.migrations`)."""
    version, applied, oldest = file_versions(conn)
    unknown = [name for name in applied if name not in KNOWN_MIGRATIONS]
    if not unknown and version <= SCHEMA_VERSION:
        return None
    if oldest is not None and oldest <= SCHEMA_VERSION:
        return None  # newer, but its release declared it usable by ours
    return (
        f"this database was written by a newer kiosk release (schema {version}) that kiosk "
        f"{kiosk.__version__} (schema {SCHEMA_VERSION}) cannot use safely; nothing was changed. "
        "Install the newer release again (systemd/install.sh), or restore a backup made by "
        "this release (kiosk restore)"
    )


def check_compatible(db: Database) -> None:
    """Refuse a file this software must not use, before anything is written to it.

    Raises:
        SchemaTooNew: with a message that says what to do.
    """
    problem = incompatibility(db.conn)
    if problem is not None:
        raise SchemaTooNew(problem[0].upper() + problem[1:])


def is_current(conn: sqlite3.Connection) -> bool:
    """True when :func:`kiosk.storage.migrations.migrate` would change nothing in the file:
    every known migration applied, the header's version and the oldest reader recorded."""
    version, applied, oldest = file_versions(conn)
    recorded = int(conn.execute("PRAGMA user_version").fetchone()[0])
    return (
        set(KNOWN_MIGRATIONS) <= set(applied)
        and recorded >= version
        and oldest is not None
        and oldest >= OLDEST_READER
    )
