"""One rule suite, two implementations: every test in this folder runs against the kiosk's local
store (a real SQLite file) and against the reference central API over HTTP on loopback, so the
two cannot drift apart on the rules of edit-semantics.md."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from kiosk.domain.edit_rules import EditError
from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer, start_server
from kiosk.storage.customer_store import Store

CAMPAIGNS = (
    Campaign("1", "Points", "points"),
    Campaign("2", "Coffee card", "buyx"),
    Campaign("3", "Visits", "visits"),
)
FIELDS = (
    CustomFieldDef(1, "Cheese order", "text"),
    CustomFieldDef(2, "Status", "pick", ("Single", "Married")),
)


@dataclass(frozen=True)
class Outcome:
    """What one ``record_customer`` edit answered."""

    status: str
    """``success`` or ``error``."""
    customer_status: str = ""
    """``new`` or ``update``."""
    code: str = ""
    card_number: str | None = None
    """Set only when the edit generated one (M6)."""
    error: str = ""


class Editor(Protocol):
    """Applies edits and reads customers back, whichever side implements the rules."""

    def edit(self, **fields: str) -> Outcome: ...

    def customer(self, code: str) -> dict[str, Any] | None: ...

    def codes_with_card(self, card_number: str) -> list[str]: ...

    def count(self) -> int: ...

    def balances(self, code: str) -> dict[tuple[str, str], str]: ...


class LocalEditor:
    """The kiosk's store: ``Store.apply_edit`` (the edit and its outbox entry)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def edit(self, **fields: str) -> Outcome:
        try:
            plan = self.store.apply_edit(fields).plan
        except EditError as error:
            return Outcome("error", error=str(error))
        return Outcome("success", plan.status, plan.code, plan.generated_card_number)

    def customer(self, code: str) -> dict[str, Any] | None:
        found = self.store.customer(code)
        return dict(found) if found else None

    def codes_with_card(self, card_number: str) -> list[str]:
        return self.store.view.codes_with_card(card_number, limit=10)

    def count(self) -> int:
        return self.store.count_customers()

    def balances(self, code: str) -> dict[tuple[str, str], str]:
        return {(b["campaign_id"], b["item"]): b["balance"] for b in self.store.balances(code)}


class HttpEditor:
    """The reference server: a form POST of ``record_customer`` with ``output=JSON``."""

    def __init__(self, central: RunningServer, http: httpx.Client) -> None:
        self.central = central
        self.http = http

    def edit(self, **fields: str) -> Outcome:
        form = {
            "user_id": DEFAULT_CREDENTIALS.user_id,
            "user_password": DEFAULT_CREDENTIALS.api_key,
            "account_id": DEFAULT_CREDENTIALS.account_id,
            "type": "record_customer",
            "customer_action": "edit",
            "output": "JSON",
            **fields,
        }
        body = self.http.post(self.central.url, data=form).json()
        if body["status"] != "success":
            errors = body.get("errors") or [body.get("error", "")]
            return Outcome("error", error=" ".join(errors))
        customer = body["customer"]
        return Outcome("success", customer["status"], customer["code"], customer.get("card_number"))

    def customer(self, code: str) -> dict[str, Any] | None:
        return self.central.customer(code)

    def codes_with_card(self, card_number: str) -> list[str]:
        return self.central.read(lambda store: store.view.codes_with_card(card_number, 10))

    def count(self) -> int:
        return self.central.count_customers()

    def balances(self, code: str) -> dict[tuple[str, str], str]:
        rows = self.central.read(lambda store: store.balances(code))
        return {(b["campaign_id"], b["item"]): b["balance"] for b in rows}


def _seed(target: Any) -> None:
    for campaign in CAMPAIGNS:
        target.define_campaign(campaign)
    for definition in FIELDS:
        target.define_custom_field(definition)


@pytest.fixture(params=["local store", "reference server over HTTP"])
def editor(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Editor]:
    """The same rules, applied by the kiosk's store or by the reference server."""
    if request.param == "local store":
        with Store(tmp_path / "kiosk.db") as store:
            _seed(store)
            yield LocalEditor(store)
        return
    running = start_server(tmp_path / "central.db")
    try:
        running.read(_seed)
        with httpx.Client(timeout=5.0) as http:
            yield HttpEditor(running, http)
    finally:
        running.stop()
