"""Refreshing the local store from customers pulled from the central API, keeping local edits (S7).

Provides :func:`refresh_customers`, which writes one batch of pulled customers in one write
transaction, and the shapes it reads (:class:`PulledCustomer`, :class:`PulledBalance`: any object
with those attributes, such as the central client's answers, so storage does not depend on the
client).

A field that still has a queued local edit keeps its local value (the edit will reach the central
API later), and a local balance is the central balance plus the credits still queued that surely
have not reached it (a credit in doubt may already be in the central balance, so it is left out
until its doubt is decided). A card that
a customer registered on this kiosk, and that the central API also knows, is left to the delivery
of that registration, which merges the two (so that a swipe never finds two customers locally).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from kiosk.domain.edit_rules import CustomerView, EditError, credit_of
from kiosk.domain.fields import CUSTOM_FIELD_NAME, PROFILE_FIELDS
from kiosk.storage.balances import format_amount
from kiosk.storage.counter_entries import COUNTER_ACTIONS, queued_effect
from kiosk.storage.database import utc_now, write_transaction
from kiosk.storage.outbox import Outbox


class PulledBalance(Protocol):
    """One balance of a pulled customer."""

    @property
    def campaign_id(self) -> str: ...

    @property
    def item(self) -> str: ...

    @property
    def balance(self) -> Decimal | None:
        """None when the answer did not say: unknown, never 0."""


class PulledCustomer(Protocol):
    """A customer as the central API returned it (never a PIN or a hash)."""

    @property
    def code(self) -> str: ...

    @property
    def card_number(self) -> str | None: ...

    @property
    def profile(self) -> Mapping[str, str]:
        """Only the fields the answer carried: a missing one is unknown, not empty."""

    @property
    def custom_values(self) -> Mapping[int, str]: ...

    @property
    def balances(self) -> Sequence[PulledBalance] | None:
        """None when the answer carried no balances at all (unknown)."""


@dataclass
class RefreshCounts:
    """What a refresh changed, added up over batches."""

    customers: int = 0
    new_customers: int = 0
    kept_local_fields: int = 0
    skipped_unsent_cards: int = 0


@dataclass
class _Queued:
    """The local edits still waiting for one customer: field names and credits."""

    fields: set[str] = field(default_factory=set)
    credits: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))


def refresh_customers(
    outbox: Outbox,
    view: CustomerView,
    customers: Iterable[PulledCustomer],
    counts: RefreshCounts,
) -> None:
    """Write one batch of pulled customers in one transaction; see the module docstring."""
    conn = outbox.conn
    with write_transaction(outbox.db):
        queued = _queued_changes(outbox, view)
        unsent_cards = {
            row[0]
            for row in conn.execute(
                "SELECT card_number FROM customers "
                "WHERE central_known = 0 AND card_number IS NOT NULL"
            )
        }
        known_campaigns = {row[0] for row in conn.execute("SELECT campaign_id FROM campaigns")}
        for central in customers:
            _merge_customer(conn, central, queued, unsent_cards, known_campaigns, counts)


def _queued_changes(outbox: Outbox, view: CustomerView) -> dict[str, _Queued]:
    queued: dict[str, _Queued] = defaultdict(_Queued)
    for entry in outbox.undelivered_entries(actions=COUNTER_ACTIONS):
        effect = queued_effect(entry.action, entry.request, entry.state, entry.in_doubt)
        if effect is not None:
            campaign_id, item, amount = effect
            queued[entry.customer_code].credits[(campaign_id, item)] += amount
    for code, request, in_doubt in outbox.undelivered_requests():
        changes = queued[code]
        changes.fields.update(request)
        if "card_number_generate" in request:
            changes.fields.add("card_number")
        if in_doubt:
            # Sent, no answer yet: the central balance may already hold it. Show only what is
            # known; delivery refreshes this customer once the doubt is decided (issue 12).
            continue
        try:
            credit = credit_of(request, view)
        except EditError:
            credit = None
        if credit is not None:
            changes.credits[(credit.campaign_id, credit.item)] += credit.amount
    return queued


def _merge_customer(
    conn: sqlite3.Connection,
    central: PulledCustomer,
    queued: dict[str, _Queued],
    unsent_cards: set[str],
    known_campaigns: set[str],
    counts: RefreshCounts,
) -> None:
    exists = conn.execute("SELECT 1 FROM customers WHERE code = ?", (central.code,)).fetchone()
    if not exists and central.card_number in unsent_cards:
        counts.skipped_unsent_cards += 1
        return
    local = queued.get(central.code, _Queued())
    # Only what the answer carried: a field it left out is unknown and keeps its local value.
    values: dict[str, str | int] = {
        name: central.profile[name] for name in PROFILE_FIELDS if name in central.profile
    }
    if central.card_number is not None:
        values["card_number"] = central.card_number
    kept = {name for name in values if name in local.fields}
    counts.kept_local_fields += len(kept)
    values = {name: value for name, value in values.items() if name not in kept}
    now = utc_now()
    counts.customers += 1
    if exists:
        values["central_known"] = 1
        assignments = ", ".join(f"{name} = ?" for name in values)
        conn.execute(
            f"UPDATE customers SET {assignments}, updated_at = ? WHERE code = ?",
            [*values.values(), now, central.code],
        )
    else:
        counts.new_customers += 1
        values.update(code=central.code, central_known=1, created_at=now, updated_at=now)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        conn.execute(f"INSERT INTO customers ({columns}) VALUES ({marks})", list(values.values()))
    for field_id, value in central.custom_values.items():
        name = f"custom_field_{field_id}"
        if name in local.fields or not CUSTOM_FIELD_NAME.fullmatch(name):
            continue
        conn.execute(
            "INSERT INTO custom_values (code, field_id, value) VALUES (?, ?, ?) "
            "ON CONFLICT (code, field_id) DO UPDATE SET value = excluded.value",
            (central.code, field_id, value),
        )
    _refresh_balances(conn, central, local, known_campaigns)


def _refresh_balances(
    conn: sqlite3.Connection, central: PulledCustomer, local: _Queued, known_campaigns: set[str]
) -> None:
    """Local balance = central balance + credits still queued here; where the answer did not
    say (no balances at all, or one campaign's amount missing) the local balance stays."""
    if central.balances is None:
        return
    _campaign_terms(conn, central.balances)
    unknown = {
        (balance.campaign_id, balance.item or "")
        for balance in central.balances
        if balance.balance is None
    }
    kept = {
        (campaign_id, item): Decimal(amount)
        for campaign_id, item, amount in conn.execute(
            "SELECT campaign_id, item, amount FROM balances WHERE code = ?", (central.code,)
        )
        if (campaign_id, item) in unknown
    }
    conn.execute("DELETE FROM balances WHERE code = ?", (central.code,))
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal, kept)
    for balance in central.balances:
        if balance.balance is not None:
            totals[(balance.campaign_id, balance.item or "")] += balance.balance
    for key, amount in local.credits.items():
        if key not in unknown:  # a kept local balance already holds its queued credits
            totals[key] += amount
    for (campaign_id, item), amount in totals.items():
        if campaign_id in known_campaigns:
            # A queued redemption that another counter's spending has outrun shows as nothing
            # left, never below zero (issue 13); its refusal brings the central balance back.
            conn.execute(
                "INSERT INTO balances (code, campaign_id, item, amount) VALUES (?, ?, ?, ?)",
                (central.code, campaign_id, item, format_amount(max(amount, Decimal(0)))),
            )


