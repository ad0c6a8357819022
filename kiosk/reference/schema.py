"""The reference server's file: its schema, opening it, and its transactions.

The schema is the reference server's own (customers, custom fields, campaigns, rewards, balances,
enrolments, transactions with their ``authorization`` text, owner notifications), recorded in
``PRAGMA user_version``; a kiosk database, or a file of another version, is refused with a
message rather than misread. Plain :mod:`sqlite3` (WAL): the server is a model of the real
service, not a user of the kiosk's storage.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from kiosk.domain.fields import PROFILE_FIELDS

SCHEMA_VERSION = 1
"""Stored in ``PRAGMA user_version``; a file of another version (or a kiosk database) is refused."""
CUSTOMER_COLUMNS: tuple[str, ...] = ("code", "card_number", *PROFILE_FIELDS)
"""Columns of a customer record, in answer order (hashes never leave the store)."""
_SCHEMA = """
CREATE TABLE customers (
    code TEXT PRIMARY KEY,
    card_number TEXT,
    first_name TEXT, last_name TEXT, phone TEXT, email TEXT,
    street1 TEXT, street2 TEXT, city TEXT, state TEXT, postal_code TEXT, country TEXT,
    custom_date TEXT, custom_field TEXT, customer_username TEXT,
    password_hash TEXT, pin_hash TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX customers_card ON customers(card_number);
CREATE INDEX customers_username ON customers(customer_username);
CREATE TABLE custom_fields (
    field_id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    choices TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE custom_values (
    code TEXT NOT NULL,
    field_id INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (code, field_id)
);
CREATE TABLE campaigns (
    campaign_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    currency TEXT NOT NULL DEFAULT '',
    points_ratio TEXT NOT NULL DEFAULT '1',
    reward_ratio TEXT NOT NULL DEFAULT ''
);
CREATE TABLE rewards (
    reward_id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id TEXT NOT NULL,
    level TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE balances (
    code TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    item TEXT NOT NULL DEFAULT '',
    amount TEXT NOT NULL,
    PRIMARY KEY (code, campaign_id, item)
);
CREATE TABLE enrolments (
    code TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    PRIMARY KEY (code, campaign_id)
);
CREATE TABLE transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    date TEXT NOT NULL,
    amount TEXT NOT NULL,
    redeemed TEXT NOT NULL CHECK (redeemed IN ('N', 'Y')),
    item TEXT NOT NULL DEFAULT '',
    authorization TEXT NOT NULL DEFAULT '',
    user_name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transactions_customer ON transactions(code, campaign_id, id);
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


class ReferenceError(Exception):
    """The reference server's file could not do what was asked; the message says why."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def connect(path: Path) -> sqlite3.Connection:
    """Open the file (WAL, shared by the server's threads under its lock).

    Raises:
        ReferenceError: it cannot be opened, or it is not a reference server file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=5.0, check_same_thread=False)
        conn.isolation_level = None  # transactions are explicit (BEGIN IMMEDIATE)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.create_function(
            "kiosk_casefold",
            1,
            lambda v: v.casefold() if isinstance(v, str) else v,
            deterministic=True,
        )
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    except (sqlite3.Error, OSError) as error:
        raise ReferenceError(f"Cannot open the reference server's file {path}: {error}") from None
    if version == 0 and tables[0] == 0:
        with transaction_guard(conn):
            conn.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
    elif version != SCHEMA_VERSION:
        conn.close()
        raise ReferenceError(
            f"{path} is not a reference server file of this version (a kiosk database, or one "
            "made by another version); give the server a file of its own"
        )
    return conn


@contextlib.contextmanager
def transaction_guard(conn: sqlite3.Connection) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise ReferenceError(f"The reference server's database failed: {error}") from None
