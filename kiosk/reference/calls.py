"""The calls of the reference server: one request's form fields in, one answer payload out.

:class:`CentralApi` checks the credentials (rule A1, with the shared
:func:`~kiosk.domain.edit_rules.check_credentials`; ``user_api_key`` is read as
``user_password`` where that is missing, as some clients send it), dispatches on ``type`` and
answers with a payload for :func:`kiosk.reference.render.render`. ``record_customer`` goes
through :meth:`ReferenceStore.apply_edit <kiosk.reference.store.ReferenceStore.apply_edit>`,
which applies the one implementation of the edit rules; transactions are in
:mod:`kiosk.reference.activity`, the catalogue in :mod:`kiosk.reference.catalog`. The caller
serialises access to the store (one lock); the choices made where the documentation is silent
are listed in :mod:`kiosk.reference.server`.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.domain import render as edit_render
from kiosk.domain.credentials import Credentials
from kiosk.domain.edit_rules import (
    GENERATE_MAX_DIGITS,
    GENERATE_MIN_DIGITS,
    EditError,
    check_credentials,
)
from kiosk.domain.fields import CALL_FIELDS, CREDENTIAL_FIELDS, OUTPUT_FIELDS, is_yes
from kiosk.reference import activity, catalog, queries
from kiosk.reference.render import Lazy, error
from kiosk.reference.store import ReferenceStore

Payload = dict[str, Any]
"""An answer before rendering."""

EXTRA_FIELDS: tuple[str, ...] = ("API", "hide_customer_field", "user_api_key")
"""Fields real clients send with any call (api-notes.md); accepted everywhere, used where they
mean something (``user_api_key``), otherwise ignored."""
_ENVELOPE = frozenset((*CREDENTIAL_FIELDS, *OUTPUT_FIELDS, *EXTRA_FIELDS, *CALL_FIELDS))
_WHO = ("code", "card_number", "customer_username", "phone")
_ALLOWED: dict[str, tuple[str, ...]] = {
    "customer_info": ("code", "card_number", "campaign_id"),
    "customer_balance": ("code", "card_number", "campaign_id", "transactions_number"),
    "validate_customer_password": (*_WHO, "customer_password", "customer_PIN"),
    "generate_card_number": ("how_many_digits", "card_number_prefix", "card_number_suffix"),
    "record_activity": (
        "code",
        "card_number",
        "campaign_id",
        "amount",
        "promo_id",
        "service_product",
        "buyx_quantity",
        "authorization",
        "send_transaction_email",
    ),
    "redeem": (
        "code",
        "card_number",
        "campaign_id",
        "reward_to_redeem",
        "custom_points_redeem",
        "custom_dollars_redeem",
        "authorization",
    ),
    "transaction_delete": ("code", "card_number", "campaign_id", "transaction_id"),
    "campaigns_list": (
        "type_restrict",
        "searchField",
        "searchOper",
        "searchValue",
        "sortField",
        "sortOrder",
        "offset",
        "length",
    ),
    "campaign_rewards": ("campaign_id",),
    "manage_fields": ("action", "label", "field_type", "choices"),
    "manage_campaigns": ("action", "campaign_id", "name", "campaign_type"),
}
"""The fields each call knows besides the envelope; any other is refused, so that a typing error
is not silently ignored (``record_customer`` and ``customer_search`` check their own)."""


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
        by_code = self._by_code
        self._calls: dict[str, Callable[[dict[str, str], bool], Payload]] = {
            "record_customer": self.record_customer,
            "customer_search": self.customer_search,
            "customer_info": self.customer_info,
            "validate_customer_password": self.validate_customer_password,
            "generate_card_number": self.generate_card_number,
            "customer_balance": by_code(activity.customer_balance),
            "record_activity": by_code(activity.record_activity),
            "redeem": by_code(activity.redeem),
            "transaction_delete": by_code(activity.transaction_delete),
            "campaigns_list": self._plain(catalog.campaigns_list),
            "campaign_rewards": self._plain(catalog.campaign_rewards),
            "manage_fields": self._plain(catalog.manage_fields),
            "manage_campaigns": self._plain(catalog.manage_campaigns),
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
            ReferenceError: the database failed (the server turns it into an error payload too).
        """
        call = form.get("type", "")
        if not form.get("user_password") and form.get("user_api_key"):
            form = {**form, "user_password": form["user_api_key"]}
        try:
            check_credentials(form, self._expected, api_access_key)
            handler = self._calls.get(call)
            if handler is None:
                raise EditError(
                    f"Unknown type {call[:40]!r}: this server answers " + ", ".join(self._calls)
                )
            allowed = _ALLOWED.get(call)
            if allowed is not None:
                _only(form, allowed)
            return handler(form, ignore_proposed_code)
        except EditError as problem:
            return error(str(problem))

    def record_customer(self, form: dict[str, str], ignore_proposed_code: bool) -> Payload:
        """``record_customer`` with ``customer_action`` edit or new (rules A2-A6, M1-M11); a
        ``campaign_id`` list (``1,3``) enrols the customer in each of those campaigns."""
        action = form.get("customer_action", "")
        if action not in ("edit", "new"):
            raise EditError(f"customer_action must be edit or new, got {action[:40]!r}")
        request = {k: v for k, v in form.items() if k not in EXTRA_FIELDS}
        enrol: tuple[str, ...] = ()
        if "campaign_id" in request:
            enrol = tuple(part.strip() for part in request["campaign_id"].split(","))
            if len(enrol) > 1:
                if "auto_add" in request:
                    raise EditError("auto_add needs exactly one campaign_id")
                for campaign_id in enrol:
                    if self.store.view.campaign(campaign_id) is None:
                        raise EditError(f"No campaign with campaign_id {campaign_id[:40]!r}")
                del request["campaign_id"]
        code = request.get("code")
        if ignore_proposed_code and code and not self.store.view.code_exists(code):
            request["new_code"] = "Yes"  # fault: the proposed code is not kept (M2 reversed)
        plan = self.store.apply_edit(request, action=action, enrol=enrol)  # type: ignore[arg-type]
        return edit_render.edit_success(plan.status, plan.code, plan.generated_card_number)

    def customer_search(self, form: dict[str, str], _: bool) -> Payload:
        """``customer_search``: every customer matching all fields given; none given: everyone.
        The answer is written while it is read (:class:`~kiosk.reference.render.Lazy`)."""
        criteria = {k: v for k, v in form.items() if k not in _ENVELOPE}
        exact = criteria.pop("exact_match", None)
        include = criteria.pop("include_balances", "")
        if exact is not None:
            exact = exact.strip().lower() or None
            if exact not in (None, "sensitive", "insensitive"):
                raise EditError("exact_match must be sensitive or insensitive")
        search = queries.Search(self.store, criteria, exact)  # type: ignore[arg-type]
        records = search.records(self.store, balances=is_yes(include))
        first = next(records, None)  # read now, under the server's lock: the status comes first
        if first is None:
            return {"status": "no_match"}
        rest = itertools.chain([first], records)
        return {"status": "success", "customers": Lazy(lambda: rest)}

    def customer_info(self, form: dict[str, str], _: bool) -> Payload:
        """``customer_info`` by ``code`` or ``card_number`` (code wins when both are given): the
        customer, and a separate top-level ``campaigns`` list (optionally only those of a
        ``campaign_id`` list)."""
        code = self._find(form)
        if code is None:
            return {"status": "no_match"}
        only = tuple(p.strip() for p in form.get("campaign_id", "").split(",") if p.strip())
        record = queries.by_code(self.store, code)
        return {
            "status": "success",
            "customer": record,
            "campaigns": queries.info_campaigns(self.store, code, only),
            "customers": [record],  # JSON only, for scripts written against earlier versions
        }

    def validate_customer_password(self, form: dict[str, str], _: bool) -> Payload:
        """Check ``customer_password`` and/or ``customer_PIN`` of the customer named."""
        if not any(form.get(name) for name in _WHO):
            raise EditError("Give code, card_number or customer_username to say which customer")
        password, pin = form.get("customer_password"), form.get("customer_PIN")
        if not password and not pin:
            raise EditError("Give customer_password or customer_PIN to check")
        code = self._find(form)
        if code is None:
            raise EditError("No customer matches; check the code, card number or username")
        if password and not self.store.verify_password(code, password):
            raise EditError("The password does not match")
        if pin and not self.store.verify_pin(code, pin):
            raise EditError("The PIN does not match")
        return {"status": "success"}

    def generate_card_number(self, form: dict[str, str], _: bool) -> Payload:
        """A random card number of ``how_many_digits`` digits in all, prefix and suffix included."""
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

    def _by_code(
        self, call: Callable[[ReferenceStore, Mapping[str, str], str], Payload]
    ) -> Callable[[dict[str, str], bool], Payload]:
        """A call on one customer, named by ``code`` or ``card_number``."""

        def handler(form: dict[str, str], _: bool) -> Payload:
            if not form.get("code") and not form.get("card_number"):
                raise EditError("Missing required field: code")
            code = self._find(form)
            if code is None:
                return {"status": "no_match"}
            return call(self.store, form, code)

        return handler

    def _plain(
        self, call: Callable[[ReferenceStore, Mapping[str, str]], Payload]
    ) -> Callable[[dict[str, str], bool], Payload]:
        return lambda form, _: call(self.store, form)

    def _find(self, form: Mapping[str, str]) -> str | None:
        """The code of the customer named by code, card number (as rule M4), username or phone."""
        view = self.store.view
        code, card = form.get("code"), form.get("card_number")
        if code:
            return code if view.code_exists(code) else None
        if card:
            codes = view.codes_with_card(card)
            if len(codes) > 1:
                raise EditError("More than one customer has this card number; give the code")
            if codes:
                return codes[0]
            return card if view.code_exists(card) else None
        for name in ("customer_username", "phone"):
            value = form.get(name)
            if value:
                codes = self.store.codes_with(name, value)
                if len(codes) > 1:
                    raise EditError(f"More than one customer has this {name}; give the code")
                return codes[0] if codes else None
        return None


def _only(form: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """Refuse fields a call does not know, so that a typing error is not silently ignored."""
    for name in form:
        if name not in _ENVELOPE and name not in allowed:
            raise EditError(f"Unknown field for this call: {name[:40]!r}")
