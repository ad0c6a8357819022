"""The edit engine: the rules of the ``record_customer`` call as a pure function.

:func:`plan_edit` takes the fields of one request and a read-only view of the customer data and
returns an :class:`EditPlan` (what to write) or raises :class:`EditError` (a message a cashier can
act on). It does no I/O: the local store and the reference server both apply the same plan inside
their own transaction, so there is one implementation of the rules (ids from
``shared/docs/edit-semantics.md`` are cited beside the code that implements them).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal, Protocol

from kiosk.domain.fields import (
    CALL_FIELDS,
    COUNT_KINDS,
    COUNTED_FIELDS,
    CREDENTIAL_FIELDS,
    CUSTOM_FIELD_NAME,
    FIELD_LABELS,
    KNOWN_FIELDS,
    PROFILE_FIELDS,
    Campaign,
    CustomFieldDef,
    custom_value_problem,
    field_problem,
    is_yes,
)

CODE_DIGITS = 16
"""Rules M3, M4d, M7: generated codes are random 16-digit strings."""
GENERATE_MIN_DIGITS = 4
"""Rule A5 (our choice): the shortest card number ``card_number_generate`` may ask for."""
GENERATE_MAX_DIGITS = 32
"""Rule A5 (our choice): the longest."""
NEW_CODE_MAX_DIGITS = 32
"""Rule R5 (our choice of length): the longest code a request may propose for a new customer."""
MAX_CREDIT = Decimal("1000000")
"""Our choice: a larger ``auto_add`` is refused as a likely typing error."""
_GENERATE_ATTEMPTS = 200
_NUMBER = re.compile(r"[0-9]+([.,][0-9]{1,2})?")


class EditError(Exception):
    """The request is refused; nothing of it is applied (rule A6). ``str()`` is the message."""


class CustomerView(Protocol):
    """Read-only questions the engine asks about the account's data."""

    def codes_with_card(self, card_number: str, limit: int = 2) -> list[str]:
        """Codes of customers whose card number is ``card_number`` (at most ``limit``)."""
        ...

    def code_exists(self, code: str) -> bool:
        """Whether a customer has this code."""
        ...

    def card_in_use(self, card_number: str) -> bool:
        """Whether any customer has this card number, or a code equal to it."""
        ...

    def custom_field(self, field_id: int) -> CustomFieldDef | None:
        """The definition of ``custom_field_<field_id>``, if defined."""
        ...

    def campaign(self, campaign_id: str) -> Campaign | None:
        """The campaign with this id, if any."""
        ...


@dataclass(frozen=True)
class Credit:
    """Rule M9: an amount to add to one campaign balance."""

    campaign_id: str
    amount: Decimal
    """For points, money, events and visits the number; for buy-X always 1."""
    item: str = ""
    """For buy-X the product or service name; empty otherwise."""


@dataclass(frozen=True)
class EditPlan:
    """What one accepted request changes."""

    status: Literal["new", "update"]
    """Response status (R1): a customer was created or updated."""
    code: str
    """The customer's code after the edit (R5: a string of digits)."""
    profile: dict[str, str] = field(default_factory=dict)
    """Plain fields to set, ``card_number`` included (M5, M6, M8)."""
    custom_values: dict[int, str] = field(default_factory=dict)
    """Custom field values by id (A4)."""
    pin: str | None = None
    """A new PIN, to be stored hashed (S9)."""
    password: str | None = None
    """A new customer password, to be stored hashed (S9)."""
    generated_card_number: str | None = None
    """Set only when ``card_number_generate`` made one (M6); the response carries it."""
    credit: Credit | None = None
    """An ``auto_add`` credit (M9)."""
    notify_owner: bool = False
    """A new customer without ``send_no_email``: the owner is told by e-mail (M10)."""


def check_credentials(
    request: Mapping[str, str],
    expected: Mapping[str, str],
    api_access_key: str | None = None,
) -> None:
    """Rule A1: required call and credential fields, and credentials that match the account.

    ``expected`` holds ``account_id``, ``user_id`` and ``user_password``. The ``api_access_key``
    header, when given, wins over the ``user_password`` field.
    """
    for name in (*CREDENTIAL_FIELDS, *CALL_FIELDS):
        if name == "user_password" and api_access_key:
            continue
        if name == "customer_action" and request.get("type") not in (None, "record_customer"):
            continue  # only record_customer has an action; other calls are named by type alone
        if not request.get(name):
            raise EditError(f"Missing required field: {name}")
    password = api_access_key or request.get("user_password", "")
    if (
        request.get("account_id") != expected["account_id"]
        or request.get("user_id") != expected["user_id"]
        or not _same(password, expected["user_password"])
    ):
        raise EditError("Authentication failed: check account_id, user_id and the API key")


