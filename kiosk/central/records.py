"""What the central API's answers mean: typed results, read from every shape the service uses.

A value missing from an answer is *unknown* (``None``), never zero or empty: a balance the answer
did not carry is not a balance of 0, and a customer whose answer has no ``campaigns`` list has
unknown balances, not none. Names differ by call and both spellings are read (api-notes.md):
``id``/``name``/``type`` (``campaigns_list``, ``customer_info``) and
``campaign_id``/``campaign_name``/``campaign_type`` (``customer_balance``, our search records).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from kiosk.central.answers import BadAnswer, first, has_list, identifier, items, one, text
from kiosk.domain.fields import (
    CUSTOM_FIELD_NAME,
    FIELD_TYPE_NAMES,
    PROFILE_FIELDS,
    Campaign,
    CustomFieldDef,
    CustomFieldKind,
    campaign_kind,
)
from kiosk.domain.secrets import mask_card

FIELD_TYPES: dict[str, CustomFieldKind] = {
    name.lower(): kind for kind, name in FIELD_TYPE_NAMES.items()
}
"""``manage_fields`` type names, lower-cased, and the :class:`CustomFieldDef` kinds (A4)."""


@dataclass(frozen=True)
class EditResponse:
    """The answer to an accepted ``record_customer`` call (rules R1, R2)."""

    status: Literal["new", "update"]
    """Whether a customer was created or updated."""
    code: str
    """The customer's code at the central API: adopt it (S4). Text, leading zeros kept (R5)."""
    card_number: str | None
    """Only when ``card_number_generate`` made one (M6)."""

    def __repr__(self) -> str:
        return (
            f"EditResponse(status={self.status!r}, code={self.code!r}, "
            f"card_number={_masked(self.card_number)!r})"
        )


@dataclass(frozen=True)
class CentralBalance:
    """A customer's balance in one campaign (one product, for buy-X)."""

    campaign_id: str
    campaign_name: str
    campaign_type: str
    balance: Decimal | None
    """None when the answer did not say (unknown, never 0)."""
    item: str = ""
    """The product or service name, for buy-X balances."""
    currency: str | None = None
    """The campaign's currency when the answer gave it (``customer_info``)."""
    points_ratio: Decimal | None = None
    """The campaign's points per unit of money when the answer gave it."""


@dataclass(frozen=True)
class CentralCustomer:
    """A customer as ``customer_search`` and ``customer_info`` return it (never a PIN or hash)."""

    code: str
    card_number: str | None
    profile: dict[str, str]
    """Only the :data:`~kiosk.domain.fields.PROFILE_FIELDS` the answer carried."""
    custom_values: dict[int, str]
    """``custom_field_N`` values by N."""
    balances: tuple[CentralBalance, ...] | None
    """None when the answer carried no balances at all (unknown)."""

    def __repr__(self) -> str:
        # S8: a card number shows its last 4 characters; so does a code that is the card number.
        code = _masked(self.code) if self.code == self.card_number else self.code
        return (
            f"CentralCustomer(code={code!r}, card_number={_masked(self.card_number)!r}, "
            f"profile={self.profile!r}, custom_values={self.custom_values!r}, "
            f"balances={self.balances!r})"
        )

    def balance(self, campaign_id: str, item: str = "") -> Decimal | None:
        """The balance in one campaign (and product): None when unknown (the answer carried no
        balances, or that entry without a value); 0 when the answer listed the customer's
        balances and this campaign is not among them."""
        if self.balances is None:
            return None
        for entry in self.balances:
            if entry.campaign_id == campaign_id and (entry.item or "") == item:
                return entry.balance
        return Decimal(0)


@dataclass(frozen=True)
class Reward:
    """A reward of a campaign (``campaign_rewards``)."""

    reward_id: str
    description: str
    level: Decimal | None
    """What it takes to redeem it (points, items, events); None when the answer did not say."""


@dataclass(frozen=True)
class Transaction:
    """One transaction of a customer's history (``customer_balance``)."""

    transaction_id: str
    date: str
    amount: Decimal | None
    redeemed: bool
    """True for a redemption (``redeemed=Y``), False for a credit."""
    authorization: str
    """The free text sent with it: the tag that recognises our own transactions."""
    item: str = ""


