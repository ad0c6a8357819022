"""The fields of the ``record_customer`` call: which exist, what each may hold, and their checks.

Pure functions and constants shared by the edit engine, the entry forms of the kiosk and the
reference server, so that one definition of "a valid phone number" serves everywhere.
Where the API documentation is silent (lengths, e-mail and phone shapes, PIN length) the limits
here are our choice, kept in this one place.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

CREDENTIAL_FIELDS: tuple[str, ...] = ("user_id", "user_password", "account_id")
"""Rule A1: identify the account; never stored in the outbox, never logged."""
CALL_FIELDS: tuple[str, ...] = ("type", "customer_action")
"""Rule A1: select the call itself."""
OUTPUT_FIELDS: tuple[str, ...] = ("output", "callback", "condensed")
"""Rule R2/R3: shape the response only; they do not count as customer fields (A2)."""

PROFILE_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "street1",
    "street2",
    "city",
    "state",
    "postal_code",
    "country",
    "custom_date",
    "custom_field",
    "customer_username",
)
"""Plain customer fields, stored as given (rule M8: only those passed change)."""
SECRET_FIELDS: tuple[str, ...] = ("customer_password", "customer_PIN")
"""Stored locally as salted slow hashes only (S9)."""
IDENTITY_FIELDS: tuple[str, ...] = ("code", "new_code", "card_number", "card_number_generate")
"""Fields that choose or name the customer (rules M1-M7)."""
CREDIT_FIELDS: tuple[str, ...] = ("auto_add", "campaign_id")
"""Rule M9: a credit to a campaign balance."""
OTHER_FIELDS: tuple[str, ...] = ("send_no_email",)
"""Rule M10."""

COUNTED_FIELDS: frozenset[str] = frozenset(
    (*IDENTITY_FIELDS, *PROFILE_FIELDS, *SECRET_FIELDS, "auto_add")
)
"""Rule A2: at least one of these (or a ``custom_field_N``) must be present."""

KNOWN_FIELDS: frozenset[str] = frozenset(
    (
        *CREDENTIAL_FIELDS,
        *CALL_FIELDS,
        *OUTPUT_FIELDS,
        *PROFILE_FIELDS,
        *SECRET_FIELDS,
        *IDENTITY_FIELDS,
        *CREDIT_FIELDS,
        *OTHER_FIELDS,
    )
)
"""Every fixed field name of the call; ``custom_field_N`` names are matched by pattern."""

CUSTOM_FIELD_NAME = re.compile(r"custom_field_([1-9][0-9]{0,3})")
"""``custom_field_N``: N is the id of a custom field defined for the account (rule A4)."""

MAX_LENGTH: dict[str, int] = {
    "first_name": 100,
    "last_name": 100,
    "phone": 32,
    "email": 254,
    "street1": 200,
    "street2": 200,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "country": 100,
    "custom_date": 10,
    "custom_field": 1000,
    "customer_username": 100,
    "customer_password": 200,
    "customer_PIN": 8,
    "code": 64,
    "card_number": 32,
    "campaign_id": 32,
    "auto_add": 100,
    "callback": 64,
}
"""Our choice: longer values are refused with a message, never cut silently."""
DEFAULT_MAX_LENGTH = 1000
"""Limit for any field not in :data:`MAX_LENGTH` (custom field values, flags)."""

FIELD_LABELS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "email": "E-mail",
    "street1": "Street",
    "street2": "Street (line 2)",
    "city": "City",
    "state": "State",
    "postal_code": "Postal code",
    "country": "Country",
    "custom_date": "Date (YYYY-MM-DD)",
    "custom_field": "Note",
    "customer_username": "Username",
    "customer_password": "Password",
    "customer_PIN": "PIN",
    "code": "Customer code",
    "card_number": "Card number",
}
"""Human labels for messages and forms."""

MIN_PHONE_DIGITS = 3
"""Fewer digits cannot reach anyone (the shortest emergency and service numbers have 3)."""

_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""C0 and C1 control characters (C1 ones such as ``\\x9b``, CSI, act as escapes on a terminal)."""
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE = re.compile(r"\+?[0-9][0-9 ().\-/]*(\s*(x|ext\.?)\s*[0-9]+)?", re.IGNORECASE)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_STAMP = re.compile(r"([0-9]{4})\.([0-9]{2})\.([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]*")