def _same(given: str, expected: str) -> bool:
    import hmac

    return hmac.compare_digest(given.encode(), expected.encode())


def plan_edit(
    request: Mapping[str, str],
    view: CustomerView,
    *,
    action: Literal["edit", "new"] = "edit",
    rng: random.Random | None = None,
) -> EditPlan:
    """Apply rules A2-A6 and M1-M11 to one request; return the plan or raise :class:`EditError`.

    Credentials and the call fields (A1) are checked by the caller with
    :func:`check_credentials`; here they are ignored if present.
    """
    rng = rng or random.SystemRandom()
    custom_values = _check_fields(request, view)
    credit = _check_credit(request, view)

    card = request.get("card_number")
    generate = request.get("card_number_generate")
    if card is not None and generate is not None:
        raise EditError("Give card_number or card_number_generate, not both")
    want_new_code = is_yes(request.get("new_code", ""))

    status, code = _resolve_customer(request, view, action, want_new_code, rng)

    profile = {name: request[name] for name in PROFILE_FIELDS if name in request}
    generated = None
    if card is not None:
        profile["card_number"] = card  # rule M5: the matched customer's card is replaced
    elif generate is not None:
        generated = _generate_card_number(int(generate), view, rng)  # rule M6
        profile["card_number"] = generated

    return EditPlan(
        status=status,
        code=code,
        profile=profile,
        custom_values=custom_values,
        pin=request.get("customer_PIN"),
        password=request.get("customer_password"),
        generated_card_number=generated,
        credit=credit,
        notify_owner=status == "new" and "send_no_email" not in request,  # rule M10
    )


def _check_fields(request: Mapping[str, str], view: CustomerView) -> dict[int, str]:
    """Rules A2-A5: every field known and well-formed; return the custom field values."""
    custom_values: dict[int, str] = {}
    counted = False
    for name, value in request.items():
        match = CUSTOM_FIELD_NAME.fullmatch(name)
        if match:
            definition = view.custom_field(int(match.group(1)))
            if definition is None:  # rule A4: must be defined for the account
                raise EditError(f"{name} is not a custom field defined for this account")
            problem = custom_value_problem(definition, value)
            if problem:
                raise EditError(problem)
            custom_values[definition.field_id] = value
            counted = True
            continue
        if name not in KNOWN_FIELDS:
            raise EditError(f"Unknown field: {name[:40]!r}")
        problem = field_problem(name, value)
        if problem:
            raise EditError(problem)
        counted = counted or name in COUNTED_FIELDS
    if not counted:  # rule A2
        raise EditError(
            "Nothing to record: give at least one customer field "
            "(code, card_number, a name, contact or address field, PIN, ...)"
        )
    generate = request.get("card_number_generate")
    if generate is not None and not (  # rule A5
        re.fullmatch(r"[0-9]{1,3}", generate)
        and GENERATE_MIN_DIGITS <= int(generate) <= GENERATE_MAX_DIGITS
    ):
        raise EditError(
            f"card_number_generate must be a number of digits from {GENERATE_MIN_DIGITS} "
            f"to {GENERATE_MAX_DIGITS}, got {generate[:40]!r}"
        )
    new_code = request.get("new_code")
    if new_code is not None and new_code.strip().lower() not in (
        "yes",
        "y",
        "true",
        "1",
        "on",
        "no",
        "n",
        "false",
        "0",
        "off",
        "",
    ):
        raise EditError(f"new_code must be Yes or No, got {new_code[:40]!r}")
    return custom_values


def credit_of(request: Mapping[str, str], view: CustomerView) -> Credit | None:
    """Rule M9: the credit a request carries, or None; raises :class:`EditError` if invalid."""
    return _check_credit(request, view)