@dataclass(frozen=True)
class BalanceHistory:
    """``customer_balance``: one campaign's balance and latest transactions for one customer."""

    campaign_id: str
    campaign_type: str
    campaign_name: str
    code: str
    balance: Decimal | None
    transactions: tuple[Transaction, ...]


@dataclass(frozen=True)
class Receipt:
    """The ``receipt`` of ``record_activity`` and ``redeem``."""

    transaction_id: str
    campaign_id: str
    balance: Decimal | None
    """The balance after the transaction; None when the receipt did not say."""


def _masked(card: str | None) -> str | None:
    return None if card is None else mask_card(card)


def amount(value: Any) -> Decimal | None:
    """A number from an answer (a decimal comma accepted); None when missing.

    Raises:
        BadAnswer: present but not a finite number.
    """
    found = text(value).strip().replace(",", ".")
    if not found:
        return None
    try:
        number = Decimal(found)
    except InvalidOperation:
        raise BadAnswer("A number in the central API's answer is not a number") from None
    if not number.is_finite():
        raise BadAnswer("A number in the central API's answer is not finite")
    return number


def edit_response(payload: Mapping[str, Any]) -> EditResponse:
    """The ``customer`` of a ``record_customer`` answer.

    Raises:
        BadAnswer: no valid status, or a code or card number that is not acceptable.
    """
    customer = one(payload, "customer")
    status = text(customer.get("status"))
    if status not in ("new", "update"):
        raise BadAnswer("record_customer answer has no valid customer status")
    code = identifier(customer.get("code"), "customer code")
    card = customer.get("card_number")
    card_number = None if card in (None, "") else identifier(card, "card number")
    return EditResponse(status, code, card_number)  # type: ignore[arg-type]


def customer_from(entry: Mapping[str, Any], *, campaigns: Any = None) -> CentralCustomer:
    """A customer record; ``campaigns`` is the answer's top-level list (``customer_info``) when
    the balances are not inside the record (``customer_search``)."""
    code = identifier(entry.get("code"), "customer code")
    card = text(entry.get("card_number")).strip()
    card_number = identifier(card, "card number") if card else None
    profile = {name: text(entry[name]) for name in PROFILE_FIELDS if name in entry}
    custom: dict[int, str] = {}
    for name, value in entry.items():
        match = CUSTOM_FIELD_NAME.fullmatch(name) if name.startswith("custom_field_") else None
        if match:
            custom[int(match.group(1))] = text(value)
    source: Mapping[str, Any] | None = None
    if has_list(entry, "campaigns", "campaign"):
        source = entry
    elif campaigns is not None:
        source = {"campaigns": campaigns}
    balances = None if source is None else tuple(_balances(source))
    return CentralCustomer(code, card_number, profile, custom, balances)


def _balances(source: Mapping[str, Any]) -> list[CentralBalance]:
    found: list[CentralBalance] = []
    for entry in items(source, "campaigns", "campaign"):
        campaign_id = text(first(entry, "id", "campaign_id"))
        name = text(first(entry, "name", "campaign_name"))
        kind = text(first(entry, "type", "campaign_type"))
        currency, ratio = campaign_terms(entry)
        per_item = (
            items(entry, "items", "item") if isinstance(entry.get("items"), (list, dict)) else []
        )
        if not per_item and isinstance(entry.get("balances"), (list, dict)):
            per_item = items(entry, "balances", "item")
        if per_item:  # buy-X: a balance per product
            for product in per_item:
                found.append(
                    CentralBalance(
                        campaign_id,
                        name,
                        kind,
                        amount(product.get("balance")),
                        text(first(product, "name", "item")),
                        currency,
                        ratio,
                    )
                )
            continue
        item = entry.get("item")
        item_name = item if isinstance(item, str) else ""
        found.append(
            CentralBalance(
                campaign_id, name, kind, amount(entry.get("balance")), item_name, currency, ratio
            )
        )
    return found


def campaign_from(entry: Mapping[str, Any]) -> Campaign | None:
    """A campaign of ``campaigns_list`` (either naming); None for a type the kiosk cannot use."""
    campaign_id = text(first(entry, "id", "campaign_id")).strip()
    kind = campaign_kind(text(first(entry, "type", "campaign_type")))
    if not campaign_id or kind is None:
        return None
    name = text(first(entry, "name", "campaign_name")).strip() or f"Campaign {campaign_id}"
    return Campaign(campaign_id, name, kind, *campaign_terms(entry))


