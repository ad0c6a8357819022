"""The local store: customers, balances and custom fields in SQLite, with the outbox beside them.

:class:`Store` applies the edit engine's plan and writes its outbox entry in the same transaction
(invariant S1): every local edit is queued for the central API. (The reference server that stands
in for that API keeps a file of its own, :mod:`kiosk.reference.store`.) PINs and passwords are
kept only as salted slow hashes (S9); the plain values exist only inside the queued request until
it is delivered.
"""

from __future__ import annotations

import contextlib
import json
import random
import uuid
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, Literal, cast

from kiosk.domain.edit_rules import EditError, EditPlan, plan_edit
from kiosk.domain.fields import (
    CALL_FIELDS,
    CREDENTIAL_FIELDS,
    Campaign,
    CustomFieldDef,
)
from kiosk.domain.rewards import OfflinePolicy
from kiosk.domain.secrets import hash_secret, mask_card, verify_secret
from kiosk.storage.audit import record_audit
from kiosk.storage.balances import add_to_balance, format_amount
from kiosk.storage.campaigns import CAMPAIGN_COLUMNS, campaign_of
from kiosk.storage.clock import ClockSource, KioskClock
from kiosk.storage.counter import CounterDesk, Purchase, Redemption, RewardRefused
from kiosk.storage.counter_entries import RedemptionEffects
from kiosk.storage.database import StoreError, connect, utc_now, write_transaction
from kiosk.storage.lookup import CustomerMatch, HistoryLine, LookupDesk
from kiosk.storage.outbox import Outbox
from kiosk.storage.records import (
    CUSTOMER_COLUMNS,
    AuditNote,
    BalanceRow,
    CustomerName,
    CustomerRecord,
    EditResult,
)
from kiosk.storage.replaced_cards import ReplacedCard, record_card_change, replaced_card
from kiosk.storage.schema_version import check_compatible, is_current

__all__ = [
    "CustomerMatch",
    "EditError",
    "HistoryLine",
    "Purchase",
    "Redemption",
    "RewardRefused",
    "Store",
    "StoreError",
    "utc_now",
]

