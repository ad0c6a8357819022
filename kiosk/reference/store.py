"""The reference server's own data: an SQLite file of the account as the central API holds it.

:class:`ReferenceStore` keeps customers, custom fields, campaigns with their rewards, balances,
enrolments, the transaction history (with each transaction's ``authorization`` text) and the
owner notifications (M10). It applies ``record_customer`` with the one implementation of the
rules, :func:`kiosk.domain.edit_rules.plan_edit`, inside its own transaction, and it is nothing
else's store: the kiosk's local store (:mod:`kiosk.storage`) is a different file with a different
schema. PINs and passwords are kept as salted slow hashes only (S9).

Not thread-safe on its own: the server serialises writes with one lock. Long answers (a search of
every customer) read through :meth:`ReferenceStore.reader`, a connection of their own, so they
neither hold the lock nor see a half-applied write (WAL snapshots).
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from kiosk.domain.edit_rules import EditPlan, format_amount, plan_edit
from kiosk.domain.fields import Campaign, CampaignKind, CustomFieldDef
from kiosk.domain.secrets import hash_secret, verify_secret
from kiosk.reference.ledger import Ledger
from kiosk.reference.schema import (
    CUSTOMER_COLUMNS,
    ReferenceError,
    connect,
    transaction_guard,
    utc_now,
)

__all__ = ["CUSTOMER_COLUMNS", "CampaignRecord", "ReferenceError", "ReferenceStore", "utc_now"]


@dataclass(frozen=True)
class CampaignRecord:
    """A campaign as the reference server holds it."""

    campaign_id: str
    name: str
    type: str
    """The type as the API names it (``points``, ``giftcard``, ``buyx``, ``earned``, ``events``)."""
    currency: str = ""
    points_ratio: str = "1"
    """Points per unit of money spent (``record_activity`` with ``amount``)."""
    reward_ratio: str = ""


class _View:
    """The edit engine's read-only :class:`~kiosk.domain.edit_rules.CustomerView`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def codes_with_card(self, card_number: str, limit: int = 2) -> list[str]:
        rows = self._conn.execute(
            "SELECT code FROM customers WHERE card_number = ? ORDER BY rowid LIMIT ?",
            (card_number, limit),
        )
        return [row[0] for row in rows]

    def code_exists(self, code: str) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM customers WHERE code = ?", (code,)).fetchone()
            is not None
        )

    def card_in_use(self, card_number: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM customers WHERE card_number = ? OR code = ? LIMIT 1",
            (card_number, card_number),
        ).fetchone()
        return row is not None

    def custom_field(self, field_id: int) -> CustomFieldDef | None:
        row = self._conn.execute(
            "SELECT field_id, label, kind, choices FROM custom_fields WHERE field_id = ?",
            (field_id,),
        ).fetchone()
        return (
            None
            if row is None
            else CustomFieldDef(row[0], row[1], row[2], tuple(json.loads(row[3])))
        )

    def campaign(self, campaign_id: str) -> Campaign | None:
        row = self._conn.execute(
            "SELECT campaign_id, name, type FROM campaigns WHERE campaign_id = ?", (campaign_id,)
        ).fetchone()
        return None if row is None else Campaign(row[0], row[1], _kind(row[2]))


def _kind(type_name: str) -> CampaignKind:
    return type_name  # type: ignore[return-value]