CustomFieldKind = Literal["text", "datetime", "pick", "list"]
"""Custom field types: free text, date/time stamp, one choice, several choices (rule A4)."""
FIELD_TYPE_NAMES: dict[CustomFieldKind, str] = {
    "text": "Text",
    "datetime": "Date",
    "pick": "Pick",
    "list": "List",
}
"""Each custom field kind and the type name ``manage_fields`` gives it (the one map: the client
reads these names, any case; the reference server writes them)."""
CampaignKind = Literal["points", "giftcard", "buyx", "earned", "events", "visits", "dollars"]
"""Campaign types. The real API's are ``points``, ``giftcard`` (money), ``buyx`` (a count per
product), ``earned`` (money) and ``events`` (a count); ``visits`` (a count) and ``dollars``
(money) are the names older kiosk databases and the reference server's ``campaign add`` used,
kept so that what was stored and what was scripted keeps working (api-notes.md)."""
CAMPAIGN_KINDS: tuple[CampaignKind, ...] = (
    "points",
    "giftcard",
    "buyx",
    "earned",
    "events",
    "visits",
    "dollars",
)
"""Every campaign type the kiosk knows, real ones first."""
COUNT_KINDS: frozenset[str] = frozenset(("events", "visits"))
"""Campaign types whose balance counts whole things."""
MONEY_KINDS: frozenset[str] = frozenset(("giftcard", "earned", "dollars"))
"""Campaign types whose balance is an amount of money."""
_KIND_SPELLINGS: dict[str, CampaignKind] = {
    **{kind: kind for kind in CAMPAIGN_KINDS},
    "event": "events",  # api-notes: the event spelling is unsure; accept both
    "gift card": "giftcard",
    "gift_card": "giftcard",
}
MAX_IDENTIFIER_LENGTH = 64
"""Codes and card numbers from the central API: at most this many characters (our bound)."""
_IDENTIFIER = re.compile(rf"[\x21-\x7e]{{1,{MAX_IDENTIFIER_LENGTH}}}")


def campaign_kind(type_name: str) -> CampaignKind | None:
    """The campaign type an answer names (any case, ``event`` as ``events``); None if unknown."""
    return _KIND_SPELLINGS.get(type_name.strip().lower())


def is_identifier(value: str) -> bool:
    """Whether a code or card number from the central API is acceptable: printable ASCII without
    spaces, 1 to :data:`MAX_IDENTIFIER_LENGTH` characters. Not only digits: one real app uses
    hexadecimal NFC ids as card numbers and codes (api-notes.md)."""
    return _IDENTIFIER.fullmatch(value) is not None


@dataclass(frozen=True)
class CustomFieldDef:
    """A custom field defined for the account."""

    field_id: int
    """The N of ``custom_field_N``."""
    label: str
    """What the field is called in forms."""
    kind: CustomFieldKind
    """How its value is checked (rule A4)."""
    choices: tuple[str, ...] = ()
    """The allowed choices of a pick or list field."""


@dataclass(frozen=True)
class Campaign:
    """A loyalty campaign that ``auto_add`` can credit."""

    campaign_id: str
    """Id as the central API names it (digits, kept as text: rule R5)."""
    name: str
    """Shown to customers next to the balance."""
    kind: CampaignKind
    """Points and money hold a number, events and visits a count; buy-X a count per product."""
    currency: str | None = None
    """The currency of a money campaign (``campaigns_list``, ``customer_info``); None: unknown."""
    points_ratio: Decimal | None = None
    """Points per unit of money spent (``record_activity`` with ``amount``); None: unknown."""