class _SqliteView:
    """The edit engine's read-only :class:`~kiosk.domain.edit_rules.CustomerView` over SQLite."""

    def __init__(self, store: Store) -> None:
        self._conn = store.db.conn

    def codes_with_card(self, card_number: str, limit: int = 2) -> list[str]:
        rows = self._conn.execute(
            "SELECT code FROM customers WHERE card_number = ? LIMIT ?", (card_number, limit)
        )
        return [row[0] for row in rows]

    def code_exists(self, code: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM customers WHERE code = ?", (code,)).fetchone()
        return row is not None

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
        if row is None:
            return None
        return CustomFieldDef(row[0], row[1], row[2], tuple(json.loads(row[3])))

    def campaign(self, campaign_id: str) -> Campaign | None:
        row = self._conn.execute(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE campaign_id = ?", (campaign_id,)
        ).fetchone()
        return campaign_of(row) if row else None


class Store(CounterDesk, LookupDesk):
    """One SQLite file of customer data; see the module docstring (and, for the counter's
    redemptions and purchases, :mod:`kiosk.storage.counter`)."""

    def __init__(
        self,
        path: str | Path,
        *,
        rng: random.Random | None = None,
        clock_source: ClockSource | None = None,
    ) -> None:
        """Open the file (creating it and running migrations as needed); ``clock_source``
        replaces the machine's boot clock (tests)."""
        self.path = Path(path)
        self.db = connect(self.path)
        self._rng = rng or random.SystemRandom()
        try:
            with write_transaction(self.db):
                check_compatible(self.db)
                if not is_current(self.db.conn):
                    # Imported only for a file that is behind: sqlite-utils and the migrations
                    # stay off the path to the first frame of an installed kiosk (issue 15).
                    from kiosk.storage.migrations import migrate

                    migrate(self.db)
            self.clock = KioskClock.start(self.db, clock_source)
            """The clock every duration is measured on (:mod:`kiosk.storage.clock`)."""
        except StoreError:
            self.db.close()  # a file from a newer release, say: leave it as it was
            raise
        self.view = _SqliteView(self)
        self.queued_listeners: list[Callable[[], None]] = []
        """Called after each commit that queued something (the sync service's ``wake``), from
        the thread that committed it. A store opened on the same file for work off the UI
        thread shares its listeners (:mod:`kiosk.ui.background`)."""
        self.outbox = Outbox(self.db, self.queued_listeners, clock=self.clock.now)
        """The queue of requests for the central API in this file."""
        self.outbox.effects = RedemptionEffects()
        self.offline_policy = OfflinePolicy()

    def close(self) -> None:
        """Write down the kiosk time (a clean stop loses none of it), close the connection."""
        # A full or read-only disk must not block a stop.
        with contextlib.suppress(StoreError), write_transaction(self.db):
            self.clock.mark(self.db.conn)
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def apply_edit(
        self,
        request: Mapping[str, str],
        *,
        action: Literal["edit", "new"] = "edit",
        audit: AuditNote | None = None,
    ) -> EditResult:
        """Apply one ``record_customer`` request and queue it, in one transaction (S1).

        ``audit`` (a staff edit) is recorded in the same transaction, naming the customer by
        the last 4 characters of its code only (S8).

        Raises:
            EditError: the rules refuse the request; nothing changed (A6).
            StoreError: the database failed (full disk, locked); nothing changed.
        """
        with write_transaction(self.db):
            plan = plan_edit(request, self.view, action=action, rng=self._rng)
            now = utc_now()
            self._write_plan(plan, now, registered_here=True, central_known=False)
            entry_id = self._enqueue(request, plan, action, now)
            if audit is not None:
                detail = f"customer {mask_card(plan.code)}: {audit.detail}"
                record_audit(self.db, audit.actor, audit.action, detail)
        self.outbox.notify_queued()
        return EditResult(plan=plan, entry_id=entry_id)

    def seed_synced(self, request: Mapping[str, str], *, registered_here: bool = False) -> EditPlan:
        """Apply an edit whose effect the central API already holds, without queueing it; a new
        customer is known to the central API (and was registered on this kiosk only if
        ``registered_here``).

        For demo data and test fixtures only: what the kiosk itself changes always goes through
        :meth:`apply_edit`, which queues it (S1).

        Raises:
            EditError: the rules refuse the request; nothing changed.
        """
        with write_transaction(self.db):
            plan = plan_edit(request, self.view, rng=self._rng)
            self._write_plan(plan, utc_now(), registered_here=registered_here, central_known=True)
        return plan

    def remember_pin(self, code: str, pin: str) -> None:
        """Keep a salted slow hash of a PIN the central API has just confirmed
        (``validate_customer_password``), so that the next check works offline (S9). Nothing is
        queued: the central API already holds this PIN.

        Raises:
            StoreError: the database failed.
        """
        self.keep_pin_hash(code, hash_secret(pin))

    def keep_pin_hash(self, code: str, pin_hash: str) -> None:
        """Keep a PIN hash made already (:func:`kiosk.domain.secrets.hash_secret`): the one
        :meth:`remember_pin` just made, or the demo's, made ahead so that no slow hash delays
        the demo's first frame. Nothing is queued.

        Raises:
            StoreError: the database failed.
        """
        with write_transaction(self.db):
            self.db.conn.execute(
                "UPDATE customers SET pin_hash = ?, updated_at = ? WHERE code = ?",
                (pin_hash, utc_now(), code),
            )

    def _write_plan(
        self, plan: EditPlan, now: str, *, registered_here: bool, central_known: bool
    ) -> None:
        conn = self.db.conn
        values: dict[str, Any] = dict(plan.profile)
        if plan.pin is not None:
            values["pin_hash"] = hash_secret(plan.pin)
        if plan.password is not None:
            values["password_hash"] = hash_secret(plan.password)
        values["updated_at"] = now
        if "card_number" in values:
            record_card_change(conn, plan.code, values["card_number"], now)
        if plan.status == "new":
            values.update(
                code=plan.code,
                created_at=now,
                registered_here=int(registered_here),
                central_known=int(central_known),
            )
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            conn.execute(
                f"INSERT INTO customers ({columns}) VALUES ({marks})", list(values.values())
            )
        else:
            assignments = ", ".join(f"{name} = ?" for name in values)
            conn.execute(
                f"UPDATE customers SET {assignments} WHERE code = ?", [*values.values(), plan.code]
            )
        for field_id, value in plan.custom_values.items():
            conn.execute(
                "INSERT INTO custom_values (code, field_id, value) VALUES (?, ?, ?) "
                "ON CONFLICT (code, field_id) DO UPDATE SET value = excluded.value",
                (plan.code, field_id, value),
            )
        if plan.credit is not None:
            add_to_balance(
                conn, plan.code, plan.credit.campaign_id, plan.credit.item, plan.credit.amount
            )
        if plan.notify_owner:
            conn.execute(
                "INSERT INTO notifications (code, kind, created_at) VALUES (?, 'new_customer', ?)",
                (plan.code, now),
            )

    def _enqueue(self, request: Mapping[str, str], plan: EditPlan, action: str, now: str) -> str:
        """Write the outbox entry: the request as asked, without credentials (S1, S4)."""
        kept = {
            name: value
            for name, value in request.items()
            if name not in CREDENTIAL_FIELDS and name not in CALL_FIELDS
        }
        return self._insert_entry(plan.code, action, plan.status, kept, now)

    def _insert_entry(
        self, code: str, action: str, local_status: str, request: Mapping[str, str], now: str
    ) -> str:
        """Insert one outbox entry inside the caller's transaction; returns its id."""
        entry_id = uuid.uuid4().hex
        self.db.conn.execute(
            "INSERT INTO outbox (entry_id, created_at, customer_code, action, local_status, "
            "request, created_clock) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry_id,
                now,
                code,
                action,
                local_status,
                json.dumps(dict(request)),
                self.clock.mark(self.db.conn),  # the entry's age is measured on this clock
            ),
        )
        return entry_id

    def customer(self, code: str) -> CustomerRecord | None:
        """Every stored field of one customer by code (hashes excluded), or None."""
        row = self.db.conn.execute(
            f"SELECT {', '.join(CUSTOMER_COLUMNS)}, pin_hash IS NOT NULL, "
            "password_hash IS NOT NULL, central_known, registered_here FROM customers "
            "WHERE code = ?",
            (code,),
        ).fetchone()
        if row is None:
            return None
        record: dict[str, object] = dict(zip(CUSTOMER_COLUMNS, row, strict=False))
        flags = ("has_pin", "has_password", "central_known", "registered_here")
        record.update({name: bool(value) for name, value in zip(flags, row[-4:], strict=True)})
        record["custom_values"] = self.custom_values(code)
        # The columns are CUSTOMER_COLUMNS, which the TypedDict lists one by one.
        return cast(CustomerRecord, record)

    def find_customer(self, card_or_code: str) -> CustomerRecord | None:
        """The customer a swipe or a typed number names, the way rule M4 matches them.

        Raises:
            EditError: more than one customer has this card number (M4b).
        """
        codes = self.view.codes_with_card(card_or_code)
        if len(codes) > 1:
            raise EditError("More than one customer has this card number; ask staff for help")
        if codes:
            return self.customer(codes[0])
        return self.customer(card_or_code)

    def replaced_card(self, card_number: str) -> ReplacedCard | None:
        """Whether ``card_number`` was some customer's card until a newer one replaced it."""
        return replaced_card(self.db, card_number)

    def customer_names(self, codes: Collection[str]) -> dict[str, CustomerName]:
        """Name and card of each of ``codes`` that exists, in one query per 500 codes: what
        staff screens show beside queued entries."""
        found: dict[str, CustomerName] = {}
        wanted = list(dict.fromkeys(codes))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self.db.conn.execute(
                "SELECT code, first_name, last_name, card_number FROM customers "
                f"WHERE code IN ({marks})",
                chunk,
            )
            for code, first, last, card in rows:
                found[code] = CustomerName(first or "", last or "", card)
        return found

    def custom_values(self, code: str) -> dict[int, str]:
        """The custom field values of one customer, by field id."""
        rows = self.db.conn.execute(
            "SELECT field_id, value FROM custom_values WHERE code = ? ORDER BY field_id", (code,)
        )
        return {field_id: value for field_id, value in rows}

    def balances(self, code: str) -> list[BalanceRow]:
        """Balances of one customer: campaign id, name, type, item and amount."""
        rows = self.db.conn.execute(
            "SELECT b.campaign_id, c.name, c.kind, b.item, b.amount FROM balances b "
            "JOIN campaigns c USING (campaign_id) WHERE b.code = ? "
            "ORDER BY b.campaign_id, b.item",
            (code,),
        )
        return [
            BalanceRow(
                campaign_id=row[0],
                campaign_name=row[1],
                campaign_type=row[2],
                item=row[3],
                balance=row[4],
            )
            for row in rows
        ]

    def verify_pin(self, code: str, pin: str) -> bool:
        """Check a PIN against the stored hash (S9); False when the customer has none."""
        row = self.db.conn.execute("SELECT pin_hash FROM customers WHERE code = ?", (code,))
        found = row.fetchone()
        return verify_secret(pin, found[0] if found else None)

    def verify_password(self, code: str, password: str) -> bool:
        """Check a customer password against the stored hash (S9)."""
        row = self.db.conn.execute("SELECT password_hash FROM customers WHERE code = ?", (code,))
        found = row.fetchone()
        return verify_secret(password, found[0] if found else None)

    def custom_fields(self) -> list[CustomFieldDef]:
        """Every custom field defined for the account."""
        rows = self.db.conn.execute(
            "SELECT field_id, label, kind, choices FROM custom_fields ORDER BY field_id"
        )
        return [CustomFieldDef(r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows]

    def define_custom_field(self, definition: CustomFieldDef) -> None:
        """Create or replace a custom field definition."""
        with write_transaction(self.db):
            self.db.conn.execute(
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
        """Every campaign of the account."""
        rows = self.db.conn.execute(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY campaign_id"
        )
        return [campaign_of(row) for row in rows]

    def define_campaign(self, campaign: Campaign) -> None:
        """Create or replace a campaign; a currency or points ratio it does not give (None:
        unknown) keeps the one already stored."""
        ratio = None if campaign.points_ratio is None else format_amount(campaign.points_ratio)
        with write_transaction(self.db):
            self.db.conn.execute(
                "INSERT INTO campaigns (campaign_id, name, kind, currency, points_ratio) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (campaign_id) DO UPDATE SET name = excluded.name, "
                "kind = excluded.kind, currency = coalesce(excluded.currency, currency), "
                "points_ratio = coalesce(excluded.points_ratio, points_ratio)",
                (campaign.campaign_id, campaign.name, campaign.kind, campaign.currency, ratio),
            )

    def notifications(self) -> list[dict[str, Any]]:
        """Owner notifications recorded for new customers (M10), oldest first."""
        rows = self.db.conn.execute("SELECT code, kind, created_at FROM notifications ORDER BY id")
        return [{"code": r[0], "kind": r[1], "created_at": r[2]} for r in rows]

    def count_customers(self) -> int:
        """How many customers the file holds."""
        return int(self.db.conn.execute("SELECT count(*) FROM customers").fetchone()[0])
