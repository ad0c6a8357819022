"""The migration to the real central API's data (m007): a kiosk database made before it opens
with every row kept, the real campaign types and rewards can be stored, and each customer knows
whether it was registered on this kiosk (S9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from kiosk.domain.fields import Campaign
from kiosk.storage.customer_store import Store
from kiosk.storage.database import write_transaction
from kiosk.storage.migrations import MIGRATIONS
from kiosk.storage.schema_version import SCHEMA_VERSION

REAL_API = "m007_real_central_api"
"""The migration under test. A name not in the set would make ``stop_before`` apply everything
and the test would check nothing: it is asserted to exist."""


def old_database(path: Path) -> None:
    """A file as the kiosk left it before m007: a pulled customer, a local registration that was
    delivered, one still queued, a legacy 'visits' campaign with a balance."""
    assert REAL_API in {migration.name for migration in MIGRATIONS._migrations}
    db = Database(path)
    with write_transaction(db):
        MIGRATIONS.apply(db, stop_before=REAL_API)
    rows = [
        ("1001", "1111", 1),  # pulled from the central API
        ("2002", "2222", 1),  # registered here, delivered (central_known since)
        ("3003", "3333", 0),  # registered here, still queued
    ]
    with write_transaction(db):
        for code, card, known in rows:
            db.conn.execute(
                "INSERT INTO customers (code, card_number, central_known, created_at, updated_at)"
                " VALUES (?, ?, ?, 'x', 'x')",
                (code, card, known),
            )
        db.conn.execute("INSERT INTO campaigns VALUES ('9', 'Stamps', 'visits')")
        db.conn.execute("INSERT INTO balances VALUES ('1001', '9', '', '4')")
        for n, (code, status, state) in enumerate(
            (
                ("2002", "new", "delivered"),
                ("3003", "new", "pending"),
                ("1001", "update", "pending"),
            )
        ):
            db.conn.execute(
                "INSERT INTO outbox (entry_id, created_at, customer_code, local_status, request, "
                "state) VALUES (?, 'x', ?, ?, ?, ?)",
                (f"e{n}", code, status, json.dumps({"first_name": "A"}), state),
            )
    db.close()


def test_an_old_database_is_upgraded_keeping_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_database(path)
    with Store(path) as store:
        assert len(MIGRATIONS.applied(Database(store.db.conn))) == SCHEMA_VERSION
        assert store.db.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert [b["balance"] for b in store.balances("1001")] == ["4"]
        assert store.campaigns() == [Campaign("9", "Stamps", "visits")]
        store.define_campaign(Campaign("10", "Gift card", "giftcard"))
        store.define_campaign(Campaign("11", "Events", "events"))
        flags = {code: store.customer(code)["registered_here"] for code in ("1001", "2002", "3003")}
        assert flags == {"1001": False, "2002": True, "3003": True}
        with pytest.raises(Exception, match="CHECK"), write_transaction(store.db):
            store.db.conn.execute(
                "INSERT INTO campaigns (campaign_id, name, kind) VALUES ('12', 'X', 'lottery')"
            )
