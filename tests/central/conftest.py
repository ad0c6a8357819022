"""Fixtures for the central API tests: the real reference server on a free loopback port.

``central`` starts :func:`kiosk.reference.server.start_server` in a thread over a temporary SQLite
file and yields the :class:`RunningServer` (``.url``, ``.control``, read access, ``.stop()``);
``client`` is a :class:`CentralClient` talking to it; ``post`` sends raw form POSTs.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.central.client import CentralClient, CentralError, Credentials
from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer, start_server

CREDS = DEFAULT_CREDENTIALS
"""The documentation's example credentials, which the server accepts by default."""
FORM_CREDS = {
    "user_id": CREDS.user_id,
    "user_password": CREDS.api_key,
    "account_id": CREDS.account_id,
}
SECRET_PIN = "738291"
"""A PIN used by tests that check no customer secret leaks into messages."""

Post = Callable[..., httpx.Response]


@pytest.fixture
def central(tmp_path: Path) -> Iterator[RunningServer]:
    """The reference server over a fresh file, with a points campaign and three custom fields."""
    running = start_server(tmp_path / "central.db")
    try:
        running.read(_seed)
        yield running
    finally:
        running.stop()


def _seed(store: Any) -> None:
    store.define_campaign(Campaign("1", "Points", "points"))
    store.define_campaign(Campaign("2", "Coffee card", "buyx"))
    store.define_campaign(Campaign("3", "Visits", "visits"))
    store.define_custom_field(CustomFieldDef(1, "Cheese order", "text"))
    store.define_custom_field(CustomFieldDef(2, "Status", "pick", ("Single", "Married")))
    store.define_custom_field(CustomFieldDef(3, "Delivered", "datetime"))
    store.define_custom_field(CustomFieldDef(4, "Cheeses", "list", ("Gouda", "Emental", "Swiss")))


@pytest.fixture
async def client(central: RunningServer) -> AsyncIterator[CentralClient]:
    """A client of the ``central`` server with a short timeout."""
    async with CentralClient(central.url, CREDS, timeout=2.0) as api:
        yield api


@pytest.fixture
def post(central: RunningServer) -> Iterator[Post]:
    """``post(**fields)``: a raw form POST with the credentials unless ``creds=False``."""
    with httpx.Client(timeout=5.0) as http:

        def send(
            *, creds: bool = True, headers: dict[str, str] | None = None, **fields: str
        ) -> httpx.Response:
            data = {**FORM_CREDS, **fields} if creds else dict(fields)
            return http.post(central.url, data=data, headers=headers or {})

        yield send


def edit(post: Post, **fields: str) -> dict[str, Any]:
    """A JSON ``record_customer``/``edit`` call; returns the parsed body."""
    fields.setdefault("customer_action", "edit")
    response = post(type="record_customer", output="JSON", **fields)
    assert response.status_code == 200
    return response.json()


def search(post: Post, **fields: str) -> dict[str, Any]:
    """A JSON ``customer_search`` call; returns the parsed body."""
    response = post(type="customer_search", output="JSON", **fields)
    assert response.status_code == 200
    return response.json()


def check_secret_free(value: object, *secrets: str) -> None:
    """S8: neither ``str()`` nor ``repr()`` shows the API key, a PIN or other ``secrets``."""
    for text in (str(value), repr(value)):
        for secret in (CREDS.api_key, SECRET_PIN, *secrets):
            assert secret not in text, f"secret in {type(value).__name__}: {text!r}"


@contextlib.contextmanager
def raises_central(kind: type[CentralError], *secrets: str) -> Iterator[Any]:
    """``pytest.raises`` for client errors that also checks the error is secret-free (S8)."""
    with pytest.raises(kind) as caught:
        yield caught
    check_secret_free(caught.value, *secrets)


def other_credentials(api_key: str) -> Credentials:
    """The example account with another key."""
    return Credentials(CREDS.account_id, CREDS.user_id, api_key)