def _campaign_terms(conn: sqlite3.Connection, balances: Sequence[PulledBalance]) -> None:
    """Keep a campaign's currency and points ratio when the answer gave them (``customer_info``
    carries them beside each balance); one it left out stays as it was (unknown is not empty)."""
    for balance in balances:
        currency = getattr(balance, "currency", None)
        ratio = getattr(balance, "points_ratio", None)
        if currency is None and ratio is None:
            continue
        conn.execute(
            "UPDATE campaigns SET currency = coalesce(?, currency), "
            "points_ratio = coalesce(?, points_ratio) WHERE campaign_id = ?",
            (currency, None if ratio is None else format_amount(ratio), balance.campaign_id),
        )


def reconcile_balance(
    outbox: Outbox, view: CustomerView, code: str, campaign_id: str, item: str, central: Decimal
) -> Decimal:
    """Make one local balance the central one a receipt just gave plus what the customer still
    has queued there, counted as a pull counts it (issue 13: a purchase's points as the central
    API computed them); returns the local balance now (never below zero)."""
    total = central
    with write_transaction(outbox.db):
        for entry in outbox.undelivered_entries(code):
            if entry.action in COUNTER_ACTIONS:
                effect = queued_effect(entry.action, entry.request, entry.state, entry.in_doubt)
            else:
                effect = None if entry.in_doubt else _credit_effect(entry.request, view)
            if effect is not None and effect[:2] == (campaign_id, item):
                total += effect[2]
        total = max(total, Decimal(0))
        outbox.conn.execute(
            "INSERT INTO balances (code, campaign_id, item, amount) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (code, campaign_id, item) DO UPDATE SET amount = excluded.amount",
            (code, campaign_id, item, format_amount(total)),
        )
    return total


def _credit_effect(
    request: Mapping[str, str], view: CustomerView
) -> tuple[str, str, Decimal] | None:
    try:
        credit = credit_of(request, view)
    except EditError:
        return None
    return None if credit is None else (credit.campaign_id, credit.item, credit.amount)
