"""Pull (S7): fill or refresh the local store from the central API, keeping local edits.

Customers, balances, campaigns and custom field definitions come from the central API. A field
that still has a queued local edit keeps its local value (the edit will reach the central API
later), and a local balance is the central balance plus the credits still queued. A card that a
customer registered on this kiosk, and that the central API also knows, is left to the delivery of
that registration, which merges the two (so that a swipe never finds two customers locally).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from kiosk.central.client import CentralClient, CentralCustomer
from kiosk.domain.edit_rules import EditError, credit_of
from kiosk.domain.fields import CUSTOM_FIELD_NAME, PROFILE_FIELDS
from kiosk.storage.customer_store import Store, format_amount
from kiosk.storage.database import utc_now, write_transaction

BATCH = 500
"""Customers written per transaction, so the kiosk stays responsive during a large pull."""


@dataclass
class PullReport:
    """What a pull changed."""

    customers: int = 0
    new_customers: int = 0
    kept_local_fields: int = 0
    skipped_unsent_cards: int = 0
    campaigns: int = 0
    custom_fields: int = 0

    def summary(self) -> str:
        """One line for ``kiosk sync pull``."""
        return (
            f"{self.customers} customers ({self.new_customers} new), {self.campaigns} campaigns, "
            f"{self.custom_fields} custom fields; {self.kept_local_fields} fields kept for "
            f"queued local edits; {self.skipped_unsent_cards} cards wait for their registration"
        )


async def pull(store: Store, client: CentralClient) -> PullReport:
    """Refresh the local store from the central API; see the module docstring."""
    report = PullReport()
    campaigns = await client.list_campaigns()
    custom_fields = await client.list_custom_fields()
    customers = await client.customer_search(include_balances=True)
    for campaign in campaigns:
        store.define_campaign(campaign)
    for definition in custom_fields:
        store.define_custom_field(definition)
    report.campaigns, report.custom_fields = len(campaigns), len(custom_fields)
    for start in range(0, len(customers), BATCH):
        with write_transaction(store.db):
            queued = _queued_changes(store)
            unsent_cards = _unsent_cards(store)
            known_campaigns = {campaign.campaign_id for campaign in store.campaigns()}
            for central in customers[start : start + BATCH]:
                _merge_customer(store, central, queued, unsent_cards, known_campaigns, report)
    return report


class _Queued:
    """The local edits still waiting for one customer: field names and credits."""

    def __init__(self) -> None:
        self.fields: set[str] = set()
        self.credits: dict[tuple[str, str], Decimal] = defaultdict(Decimal)


def _queued_changes(store: Store) -> dict[str, _Queued]:
    queued: dict[str, _Queued] = defaultdict(_Queued)
    rows = store.db.conn.execute(
        "SELECT customer_code, request FROM outbox WHERE state IN ('pending', 'attention')"
    )
    for code, text in rows:
        request = json.loads(text)
        changes = queued[code]
        changes.fields.update(request)
        if "card_number_generate" in request:
            changes.fields.add("card_number")
        try:
            credit = credit_of(request, store.view)
        except EditError:
            credit = None
        if credit is not None:
            changes.credits[(credit.campaign_id, credit.item)] += credit.amount
    return queued


def _unsent_cards(store: Store) -> set[str]:
    rows = store.db.conn.execute(
        "SELECT card_number FROM customers WHERE central_known = 0 AND card_number IS NOT NULL"
    )
    return {row[0] for row in rows}


def _merge_customer(
    store: Store,
    central: CentralCustomer,
    queued: dict[str, _Queued],
    unsent_cards: set[str],
    known_campaigns: set[str],
    report: PullReport,
) -> None:
    conn = store.db.conn
    exists = conn.execute("SELECT 1 FROM customers WHERE code = ?", (central.code,)).fetchone()
    if not exists and central.card_number in unsent_cards:
        report.skipped_unsent_cards += 1
        return
    local = queued.get(central.code, _Queued())
    values: dict[str, str | int] = {
        name: central.profile.get(name, "") for name in PROFILE_FIELDS
    }
    values["card_number"] = central.card_number or ""
    kept = {name for name in values if name in local.fields}
    report.kept_local_fields += len(kept)
    values = {name: value for name, value in values.items() if name not in kept}
    now = utc_now()
    report.customers += 1
    if exists:
        values["central_known"] = 1
        assignments = ", ".join(f"{name} = ?" for name in values)
        conn.execute(
            f"UPDATE customers SET {assignments}, updated_at = ? WHERE code = ?",
            [*values.values(), now, central.code],
        )
    else:
        report.new_customers += 1
        values.update(code=central.code, central_known=1, created_at=now, updated_at=now)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        conn.execute(f"INSERT INTO customers ({columns}) VALUES ({marks})", list(values.values()))
    for field_id, value in central.custom_values.items():
        if f"custom_field_{field_id}" in local.fields or not CUSTOM_FIELD_NAME.fullmatch(
            f"custom_field_{field_id}"
        ):
            continue
        conn.execute(
            "INSERT INTO custom_values (code, field_id, value) VALUES (?, ?, ?) "
            "ON CONFLICT (code, field_id) DO UPDATE SET value = excluded.value",
            (central.code, field_id, value),
        )
    _refresh_balances(store, central, local, known_campaigns)


def _refresh_balances(
    store: Store, central: CentralCustomer, local: _Queued, known_campaigns: set[str]
) -> None:
    """Local balance = central balance + credits still queued here."""
    conn = store.db.conn
    conn.execute("DELETE FROM balances WHERE code = ?", (central.code,))
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for balance in central.balances:
        totals[(balance.campaign_id, balance.item or "")] += balance.balance
    for key, amount in local.credits.items():
        totals[key] += amount
    for (campaign_id, item), amount in totals.items():
        if campaign_id in known_campaigns:
            conn.execute(
                "INSERT INTO balances (code, campaign_id, item, amount) VALUES (?, ?, ?, ?)",
                (central.code, campaign_id, item, format_amount(amount)),
            )
