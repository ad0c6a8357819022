"""What people at the counter read about the values they typed: :func:`value_problem`.

Whether a value is acceptable is decided once, by the domain (``field_problem``,
``custom_value_problem``, the same checks the edit engine applies). This module only says it
for a person: the field's label, never its API name (``custom_date``, ``custom_field_1``), and
what to type instead.
"""

from __future__ import annotations

import re

from kiosk.domain.fields import (
    DEFAULT_MAX_LENGTH,
    MAX_LENGTH,
    CustomFieldDef,
    custom_value_problem,
    field_problem,
)

_PHONE_CHARACTERS = re.compile(r"[0-9 ().+\-/xXet]*")
"""What a phone number is written with (digits, separators, an extension); anything else is
the problem to name before the count of digits."""
NOT_SAVED = "Sorry, this could not be saved. Please ask staff for help."
"""Shown to a customer when the store refuses a form the form itself accepted (a race with
another till, say): the store's own message speaks the API's language."""


def value_problem(
    name: str, value: str, *, label: str, definition: CustomFieldDef | None = None
) -> str | None:
    """What is wrong with ``value`` for the field ``name`` (labelled ``label``), or None.

    Args:
        name: the request field name (``email``, ``custom_field_2``).
        value: what was typed (stripped).
        label: the field's label as the form shows it.
        definition: the custom field's definition, for ``custom_field_N``.
    """
    if definition is not None:
        if not value or custom_value_problem(definition, value) is None:
            return None
        return _custom_wording(definition, value, label)
    if field_problem(name, value) is None:
        return None
    return _fixed_wording(name, value, label)


def _common_wording(value: str, label: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{label}: too long; at most {limit} characters, please."
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return f"{label}: please use only letters, digits and punctuation."
    return None


def _fixed_wording(name: str, value: str, label: str) -> str:
    common = _common_wording(value, label, MAX_LENGTH.get(name, DEFAULT_MAX_LENGTH))
    if common:
        return common
    if name == "custom_date":
        return f"{label}: please write a real date as YYYY-MM-DD, for example 1990-05-17."
    if name == "email":
        return "Please check the e-mail address: it should look like name@example.com."
    if name == "phone":
        if _PHONE_CHARACTERS.fullmatch(value) and sum(char.isdigit() for char in value) < 3:
            return "Please check the phone number: it needs at least 3 digits."
        return (
            "Please check the phone number: use digits, spaces and + - ( ) only "
            "(an extension after x)."
        )
    if name == "customer_PIN":
        return "Your PIN must be 4 to 8 digits."
    if name == "customer_password":
        return "Please type a password, or leave the field empty to keep yours."
    if name in ("code", "card_number"):
        return f"{label}: digits only, please."
    return f"Please check {label}."


def _custom_wording(definition: CustomFieldDef, value: str, label: str) -> str:
    common = _common_wording(value, label, DEFAULT_MAX_LENGTH)
    if common:
        return common
    choices = ", ".join(definition.choices)
    if definition.kind == "datetime":
        return (
            f"{label}: please write the date and time as YYYY.MM.DD HH:MM:SS, "
            "for example 2024.05.17 18:30:00."
        )
    if definition.kind == "pick":
        return f"{label}: please choose one of: {choices}."
    return f"{label}: please choose from: {choices} (several with commas between)."
