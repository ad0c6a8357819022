"""A staff credit in words: :func:`credit_rule`, :func:`credit_problem`, :func:`credit_question`.

Whether an amount is acceptable is the domain's decision (``credit_of``, rule M9, and the field
checks): :func:`credit_problem` asks it, then says what is wrong with the campaign's unit and rule
in the words, so the cashier can fix the amount as it is typed, before any confirmation.
:func:`credit_question` states the exact effect: what is added, to which balance, from what to
what, for whom.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kiosk.domain.edit_rules import MAX_CREDIT, EditError, credit_of, parse_amount
from kiosk.domain.fields import MAX_LENGTH, Campaign, CustomFieldDef, field_problem
from kiosk.storage.balances import format_amount
from kiosk.storage.records import BalanceRow

_LIMIT = f"{MAX_CREDIT:,.0f}"


def credit_rule(campaign: Campaign) -> str:
    """What may be typed for ``campaign``, with its unit: shown under the empty field."""
    if campaign.kind == "buyx":
        return "Type the product or service bought (e.g. Bagel); one is added."
    if campaign.kind == "visits":
        return f"Visits: a whole number from 1 to {_LIMIT}."
    if campaign.kind == "dollars":
        return f"Dollars: above 0, up to {_LIMIT}, at most 2 decimals (e.g. 9.95)."
    return f"Points: above 0, up to {_LIMIT}, at most 2 decimals."


def credit_problem(campaign: Campaign, text: str) -> str | None:
    """What is wrong with ``text`` as an amount for ``campaign``, or None when the store would
    accept it. An empty field is not (yet) a problem: see :func:`credit_rule`."""
    if not text.strip():
        return None
    if field_problem("auto_add", text) is None:
        try:
            credit_of({"campaign_id": campaign.campaign_id, "auto_add": text}, _Only(campaign))
        except EditError:
            pass
        else:
            return None
    return f"{_what_is_wrong(campaign, text)} {credit_rule(campaign)}"


def _what_is_wrong(campaign: Campaign, text: str) -> str:
    stripped = text.strip()
    shown = stripped[:10]
    if campaign.kind == "buyx":
        limit = MAX_LENGTH["auto_add"]
        if len(text) > limit:
            return f"At most {limit} characters."
        return f"{shown!r} cannot be used as a product name."
    if stripped.startswith("-"):
        return "Only additions here."
    if _too_precise(stripped):
        return "At most 2 decimals."
    amount = parse_amount(stripped)
    if amount is None:
        return f"{shown!r} is not a number."
    if amount <= 0:
        return "Add more than 0."
    if amount > MAX_CREDIT:
        return f"At most {_LIMIT} at once."
    if campaign.kind == "visits":
        return "Visits are whole."
    return "Please check the amount."


def _too_precise(text: str) -> bool:
    whole, sep, fraction = text.replace(",", ".").partition(".")
    return bool(sep) and whole.isdigit() and fraction.isdigit() and len(fraction) > 2


def credit_question(
    campaign: Campaign, text: str, name: str, balances: Sequence[BalanceRow]
) -> str:
    """The confirmation of a credit: exactly what is added, to which balance, from what to
    what, and for whom. ``text`` must be accepted by :func:`credit_problem`."""
    if campaign.kind == "buyx":
        item = text.strip()
        before = _balance(balances, campaign.campaign_id, item)
        return (
            f"Add one {item} to {campaign.name} for {name}?\n"
            f"{item}: {format_amount(before)} -> {format_amount(before + 1)}"
        )
    amount = parse_amount(text)
    assert amount is not None, "credit_problem accepted it"
    before = _balance(balances, campaign.campaign_id, "")
    after = before + amount
    if campaign.kind == "dollars":
        what, old, new = f"${format_amount(amount)}", f"${_cents(before)}", f"${_cents(after)}"
    else:
        unit = campaign.kind
        what = f"{format_amount(amount)} {unit}"
        old, new = format_amount(before), f"{format_amount(after)} {unit}"
    return f"Add {what} to {campaign.name} for {name}?\n{campaign.name}: {old} -> {new}"


def _balance(balances: Sequence[BalanceRow], campaign_id: str, item: str) -> Decimal:
    for row in balances:
        if row["campaign_id"] == campaign_id and row["item"] == item:
            return Decimal(row["balance"])
    return Decimal(0)


def _cents(amount: Decimal) -> str:
    return f"{amount:.2f}"


class _Only:
    """The edit engine's view of the store, reduced to one campaign: all ``credit_of`` reads."""

    def __init__(self, campaign: Campaign) -> None:
        self._campaign = campaign

    def campaign(self, campaign_id: str) -> Campaign | None:
        return self._campaign if campaign_id == self._campaign.campaign_id else None

    def codes_with_card(self, card_number: str, limit: int = 2) -> list[str]:
        return []

    def code_exists(self, code: str) -> bool:
        return False

    def card_in_use(self, card_number: str) -> bool:
        return False

    def custom_field(self, field_id: int) -> CustomFieldDef | None:
        return None
