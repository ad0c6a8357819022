"""The schema of the local store, as an ordered set of migrations run at every open.

sqlite-utils records each applied migration in ``_sqlite_migrations``; re-running is a no-op.
Never edit a migration once it has shipped: add a new one. (The reference server has a schema of
its own, in :mod:`kiosk.reference.store`.)
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("kiosk")
"""The kiosk's migration set; :data:`SCHEMA_VERSION` counts its members."""


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
def m006_real_central_api(db: Database) -> None:
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


SCHEMA_VERSION = len(MIGRATIONS._migrations)
"""How many migrations this code knows; ``kiosk doctor`` compares it with the file's."""


def migrate(db: Database) -> None:
    """Apply every pending migration; safe to call on every open."""
    MIGRATIONS.apply(db)
