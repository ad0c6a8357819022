"""What the local store hands out: a customer, a balance line, a name for a list, an applied
edit, and the note a staff edit is audited with.

Plain typed records with no SQL, so that the screens, the CLI and the sync sweep can name them
without reaching into :mod:`kiosk.storage.customer_store`, which fills them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from kiosk.domain.edit_rules import EditPlan
from kiosk.domain.fields import PROFILE_FIELDS

CUSTOMER_COLUMNS: tuple[str, ...] = ("code", "card_number", *PROFILE_FIELDS)
"""Columns shown by ``customer show`` and returned by searches (hashes never leave the store)."""


class CustomerRecord(TypedDict):
    """One customer as the store returns it: every stored field, never a hash (S9)."""

    code: str
    card_number: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    street1: str | None
    street2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    custom_date: str | None
    custom_field: str | None
    customer_username: str | None
    has_pin: bool
    has_password: bool
    central_known: bool
    """The central API has confirmed this customer's code."""
    registered_here: bool
    """Registered on this kiosk (S9: only then may a card holder choose the first PIN here)."""
    custom_values: dict[int, str]
    """``custom_field_N`` values by N."""


class BalanceRow(TypedDict):
    """One balance of one customer, with its campaign's name and type."""

    campaign_id: str
    campaign_name: str
    campaign_type: str
    item: str
    """The product for a buy-X balance; empty otherwise."""
    balance: str
    """The amount as exact decimal text."""


@dataclass(frozen=True)
class CustomerName:
    """Who a customer is, for a list line: name and card (show the card masked)."""

    first_name: str
    last_name: str
    card_number: str | None

    @property
    def full_name(self) -> str:
        """First and last name, or "" when neither is known."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class EditResult:
    """An applied edit: what it changed, and the outbox entry queued with it."""

    plan: EditPlan
    entry_id: str
    """The outbox entry written in the same transaction (S1)."""


@dataclass(frozen=True)
class AuditNote:
    """Who made a staff edit and why; recorded in the audit table with the edit (never secrets)."""

    actor: str
    action: str
    detail: str