class ReferenceStore(Ledger):
    """The reference server's SQLite file; see the module docstring."""

    def __init__(self, path: str | Path, *, rng: random.Random | None = None) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        self._rng = rng or random.SystemRandom()
        self.view = _View(self.conn)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> ReferenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it, or nothing (rule A6)."""
        with transaction_guard(self.conn):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection of its own, for an answer read while others write."""
        conn = connect(self.path)
        try:
            conn.execute("BEGIN")  # one snapshot for the whole answer
            yield conn
        finally:
            conn.close()

    def apply_edit(
        self,
        request: Mapping[str, str],
        *,
        action: Literal["edit", "new"] = "edit",
        enrol: tuple[str, ...] = (),
    ) -> EditPlan:
        """Apply one ``record_customer`` request (rules A2-A6, M1-M11), and enrol the customer
        in the campaigns ``enrol`` names (a ``campaign_id`` list), all in one transaction.

        Raises:
            EditError: the rules refuse it; nothing changed (A6).
            ReferenceError: the database failed; nothing changed.
        """
        with self.transaction():
            plan = plan_edit(request, self.view, action=action, rng=self._rng)
            self._write_plan(plan, utc_now())
            credited = () if plan.credit is None else (plan.credit.campaign_id,)
            for campaign_id in (*enrol, *credited):
                self.conn.execute(
                    "INSERT OR IGNORE INTO enrolments (code, campaign_id) VALUES (?, ?)",
                    (plan.code, campaign_id),
                )
        return plan

    def _write_plan(self, plan: EditPlan, now: str) -> None:
        values: dict[str, Any] = dict(plan.profile)
        if plan.pin is not None:
            values["pin_hash"] = hash_secret(plan.pin)
        if plan.password is not None:
            values["password_hash"] = hash_secret(plan.password)
        values["updated_at"] = now
        if plan.status == "new":
            values.update(code=plan.code, created_at=now)
            marks = ", ".join("?" for _ in values)
            self.conn.execute(
                f"INSERT INTO customers ({', '.join(values)}) VALUES ({marks})",
                list(values.values()),
            )
        else:
            assignments = ", ".join(f"{name} = ?" for name in values)
            self.conn.execute(
                f"UPDATE customers SET {assignments} WHERE code = ?", [*values.values(), plan.code]
            )
        for field_id, value in plan.custom_values.items():
            self.conn.execute(
                "INSERT INTO custom_values (code, field_id, value) VALUES (?, ?, ?) "
                "ON CONFLICT (code, field_id) DO UPDATE SET value = excluded.value",
                (plan.code, field_id, value),
            )
        if plan.credit is not None:
            credit = plan.credit
            self.add_transaction(plan.code, credit.campaign_id, credit.amount, item=credit.item)
        if plan.notify_owner:
            self.conn.execute(
                "INSERT INTO notifications (code, kind, created_at) VALUES (?, 'new_customer', ?)",
                (plan.code, now),
            )

    def customer(self, code: str) -> dict[str, Any] | None:
        """Every stored field of one customer (hashes excluded), or None."""
        row = self.conn.execute(
            f"SELECT {', '.join(CUSTOMER_COLUMNS)}, pin_hash IS NOT NULL, "
            "password_hash IS NOT NULL FROM customers WHERE code = ?",
            (code,),
        ).fetchone()
        if row is None:
            return None
        record: dict[str, Any] = dict(zip(CUSTOMER_COLUMNS, row, strict=False))
        record["has_pin"], record["has_password"] = bool(row[-2]), bool(row[-1])
        record["custom_values"] = self.custom_values(code)
        return record

    def codes_with(self, column: Literal["customer_username", "phone"], value: str) -> list[str]:
        """Codes of (at most two) customers whose ``column`` is exactly ``value``."""
        if column not in ("customer_username", "phone"):
            raise ValueError(f"not a lookup column: {column}")
        rows = self.conn.execute(
            f"SELECT code FROM customers WHERE {column} = ? ORDER BY rowid LIMIT 2", (value,)
        )
        return [row[0] for row in rows]

    def custom_values(self, code: str) -> dict[int, str]:
        """The custom field values of one customer, by field id."""
        rows = self.conn.execute(
            "SELECT field_id, value FROM custom_values WHERE code = ? ORDER BY field_id", (code,)
        )
        return {field_id: value for field_id, value in rows}

    def balances(self, code: str) -> list[dict[str, str]]:
        """Balances of one customer: campaign id, name, type, item and amount."""
        rows = self.conn.execute(
            "SELECT b.campaign_id, c.name, c.type, b.item, b.amount FROM balances b "
            "JOIN campaigns c USING (campaign_id) WHERE b.code = ? ORDER BY b.campaign_id, b.item",
            (code,),
        )
        keys = ("campaign_id", "campaign_name", "campaign_type", "item", "balance")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def keep_pin_hash(self, code: str, pin_hash: str) -> None:
        """Store a PIN hash made already (the demo's, made ahead: no slow hash at start-up)."""
        with self.transaction():
            self.conn.execute("UPDATE customers SET pin_hash = ? WHERE code = ?", (pin_hash, code))

    def verify_pin(self, code: str, pin: str) -> bool:
        """Check a PIN against the stored hash; False when the customer has none."""
        found = self.conn.execute(
            "SELECT pin_hash FROM customers WHERE code = ?", (code,)
        ).fetchone()
        return verify_secret(pin, found[0] if found else None)

    def verify_password(self, code: str, password: str) -> bool:
        """Check a customer password against the stored hash."""
        found = self.conn.execute(
            "SELECT password_hash FROM customers WHERE code = ?", (code,)
        ).fetchone()
        return verify_secret(password, found[0] if found else None)

    def custom_fields(self) -> list[CustomFieldDef]:
        """Every custom field defined for the account."""
        rows = self.conn.execute(
            "SELECT field_id, label, kind, choices FROM custom_fields ORDER BY field_id"
        )
        return [CustomFieldDef(r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows]

    def define_custom_field(self, definition: CustomFieldDef) -> None:
        """Create or replace a custom field definition."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO custom_fields (field_id, label, kind, choices) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (field_id) DO UPDATE SET label = excluded.label, "
                "kind = excluded.kind, choices = excluded.choices",
                (
                    definition.field_id,
                    definition.label,
                    definition.kind,
                    json.dumps(list(definition.choices)),
                ),
            )

    def campaigns(self) -> list[Campaign]:
        """Every campaign of the account, as the edit rules see them."""
        rows = self.conn.execute("SELECT campaign_id, name, type FROM campaigns ORDER BY rowid")
        return [Campaign(row[0], row[1], _kind(row[2])) for row in rows]

    def campaign_records(self) -> list[CampaignRecord]:
        """Every campaign of the account, with currency and ratios."""
        rows = self.conn.execute(
            "SELECT campaign_id, name, type, currency, points_ratio, reward_ratio FROM campaigns "
            "ORDER BY rowid"
        )
        return [CampaignRecord(*row) for row in rows]

    def define_campaign(self, campaign: Campaign | CampaignRecord) -> None:
        """Create or replace a campaign."""
        if isinstance(campaign, Campaign):
            ratio = "1" if campaign.points_ratio is None else format_amount(campaign.points_ratio)
            campaign = CampaignRecord(
                campaign.campaign_id, campaign.name, campaign.kind, campaign.currency or "", ratio
            )
        with self.transaction():
            self.conn.execute(
                "INSERT INTO campaigns (campaign_id, name, type, currency, points_ratio, "
                "reward_ratio) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id) DO UPDATE SET "
                "name = excluded.name, type = excluded.type, currency = excluded.currency, "
                "points_ratio = excluded.points_ratio, reward_ratio = excluded.reward_ratio",
                (
                    campaign.campaign_id,
                    campaign.name,
                    campaign.type,
                    campaign.currency,
                    campaign.points_ratio,
                    campaign.reward_ratio,
                ),
            )

    def campaign_record(self, campaign_id: str) -> CampaignRecord | None:
        """One campaign with its currency and ratios, or None."""
        row = self.conn.execute(
            "SELECT campaign_id, name, type, currency, points_ratio, reward_ratio FROM campaigns "
            "WHERE campaign_id = ?",
            (campaign_id,),
        ).fetchone()
        return None if row is None else CampaignRecord(*row)

    def notifications(self) -> list[dict[str, Any]]:
        """Owner notifications recorded for new customers (M10), oldest first."""
        rows = self.conn.execute("SELECT code, kind, created_at FROM notifications ORDER BY id")
        return [{"code": r[0], "kind": r[1], "created_at": r[2]} for r in rows]

    def count_customers(self) -> int:
        """How many customers the file holds."""
        return int(self.conn.execute("SELECT count(*) FROM customers").fetchone()[0])
