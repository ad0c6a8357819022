"""The calls of the reference server: one request's form fields in, one response payload out.

:class:`CentralApi` checks the credentials (rule A1, with the shared
:func:`~kiosk.domain.edit_rules.check_credentials`), dispatches on ``type`` and answers with a
payload for :func:`kiosk.domain.render.render`. ``record_customer`` goes through
:meth:`ReferenceStore.apply_edit <kiosk.reference.store.ReferenceStore.apply_edit>`, which
applies the one implementation of the edit rules; the payload is built here. The caller
serialises access to the store (one lock); the choices this module makes where the
documentation is silent are listed in :mod:`kiosk.reference.server`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.domain import render
from kiosk.domain.credentials import Credentials
from kiosk.domain.edit_rules import (
    GENERATE_MAX_DIGITS,
    GENERATE_MIN_DIGITS,
    EditError,
    check_credentials,
)
from kiosk.domain.fields import (
    CREDENTIAL_FIELDS,
    MAX_LENGTH,
    OUTPUT_FIELDS,
    Campaign,
    CustomFieldDef,
    field_problem,
    is_yes,
)
from kiosk.reference import queries
from kiosk.reference.store import ReferenceStore

Payload = dict[str, Any]
"""A response before rendering."""

FIELD_TYPE_NAMES: dict[str, str] = {
    "text": "Text",
    "datetime": "Date",
    "pick": "Pick",
    "list": "List",
}
"""Custom field kinds and the type names ``manage_fields`` uses."""
CAMPAIGN_TYPES: tuple[str, ...] = ("points", "visits", "dollars", "buyx")
"""Campaign types ``manage_campaigns`` accepts."""
_ENVELOPE = frozenset((*CREDENTIAL_FIELDS, *OUTPUT_FIELDS, "type", "customer_action"))
_WHO = ("code", "card_number", "customer_username")


class CentralApi:
    """The API calls over one store; not thread-safe on its own (the server holds a lock)."""

    def __init__(
        self, store: ReferenceStore, credentials: Credentials, *, rng: random.Random | None = None
    ) -> None:
        self.store = store
        self._expected = {
            "account_id": credentials.account_id,
            "user_id": credentials.user_id,
            "user_password": credentials.api_key,
        }
        self._rng = rng or random.SystemRandom()
        self._calls: dict[str, Callable[[dict[str, str], bool], Payload]] = {
            "record_customer": self.record_customer,
            "customer_search": self.customer_search,
            "customer_info": self.customer_info,
            "validate_customer_password": self.validate_customer_password,
            "generate_card_number": self.generate_card_number,
            "manage_fields": self.manage_fields,
            "manage_campaigns": self.manage_campaigns,
        }

    def handle(
        self,
        form: dict[str, str],
        api_access_key: str | None = None,
        *,
        ignore_proposed_code: bool = False,
    ) -> Payload:
        """Answer one request; every refusal is an error payload, never an exception.

        Raises:
            StoreError: the database failed (the server turns it into an error payload too).
        """
        call = form.get("type", "")
        try:
            check_credentials(form, self._expected, api_access_key)
            handler = self._calls.get(call)
            if handler is None:
                raise EditError(
                    f"Unknown type {call[:40]!r}: this server answers " + _names(self._calls)
                )
            return handler(form, ignore_proposed_code)
        except EditError as problem:
            return render.error(str(problem))

    def record_customer(self, form: dict[str, str], ignore_proposed_code: bool) -> Payload:
        """``record_customer`` with ``customer_action`` edit or new (rules A2-A6, M1-M11)."""
        action = form.get("customer_action", "")
        if action not in ("edit", "new"):
            raise EditError(f"customer_action must be edit or new, got {action[:40]!r}")
        request = form
        code = form.get("code")
        if ignore_proposed_code and code and not self.store.view.code_exists(code):
            request = {**form, "new_code": "Yes"}  # fault: the proposed code is not kept (M2)
        plan = self.store.apply_edit(request, action=action)  # type: ignore[arg-type]
        return render.edit_success(plan.status, plan.code, plan.generated_card_number)

    def customer_search(self, form: dict[str, str], _: bool) -> Payload:
        """``customer_search``: every customer matching all fields given; none given: everyone."""
        criteria = {k: v for k, v in form.items() if k not in _ENVELOPE}
        exact = criteria.pop("exact_match", None)
        include = criteria.pop("include_balances", "")
        if exact is not None:
            exact = exact.strip().lower() or None
            if exact not in (None, "sensitive", "insensitive"):
                raise EditError("exact_match must be sensitive or insensitive")
        records = queries.search(self.store, criteria, exact, balances=is_yes(include))  # type: ignore[arg-type]
        if not records:
            return {"status": "no_match"}
        return {"status": "success", "customers": records}

    def customer_info(self, form: dict[str, str], _: bool) -> Payload:
        """``customer_info`` by ``code`` or ``card_number`` (code wins when both are given)."""
        _only(form, ("code", "card_number"))
        code = self._find(form.get("code"), form.get("card_number"), None)
        if code is None:
            return {"status": "no_match"}
        return {
            "status": "success",
            "customers": queries.by_codes(self.store, [code], balances=True),
        }

    def validate_customer_password(self, form: dict[str, str], _: bool) -> Payload:
        """Check ``customer_password`` and/or ``customer_PIN`` of the customer named."""
        _only(form, (*_WHO, "customer_password", "customer_PIN"))
        if not any(form.get(name) for name in _WHO):
            raise EditError("Give code, card_number or customer_username to say which customer")
        password, pin = form.get("customer_password"), form.get("customer_PIN")
        if not password and not pin:
            raise EditError("Give customer_password or customer_PIN to check")
        code = self._find(form.get("code"), form.get("card_number"), form.get("customer_username"))
        if code is None:
            raise EditError("No customer matches; check the code, card number or username")
        if password and not self.store.verify_password(code, password):
            raise EditError("The password does not match")
        if pin and not self.store.verify_pin(code, pin):
            raise EditError("The PIN does not match")
        return {"status": "success"}

    def generate_card_number(self, form: dict[str, str], _: bool) -> Payload:
        """A random card number of ``how_many_digits`` digits in all, prefix and suffix included."""
        _only(form, ("how_many_digits", "card_number_prefix", "card_number_suffix"))
        digits_text = form.get("how_many_digits", "16").strip() or "16"
        prefix = form.get("card_number_prefix", "")
        suffix = form.get("card_number_suffix", "")
        if not re.fullmatch(r"[0-9]{1,3}", digits_text) or not (
            GENERATE_MIN_DIGITS <= int(digits_text) <= GENERATE_MAX_DIGITS
        ):
            raise EditError(
                f"how_many_digits must be a number from {GENERATE_MIN_DIGITS} to "
                f"{GENERATE_MAX_DIGITS}, got {digits_text[:40]!r}"
            )
        if not re.fullmatch(r"[0-9]*", prefix + suffix):
            raise EditError("card_number_prefix and card_number_suffix must be digits")
        free = int(digits_text) - len(prefix) - len(suffix)
        if free < GENERATE_MIN_DIGITS:
            raise EditError(
                f"Prefix and suffix leave {max(free, 0)} random digits; at least "
                f"{GENERATE_MIN_DIGITS} are needed"
            )
        for _attempt in range(200):
            number = prefix + "".join(self._rng.choice("0123456789") for _ in range(free)) + suffix
            if not self.store.view.card_in_use(number):
                return {"status": "success", "card_number": number}
        raise EditError("No unused card number could be found; ask for more digits")

    def manage_fields(self, form: dict[str, str], _: bool) -> Payload:
        """``manage_fields``: ``action=list``, or ``add`` with label, type and choices."""
        _only(form, ("action", "label", "field_type", "choices"))
        action = form.get("action", "").strip().lower()
        if action == "list":
            return {"status": "success", "fields": [_field(d) for d in self.store.custom_fields()]}
        if action in ("update", "delete"):
            raise EditError(f"manage_fields action={action} is not supported by this server")
        if action != "add":
            raise EditError("manage_fields needs action=list or action=add")
        label = form.get("label", "").strip()
        if not label or len(label) > 100:
            raise EditError("A custom field needs a label of 1 to 100 characters")
        kinds = {name.lower(): kind for kind, name in FIELD_TYPE_NAMES.items()}
        kind = kinds.get(form.get("field_type", "").strip().lower())
        if kind is None:
            raise EditError("field_type must be Text, Date, Pick or List")
        choices = tuple(c.strip() for c in form.get("choices", "").split(",") if c.strip())
        if kind in ("pick", "list") and not choices:
            raise EditError("A Pick or List field needs choices, separated by commas")
        if kind in ("text", "datetime") and choices:
            raise EditError("Only a Pick or List field takes choices")
        field_id = max((d.field_id for d in self.store.custom_fields()), default=0) + 1
        definition = CustomFieldDef(field_id, label, kind, choices)  # type: ignore[arg-type]
        self.store.define_custom_field(definition)
        return {"status": "success", "field": _field(definition)}

    def manage_campaigns(self, form: dict[str, str], _: bool) -> Payload:
        """Reference-server extension: ``action=list``, or ``add`` with id, name and type.

        The real API's campaign administration is not documented to us; this call exists so
        that tests and demos can create the campaigns ``auto_add`` credits (rule M9).
        """
        _only(form, ("action", "campaign_id", "name", "campaign_type"))
        action = form.get("action", "").strip().lower()
        if action == "list":
            return {
                "status": "success",
                "campaigns": [_campaign(c) for c in self.store.campaigns()],
            }
        if action != "add":
            raise EditError("manage_campaigns needs action=list or action=add")
        campaign = campaign_from(
            form.get("campaign_id", ""), form.get("name", ""), form.get("campaign_type", "")
        )
        if self.store.view.campaign(campaign.campaign_id) is not None:
            raise EditError(f"A campaign with campaign_id {campaign.campaign_id} already exists")
        self.store.define_campaign(campaign)
        return {"status": "success", "campaign": _campaign(campaign)}

    def _find(self, code: str | None, card: str | None, username: str | None) -> str | None:
        """The code of the customer named by code, card number (as rule M4) or username."""
        view = self.store.view
        if code:
            return code if view.code_exists(code) else None
        if card:
            codes = view.codes_with_card(card)
            if len(codes) > 1:
                raise EditError("More than one customer has this card number; give the code")
            if codes:
                return codes[0]
            return card if view.code_exists(card) else None
        if username:
            codes = self.store.codes_with_username(username)
            if len(codes) > 1:
                raise EditError("More than one customer has this username; give the code")
            return codes[0] if codes else None
        return None


def campaign_from(campaign_id: str, name: str, campaign_type: str) -> Campaign:
    """A checked campaign definition (used by ``manage_campaigns`` and the CLI).

    Raises:
        EditError: the id is not digits, the name is empty, or the type is unknown.
    """
    problem = field_problem("campaign_id", campaign_id)
    if problem or not re.fullmatch(r"[0-9]+", campaign_id):
        raise EditError(
            problem or f"campaign_id must be digits (at most {MAX_LENGTH['campaign_id']})"
        )
    name = name.strip()
    if not name or len(name) > 100:
        raise EditError("A campaign needs a name of 1 to 100 characters")
    kind = campaign_type.strip().lower()
    if kind not in CAMPAIGN_TYPES:
        raise EditError("campaign_type must be points, visits, dollars or buyx")
    return Campaign(campaign_id, name, kind)  # type: ignore[arg-type]


def _only(form: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """Refuse fields a call does not know, so that a typing error is not silently ignored."""
    for name in form:
        if name not in _ENVELOPE and name not in allowed:
            raise EditError(f"Unknown field for this call: {name[:40]!r}")


def _names(calls: Mapping[str, object]) -> str:
    return ", ".join(sorted(calls))


def _field(definition: CustomFieldDef) -> dict[str, str]:
    return {
        "field_id": str(definition.field_id),
        "label": definition.label,
        "type": FIELD_TYPE_NAMES[definition.kind],
        "choices": ",".join(definition.choices),
    }


def _campaign(campaign: Campaign) -> dict[str, str]:
    return {
        "campaign_id": campaign.campaign_id,
        "campaign_name": campaign.name,
        "campaign_type": campaign.kind,
    }