def _check_credit(request: Mapping[str, str], view: CustomerView) -> Credit | None:
    """Rule M9: ``auto_add`` needs a campaign and a value that fits its type."""
    amount_text = request.get("auto_add")
    campaign_id = request.get("campaign_id")
    if amount_text is None:
        if campaign_id is not None and view.campaign(campaign_id) is None:
            raise EditError(f"No campaign with campaign_id {campaign_id[:40]!r}")
        return None
    if not campaign_id:
        raise EditError("auto_add needs a campaign_id saying which balance to add to")
    campaign = view.campaign(campaign_id)
    if campaign is None:
        raise EditError(f"No campaign with campaign_id {campaign_id[:40]!r}")
    if campaign.kind == "buyx":
        item = amount_text.strip()
        if not item:
            raise EditError(f"auto_add for {campaign.name} must name the product or service")
        return Credit(campaign_id, Decimal(1), item)
    amount = parse_amount(amount_text)
    if amount is None or amount <= 0 or amount > MAX_CREDIT:
        raise EditError(
            f"auto_add for {campaign.name} must be a positive number up to {MAX_CREDIT}, "
            f"with at most 2 decimals, got {amount_text[:40]!r}"
        )
    if campaign.kind in COUNT_KINDS and amount != amount.to_integral_value():
        raise EditError(f"auto_add for {campaign.name} counts {campaign.kind}: a whole number")
    return Credit(campaign_id, amount)


def format_amount(amount: Decimal) -> str:
    """An amount as text without a trailing ``.0`` for whole numbers: ``25``, ``9.95``."""
    if amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return format(amount.normalize(), "f")


def parse_amount(text: str) -> Decimal | None:
    """Read an amount written ``25``, ``9.95`` or ``9,95`` (decimal comma); None if not one."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def _resolve_customer(
    request: Mapping[str, str],
    view: CustomerView,
    action: Literal["edit", "new"],
    want_new_code: bool,
    rng: random.Random,
) -> tuple[Literal["new", "update"], str]:
    """Rules M1-M4 and M7 (and ``customer_action=new``): which customer, and its code."""
    code = request.get("code")
    card = request.get("card_number")
    if action == "new":
        # api-notes: "new" always creates; the card number serves as code unless new_code=Yes.
        wanted = None if want_new_code else (code or card)
        if wanted is not None and view.code_exists(wanted):
            raise EditError(f"A customer with code {wanted} already exists")
        if wanted is not None:
            _check_new_code(wanted)
        return "new", wanted or _new_code(view, rng)
    if code:
        if view.code_exists(code):
            return "update", code  # rule M1
        if not want_new_code:
            _check_new_code(code)
        return "new", _new_code(view, rng) if want_new_code else code  # rules M2, M7
    if card:
        matches = view.codes_with_card(card)
        if len(matches) > 1:  # rule M4b
            raise EditError(
                "More than one customer has this card number; give the customer code to "
                "say which one"
            )
        if matches:
            return "update", matches[0]  # rule M4a
        if view.code_exists(card):
            return "update", card  # rule M4c
        return "new", _new_code(view, rng)  # rules M4d, M7
    return "new", _new_code(view, rng)  # rule M3


def _check_new_code(code: str) -> None:
    """R5: a code proposed for a new customer is a string of digits, at most
    :data:`NEW_CODE_MAX_DIGITS` (existing customers keep any code the central API gave them)."""
    if not (code.isascii() and code.isdigit() and len(code) <= NEW_CODE_MAX_DIGITS):
        raise EditError(
            f"{FIELD_LABELS['code']} must be digits only (at most {NEW_CODE_MAX_DIGITS})"
        )


def _new_code(view: CustomerView, rng: random.Random) -> str:
    """A random 16-digit code not used in the account (M3). Never starts with 0, so that a
    tool that wrongly turns it into a number still shows 16 digits (R5 keeps it text)."""
    for _ in range(_GENERATE_ATTEMPTS):
        code = str(rng.randint(10 ** (CODE_DIGITS - 1), 10**CODE_DIGITS - 1))
        if not view.code_exists(code):
            return code
    raise EditError("Could not find a free customer code; try again")


def _generate_card_number(digits: int, view: CustomerView, rng: random.Random) -> str:
    """Rule M6: a random card number of ``digits`` digits, not in use in the account."""
    for _ in range(_GENERATE_ATTEMPTS):
        number = str(rng.randint(10 ** (digits - 1), 10**digits - 1))
        if not view.card_in_use(number):
            return number
    raise EditError(f"No unused {digits}-digit card number could be found; ask for more digits")