def field_problem(name: str, value: str) -> str | None:
    """Return what is wrong with one value of a fixed field, or None when it is acceptable.

    Covers length limits, control characters and the shapes of codes, card numbers, dates
    (rule A3), e-mail, phone and PIN. Context-dependent checks (custom fields, campaigns) are
    the edit engine's.
    """
    label = FIELD_LABELS.get(name, name)
    limit = MAX_LENGTH.get(name, DEFAULT_MAX_LENGTH)
    if len(value) > limit:
        return f"{label} is too long ({len(value)} characters; at most {limit})"
    if _CONTROL.search(value):
        return f"{label} contains control characters"
    if name == "code":
        # A code the central API gave may be any printable text (hexadecimal NFC ids, say); a
        # code proposed for a new customer must be digits (R5), checked by the edit engine.
        if not (_DIGITS.fullmatch(value) or is_identifier(value)):
            return f"{label} must be digits only"
    elif name == "card_number":
        if not _DIGITS.fullmatch(value):
            return f"{label} must be digits only"
    elif name == "custom_date":
        if not is_iso_date(value):
            return f"custom_date must be a real date written YYYY-MM-DD, got {value!r}"
    elif name == "email":
        if value and not _EMAIL.fullmatch(value):
            return f"E-mail address {value!r} does not look like name@example.com"
    elif name == "phone":
        if value and not _PHONE.fullmatch(value):
            return f"Phone number {value!r} may hold only digits, spaces, + - ( ) and an extension"
        if value and sum(char.isdigit() for char in value) < MIN_PHONE_DIGITS:
            return f"Phone number {value!r} is too short: give at least {MIN_PHONE_DIGITS} digits"
    elif name == "customer_PIN":
        if not (_DIGITS.fullmatch(value) and 4 <= len(value) <= 8):
            return "PIN must be 4 to 8 digits"
    elif name == "customer_password" and not value:
        return "Password must not be empty"
    elif name == "callback" and not _CALLBACK.fullmatch(value):
        return "callback must be a JavaScript function name (letters, digits, _ $ .)"
    return None


def is_iso_date(value: str) -> bool:
    """Rule A3: ``YYYY-MM-DD`` and a real calendar date."""
    match = _ISO_DATE.fullmatch(value)
    if not match:
        return False
    try:
        dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return True


def is_timestamp(value: str) -> bool:
    """Rule A4: a date/time stamp written ``YYYY.MM.DD HH:MM:SS`` (the documented example)."""
    match = _STAMP.fullmatch(value)
    if not match:
        return False
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def custom_value_problem(definition: CustomFieldDef, value: str) -> str | None:
    """Rule A4: check a value against its custom field's type; None when it fits."""
    name = f"custom_field_{definition.field_id}"
    if len(value) > DEFAULT_MAX_LENGTH:
        return f"{name} ({definition.label}) is too long (at most {DEFAULT_MAX_LENGTH} characters)"
    if _CONTROL.search(value):
        return f"{name} ({definition.label}) contains control characters"
    if definition.kind == "text":
        return None
    if definition.kind == "datetime":
        if is_timestamp(value):
            return None
        return (
            f"{name} ({definition.label}) must be a date and time written "
            f"YYYY.MM.DD HH:MM:SS, got {value!r}"
        )
    picked = [part.strip() for part in value.split(",")]
    unknown = [part for part in picked if part not in definition.choices]
    allowed = ", ".join(definition.choices)
    if definition.kind == "pick" and len(picked) != 1:
        return f"{name} ({definition.label}) takes exactly one of: {allowed}"
    if unknown or not value.strip():
        shown = ", ".join(repr(part) for part in unknown) or "nothing"
        return f"{name} ({definition.label}) got {shown}; choose from: {allowed}"
    return None


def is_yes(value: str) -> bool:
    """Flags such as ``new_code`` and ``condensed``: yes/true/1 (any case) mean yes."""
    return value.strip().lower() in ("yes", "y", "true", "1", "on")
