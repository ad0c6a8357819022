"""Transactions at the reference server: ``record_activity``, ``redeem``, ``transaction_delete``
and the history ``customer_balance`` reads.

As the public clients use them (api-notes.md; the PHP wrapper's ``recordTransaction`` and
``redeemTransaction``): a points campaign takes ``amount`` (money spent, turned into points by the
campaign's ``points_ratio``); gift card and earned campaigns take ``amount`` (money); buy-X takes
``service_product`` and ``buyx_quantity`` (default 1); events take nothing (one event). Every
transaction keeps the free ``authorization`` text it was sent with. The answer is a ``receipt``:
``campaign{id, name, type}``, ``customer{code, card_number}`` and ``transaction{id, date, amount,
redeemed, authorization, balance}``, the new balance as ``balance{points}`` for counted
campaigns or ``balance{amount, currency}`` for money.

Choices where the evidence is thin (one place, on purpose): points are ``amount`` times
``points_ratio``, kept exact (no public client computes points or shows how the real service
rounds a fraction; the kiosk sends only amounts that no rounding could change, and keeps the
receipt's balance); ``promo_id`` and
``custom_dollars_redeem`` are refused (promotions and dollar-valued points are not modelled); a
buy-X reward redeems its ``level`` from the product its description names; ``customer_balance``
lists 10 transactions unless ``transactions_number`` (1 to 500) says otherwise, newest first; a
customer is named by ``code`` or, failing that, ``card_number``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kiosk.domain.edit_rules import MAX_CREDIT, EditError, format_amount, parse_amount
from kiosk.domain.fields import MONEY_KINDS
from kiosk.reference.store import CampaignRecord, ReferenceStore

Payload = dict[str, Any]
"""An answer before rendering."""

MAX_AUTHORIZATION = 255
"""The longest ``authorization`` text kept (our choice)."""
DEFAULT_TRANSACTIONS = 10
"""How many transactions ``customer_balance`` lists when not told (the API's default is unsure)."""


def record_activity(store: ReferenceStore, form: Mapping[str, str], code: str) -> Payload:
    """Credit one campaign of the customer ``code``; see the module docstring."""
    campaign = _campaign(store, form)
    authorization = _authorization(form)
    if form.get("promo_id"):
        raise EditError("promo_id: promotions are not modelled by this reference server")
    item = ""
    if campaign.type == "points":
        spent = _amount(form, "amount")
        credit = spent * Decimal(campaign.points_ratio or "1")
    elif campaign.type in MONEY_KINDS:
        credit = _amount(form, "amount")
    elif campaign.type == "buyx":
        item = form.get("service_product", "").strip()
        if not item or len(item) > 100:
            raise EditError(
                "service_product must name the product or service (1 to 100 characters)"
            )
        credit = _count(form.get("buyx_quantity", "1") or "1", "buyx_quantity")
    else:  # events, visits: one more
        credit = Decimal(1)
    with store.transaction():
        transaction_id, balance = store.add_transaction(
            code, campaign.campaign_id, credit, item=item, authorization=authorization
        )
    return _receipt(store, campaign, code, transaction_id, credit, False, authorization, balance)


def redeem(store: ReferenceStore, form: Mapping[str, str], code: str) -> Payload:
    """Redeem from one campaign; an error (nothing changed) when the balance is too low."""
    campaign = _campaign(store, form)
    authorization = _authorization(form)
    reward = form.get("reward_to_redeem", "").strip()
    custom = form.get("custom_points_redeem", "").strip()
    if form.get("custom_dollars_redeem"):
        raise EditError("custom_dollars_redeem is not modelled by this reference server")
    item = ""
    if custom:
        if campaign.type != "points":
            raise EditError("custom_points_redeem is for points campaigns")
        cost = _parsed(custom, "custom_points_redeem")
    elif not reward:
        raise EditError("Give reward_to_redeem (or custom_points_redeem) to say what to redeem")
    elif campaign.type in MONEY_KINDS:
        cost = _parsed(reward, "reward_to_redeem")  # an amount of money
    else:
        found = [r for r in store.rewards(campaign.campaign_id) if r["id"] == reward]
        if not found:
            raise EditError(f"No reward {reward[:40]!r} in campaign {campaign.campaign_id}")
        cost = Decimal(found[0]["level"])
        item = found[0]["description"] if campaign.type == "buyx" else ""
    with store.transaction():
        if store.balance(code, campaign.campaign_id, item) < cost:
            raise EditError("The balance is too low for this redemption")
        transaction_id, balance = store.add_transaction(
            code, campaign.campaign_id, cost, item=item, redeemed=True, authorization=authorization
        )
    return _receipt(store, campaign, code, transaction_id, cost, True, authorization, balance)


def transaction_delete(store: ReferenceStore, form: Mapping[str, str], code: str) -> Payload:
    """Remove one transaction (and its effect on the balance)."""
    campaign = _campaign(store, form)
    transaction_id = form.get("transaction_id", "").strip()
    if not transaction_id.isdigit():
        raise EditError("transaction_id must be the id of a transaction")
    if not store.delete_transaction(code, campaign.campaign_id, transaction_id):
        raise EditError(f"No transaction {transaction_id[:20]} of this customer in this campaign")
    return {"status": "success"}


def customer_balance(store: ReferenceStore, form: Mapping[str, str], code: str) -> Payload:
    """The balance and latest transactions of one customer in one campaign."""
    campaign = _campaign(store, form)
    wanted = form.get("transactions_number", "").strip() or str(DEFAULT_TRANSACTIONS)
    if not wanted.isdigit() or not 1 <= int(wanted) <= 500:
        raise EditError("transactions_number must be a whole number from 1 to 500")
    record = store.customer(code) or {}
    history = store.transactions(code, campaign.campaign_id, int(wanted))
    redemptions = [t["date"] for t in history if t["redeemed"] == "Y"]
    balance = sum(
        (
            Decimal(b["balance"])
            for b in store.balances(code)
            if b["campaign_id"] == campaign.campaign_id
        ),
        Decimal(0),
    )
    transactions = [{**t, "campaign": campaign.name} for t in history]
    return {
        "status": "success",
        "campaign": {
            "campaign_id": campaign.campaign_id,
            "campaign_type": campaign.type,
            "campaign_name": campaign.name,
            "customer": {
                "code": code,
                "card_number": record.get("card_number") or "",
                "balance": format_amount(balance),
                "last_transaction": history[0]["date"] if history else "",
                "last_redemption": redemptions[0] if redemptions else "",
                "transactions": transactions,
            },
        },
    }


def _campaign(store: ReferenceStore, form: Mapping[str, str]) -> CampaignRecord:
    campaign_id = form.get("campaign_id", "").strip()
    if not campaign_id:
        raise EditError("Missing required field: campaign_id")
    campaign = store.campaign_record(campaign_id)
    if campaign is None:
        raise EditError(f"No campaign with campaign_id {campaign_id[:40]!r}")
    return campaign


def _authorization(form: Mapping[str, str]) -> str:
    text = form.get("authorization", "")
    if len(text) > MAX_AUTHORIZATION:
        raise EditError(f"authorization is too long (at most {MAX_AUTHORIZATION} characters)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise EditError("authorization contains control characters")
    return text


def _amount(form: Mapping[str, str], name: str) -> Decimal:
    value = form.get(name, "").strip()
    if not value:
        raise EditError(f"Missing required field: {name}")
    return _parsed(value, name)


def _parsed(value: str, name: str) -> Decimal:
    amount = parse_amount(value)
    if amount is None or amount <= 0 or amount > MAX_CREDIT:
        raise EditError(
            f"{name} must be a positive number up to {MAX_CREDIT} with at most 2 decimals, "
            f"got {value[:40]!r}"
        )
    return amount


def _count(value: str, name: str) -> Decimal:
    if not value.strip().isdigit() or not 1 <= int(value) <= 1000:
        raise EditError(f"{name} must be a whole number from 1 to 1000")
    return Decimal(int(value))


def _receipt(
    store: ReferenceStore,
    campaign: CampaignRecord,
    code: str,
    transaction_id: int,
    amount: Decimal,
    redeemed: bool,
    authorization: str,
    balance: Decimal,
) -> Payload:
    record = store.customer(code) or {}
    if campaign.type in MONEY_KINDS:
        new_balance: dict[str, str] = {
            "amount": format_amount(balance),
            "currency": campaign.currency,
        }
    else:
        new_balance = {"points": format_amount(balance)}
    return {
        "status": "success",
        "receipt": {
            "campaign": {"id": campaign.campaign_id, "name": campaign.name, "type": campaign.type},
            "customer": {
                "code": code,
                "card_number": record.get("card_number") or "",
                "first_name": record.get("first_name") or "",
                "last_name": record.get("last_name") or "",
            },
            "transaction": {
                "id": str(transaction_id),
                "amount": format_amount(amount),
                "redeemed": "Y" if redeemed else "N",
                "authorization": authorization,
                "balance": new_balance,
            },
        },
    }
