"""The schema of the local store, as an ordered set of migrations run at every open.

sqlite-utils records each applied migration in ``_sqlite_migrations``; re-running is a no-op.
Migrations only go forward: never edit or remove one once it has shipped, add a new one
(``tests/upgrade`` opens databases written by every release and checks exactly that). (The
reference server has a schema of its own, in :mod:`kiosk.reference.store`.)

Versions. The schema version is the number of migrations applied; :func:`migrate` also records it
in the file's header (``PRAGMA user_version``) and records, in the ``state`` table, the oldest
schema whose software may still use the file (:data:`OLDEST_READER`). Before it changes anything
it checks that this software may use the file at all (:func:`check_compatible`): a file written by
a newer release is refused with :class:`~kiosk.storage.schema_version.SchemaTooNew`, unless
that release declared it still usable by ours (its migrations only added things we can
ignore), which is what lets ``install.sh --rollback`` go back one release without losing the
queue.
"""

from __future__ import annotations

import time

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from kiosk.storage.database import Database as KioskDatabase
from kiosk.storage.pin_locks import MAX_LOCK_SECONDS
from kiosk.storage.queue_schema import add_queue_at_scale
from kiosk.storage.schema_version import (
    KNOWN_MIGRATIONS,
    MIGRATION_SET,
    OLDEST_READER,
    OLDEST_READER_KEY,
    check_compatible,
    file_versions,
)

LONGEST_RETRY_SECONDS = 300.0
"""The longest wait between two attempts of the sync worker's backoff (``Backoff.cap_seconds``)."""

MIGRATIONS = Migrations(MIGRATION_SET)
"""The kiosk's migration set; ``schema_version.SCHEMA_VERSION`` counts its members."""