def campaign_terms(entry: Mapping[str, Any]) -> tuple[str | None, Decimal | None]:
    """``currency`` and ``points_ratio`` of a campaign entry (``campaigns_list`` or the
    ``campaigns`` of ``customer_info``): None where missing or unreadable (unknown, never a
    reason to refuse the rest of the answer)."""
    currency = text(entry.get("currency")).strip().upper()[:10] or None
    try:
        ratio = amount(entry.get("points_ratio"))
    except BadAnswer:
        ratio = None
    if ratio is not None and ratio <= 0:
        ratio = None
    return currency, ratio


def reward_from(entry: Mapping[str, Any]) -> Reward:
    """A reward of ``campaign_rewards`` (``level``, or ``needed_to_redeem`` in some models)."""
    return Reward(
        text(first(entry, "id", "reward_id")),
        text(first(entry, "description", "reward_description")),
        amount(first(entry, "level", "needed_to_redeem", "reward_level")),
    )


def field_from(entry: Mapping[str, Any]) -> CustomFieldDef | None:
    """A custom field of ``manage_fields action=list``; None for a non-custom (fixed) field."""
    name = text(first(entry, "name", "field_name")).strip()
    match = CUSTOM_FIELD_NAME.fullmatch(name)
    if match is None:
        field_id = text(entry.get("field_id")).strip()
        if not field_id.isdigit():
            return None
        match = CUSTOM_FIELD_NAME.fullmatch(f"custom_field_{int(field_id)}")
        if match is None:
            return None
    kind = FIELD_TYPES.get(text(entry.get("type")).strip().lower())
    if kind is None:
        raise BadAnswer(f"{name or 'a custom field'} has a type the kiosk does not know")
    raw = entry.get("choices")
    if isinstance(raw, (dict, list)):
        choices = tuple(text(c) for c in _choices(raw))
    else:
        choices = tuple(part.strip() for part in text(raw).split(",") if part.strip())
    label = text(entry.get("label")).strip() or name
    return CustomFieldDef(int(match.group(1)), label, kind, choices)


def _choices(raw: dict[str, Any] | list[Any]) -> list[Any]:
    if isinstance(raw, dict):
        value = raw.get("choice", [])
        return value if isinstance(value, list) else [value]
    return raw


def receipt_from(payload: Mapping[str, Any]) -> Receipt:
    """The receipt of ``record_activity``/``redeem``: transaction id and the new balance
    (``balance.points`` for points; ``balance{amount, currency}`` for money; or a plain value).

    Raises:
        BadAnswer: no receipt, or no transaction id.
    """
    receipt = one(payload, "receipt")
    transaction = one(receipt, "transaction")
    transaction_id = text(first(transaction, "id", "transaction_id")).strip()
    if not transaction_id:
        raise BadAnswer("The receipt has no transaction id")
    campaign = receipt.get("campaign")
    campaign_id = text(first(campaign, "id", "campaign_id")) if isinstance(campaign, dict) else ""
    raw = transaction.get("balance", receipt.get("balance"))
    if isinstance(raw, dict):
        raw = first(raw, "points", "amount", "balance")
    return Receipt(transaction_id, campaign_id, amount(raw))


def history_from(payload: Mapping[str, Any]) -> BalanceHistory:
    """``customer_balance``: ``campaign{campaign_id, campaign_type, campaign_name,
    customer{code, balance, transactions[]}}``.

    Raises:
        BadAnswer: no campaign or customer in it.
    """
    campaign = one(payload, "campaign")
    customer = one(campaign, "customer")
    transactions = tuple(
        Transaction(
            transaction_id=text(first(entry, "id", "transaction_id")),
            date=text(entry.get("date")),
            amount=amount(entry.get("amount")),
            redeemed=text(entry.get("redeemed")).strip().upper() == "Y",
            authorization=text(entry.get("authorization")),
            item=text(entry.get("service_product")),
        )
        for entry in items(customer, "transactions", "transaction")
    )
    return BalanceHistory(
        campaign_id=text(first(campaign, "campaign_id", "id")),
        campaign_type=text(first(campaign, "campaign_type", "type")),
        campaign_name=text(first(campaign, "campaign_name", "name")),
        code=identifier(customer.get("code"), "customer code"),
        balance=amount(customer.get("balance")),
        transactions=transactions,
    )
