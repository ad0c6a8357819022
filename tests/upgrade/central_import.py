"""The central API's data as a release left it, in today's reference server.

Release 0.1.0's reference server kept its data in the kiosk's own schema; today's has a schema of
its own (:mod:`kiosk.reference.store`). :func:`import_release_central` copies what the central
API held (campaigns, custom fields, customers with their PIN and password hashes, custom values,
balances) into a new reference file, so that a release's kiosk fixture meets the central API it
had. Only the reference server's format changes here; the kiosk's file is opened as it was.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path

from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.reference.store import ReferenceStore

_CUSTOMER_COLUMNS = (
    "code, card_number, first_name, last_name, phone, email, street1, street2, city, state, "
    "postal_code, country, custom_date, custom_field, customer_username, password_hash, "
    "pin_hash, created_at, updated_at"
)


def import_release_central(old: Path, target: Path) -> None:
    """Write into ``target`` (a new reference file) what the release's central file ``old``
    held."""
    with closing(sqlite3.connect(old)) as source, ReferenceStore(target) as store:
        for campaign_id, name, kind in source.execute(
            "SELECT campaign_id, name, kind FROM campaigns ORDER BY rowid"
        ):
            store.define_campaign(Campaign(campaign_id, name, kind))
        for field_id, label, kind, choices in source.execute(
            "SELECT field_id, label, kind, choices FROM custom_fields ORDER BY field_id"
        ):
            store.define_custom_field(
                CustomFieldDef(field_id, label, kind, tuple(json.loads(choices)))
            )
        with store.transaction() as conn:
            marks = ", ".join("?" for _ in _CUSTOMER_COLUMNS.split(","))
            for row in source.execute(f"SELECT {_CUSTOMER_COLUMNS} FROM customers"):
                conn.execute(f"INSERT INTO customers ({_CUSTOMER_COLUMNS}) VALUES ({marks})", row)
            for row in source.execute("SELECT code, field_id, value FROM custom_values"):
                conn.execute(
                    "INSERT INTO custom_values (code, field_id, value) VALUES (?, ?, ?)", row
                )
            for code, campaign_id, item, amount in source.execute(
                "SELECT code, campaign_id, item, amount FROM balances"
            ):
                store.add_transaction(code, campaign_id, Decimal(amount), item=item)