@MIGRATIONS()
def m001_customers(db: Database) -> None:
    """Customers, custom fields, campaigns and balances."""
    db.execute(
        """
        CREATE TABLE customers (
            code TEXT PRIMARY KEY,
            card_number TEXT,
            first_name TEXT, last_name TEXT, phone TEXT, email TEXT,
            street1 TEXT, street2 TEXT, city TEXT, state TEXT, postal_code TEXT, country TEXT,
            custom_date TEXT, custom_field TEXT, customer_username TEXT,
            password_hash TEXT, pin_hash TEXT,
            central_known INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX customers_card ON customers(card_number)")
    db.execute("CREATE INDEX customers_last_name ON customers(last_name COLLATE NOCASE)")
    db.execute("CREATE INDEX customers_phone ON customers(phone)")
    db.execute(
        """
        CREATE TABLE custom_fields (
            field_id INTEGER PRIMARY KEY,
            label TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('text', 'datetime', 'pick', 'list')),
            choices TEXT NOT NULL DEFAULT '[]'
        )
        """
    )
    db.execute(
        """
        CREATE TABLE custom_values (
            code TEXT NOT NULL REFERENCES customers(code) ON UPDATE CASCADE ON DELETE CASCADE,
            field_id INTEGER NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (code, field_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE campaigns (
            campaign_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('points', 'visits', 'dollars', 'buyx'))
        )
        """
    )
    db.execute(
        """
        CREATE TABLE balances (
            code TEXT NOT NULL REFERENCES customers(code) ON UPDATE CASCADE ON DELETE CASCADE,
            campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
            item TEXT NOT NULL DEFAULT '',
            amount TEXT NOT NULL,
            PRIMARY KEY (code, campaign_id, item)
        )
        """
    )


@MIGRATIONS()
def m002_outbox(db: Database) -> None:
    """The outbox (S1), owner notifications (M10), PIN locks (S9), the audit trail, and state."""
    db.execute(
        """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            entry_id TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            customer_code TEXT NOT NULL,
            action TEXT NOT NULL DEFAULT 'edit',
            local_status TEXT NOT NULL,
            request TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'delivered', 'attention', 'discarded')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            last_error TEXT,
            delivered_at TEXT,
            central_code TEXT
        )
        """
    )
    db.execute("CREATE INDEX outbox_state ON outbox(state, customer_code, seq)")
    db.execute(
        """
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            code TEXT NOT NULL,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE pin_locks (
            code TEXT PRIMARY KEY,
            failures INTEGER NOT NULL DEFAULT 0,
            lock_count INTEGER NOT NULL DEFAULT 0,
            locked_until REAL NOT NULL DEFAULT 0
        )
        """
    )
    db.execute(
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@MIGRATIONS()
def m003_sync(db: Database) -> None:
    """What the sync worker persists so that a restart continues where it stopped (S2, S5)."""
    # in_doubt: a send was started and no definitive answer recorded; check before resending.
    db.execute("ALTER TABLE outbox ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0")
    # credit_baseline: the central balance seen just before sending an auto_add (JSON).
    db.execute("ALTER TABLE outbox ADD COLUMN credit_baseline TEXT")


@MIGRATIONS()
def m004_outbox_order(db: Database) -> None:
    """Pending entries in creation order straight from an index: the worker asks for the next
    ones after every answer, and a sort of the whole queue each time blocked the event loop."""
    db.execute("CREATE INDEX outbox_state_seq ON outbox(state, seq)")


@MIGRATIONS()
def m005_replaced_cards(db: Database) -> None:
    """Cards that were replaced by a new one (staff "Issue new card", or a changed card number),
    so that the old card, swiped again, is recognised and refused instead of offered
    registration."""
    db.execute(
        """
        CREATE TABLE replaced_cards (
            card_number TEXT PRIMARY KEY,
            code TEXT NOT NULL,
            replaced_at TEXT NOT NULL
        )
        """
    )


@MIGRATIONS()
def m006_kiosk_clock(db: Database) -> None:
    """Deadlines and ages on the kiosk's clock (:mod:`kiosk.storage.clock`), which never jumps
    with the wall clock. The wall-clock columns stay, written for people and for the release
    before this one (which still reads them: :data:`OLDEST_READER` is unchanged).

    Kiosk time starts at 0 when a file first gets its clock, right after this migration; a wait
    already running carries over as what the wall clock says is left of it, within its limits
    (a retry within the longest backoff, a lock within the longest lock), and a queued change
    keeps the age the wall clock gives it.
    """
    db.execute("ALTER TABLE outbox ADD COLUMN retry_at_clock REAL NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE outbox ADD COLUMN created_clock REAL")
    db.execute("ALTER TABLE pin_locks ADD COLUMN locked_until_clock REAL NOT NULL DEFAULT 0")
    wall = time.time()
    db.execute(
        "UPDATE outbox SET retry_at_clock = max(0, min(next_attempt_at - ?, ?)) "
        "WHERE state = 'pending'",
        (wall, LONGEST_RETRY_SECONDS),
    )
    db.execute(
        "UPDATE outbox SET created_clock = "
        "-max(0, ? - (julianday(created_at) - 2440587.5) * 86400.0)",
        (wall,),
    )
    db.execute(
        "UPDATE pin_locks SET locked_until_clock = max(0, min(locked_until - ?, ?))",
        (wall, MAX_LOCK_SECONDS),
    )


@MIGRATIONS()
def m007_real_central_api(db: Database) -> None:
    """What the real central API holds (api-notes.md): its campaign types, rewards per campaign,
    and where each customer was registered (S9: only a card registered on this kiosk may choose
    its first PIN here)."""
    # Widen the CHECK on campaigns.kind to the real types. SQLite cannot alter a CHECK; its
    # documented way to relax one (sqlite.org/lang_altertable.html, "other kinds of table schema
    # changes") is to rewrite the table's SQL in the schema table and bump schema_version: the
    # stored rows are unchanged, and every row already satisfies the wider constraint.
    conn = db.conn
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    old = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'campaigns'"
    ).fetchone()[0]
    new = old.replace("'buyx'))", "'buyx', 'giftcard', 'earned', 'events'))")
    if new != old:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'campaigns'", (new,)
        )
        conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
        conn.execute("PRAGMA writable_schema = OFF")
    db.execute(
        """
        CREATE TABLE rewards (
            campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id) ON DELETE CASCADE,
            reward_id TEXT NOT NULL,
            description TEXT NOT NULL,
            level TEXT,
            PRIMARY KEY (campaign_id, reward_id)
        )
        """
    )
    # registered_here: created on this kiosk (an offline registration, queued or delivered);
    # 0 for customers that came from the central API.
    db.execute("ALTER TABLE customers ADD COLUMN registered_here INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE customers SET registered_here = 1 WHERE central_known = 0 OR code IN "
        "(SELECT customer_code FROM outbox WHERE local_status = 'new')"
    )


@MIGRATIONS()
def m008_rewards(db: Database) -> None:
    """Rewards at the counter (issue 13): each campaign's currency and points ratio (unknown,
    NULL, until a pull brings them), and the last central history the kiosk read of a customer's
    campaign, shown when the central API cannot be reached. Redemptions and purchases are
    outbox entries of their own actions (``redeem``, ``purchase``)."""
    db.execute("ALTER TABLE campaigns ADD COLUMN currency TEXT")
    db.execute("ALTER TABLE campaigns ADD COLUMN points_ratio TEXT")
    db.execute(
        """
        CREATE TABLE history_cache (
            code TEXT NOT NULL,
            campaign_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            transaction_id TEXT NOT NULL,
            date TEXT NOT NULL,
            amount TEXT,
            redeemed INTEGER NOT NULL,
            what TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (code, campaign_id, position)
        )
        """
    )


@MIGRATIONS()
def m010_look_back(db: Database) -> None:
    """Find the delivered credits due for a look back (:mod:`kiosk.storage.look_back`) without
    reading every delivered entry: a partial index holds only those with a plan."""
    db.execute(
        "CREATE INDEX outbox_look_back ON outbox(json_extract(credit_baseline, '$.look_at[0]')) "
        "WHERE state = 'delivered' AND credit_baseline IS NOT NULL"
    )


@MIGRATIONS()
def m009_queue_at_scale(db: Database) -> None:
    """A queue of a week offline read by index: the oldest undelivered entry of each customer
    kept in ``outbox_heads`` by triggers, entries found by customer, delivered history moved to
    ``outbox_archive`` (:mod:`kiosk.storage.queue_schema`). Older releases still work on the
    file (the triggers keep the heads true for them too)."""
    add_queue_at_scale(KioskDatabase(db.conn))


if tuple(migration.name for migration in MIGRATIONS._migrations) != KNOWN_MIGRATIONS:
    raise RuntimeError(
        "kiosk.storage.schema_version.KNOWN_MIGRATIONS must list the migrations above, in order"
    )


def migrate(db: KioskDatabase) -> None:
    """Check the file may be used, apply every pending migration, record the versions.

    Safe to call on every open; a file already current is not written to
    (:func:`kiosk.storage.schema_version.is_current` says so without this module).

    Raises:
        SchemaTooNew: the file belongs to a newer release (see :func:`check_compatible`).
    """
    check_compatible(db)
    MIGRATIONS.apply(Database(db.conn))
    version, _, oldest = file_versions(db.conn)
    if int(db.conn.execute("PRAGMA user_version").fetchone()[0]) < version:
        db.conn.execute(f"PRAGMA user_version = {int(version)}")
    if oldest is None or oldest < OLDEST_READER:
        db.conn.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (OLDEST_READER_KEY, str(OLDEST_READER)),
        )


