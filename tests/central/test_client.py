"""The client against the real reference server: every call, its results and its errors."""

from __future__ import annotations

import logging
import re
import socket
from decimal import Decimal

import pytest

from kiosk.central.client import (
    ApiError,
    CentralClient,
    CentralError,
    NotFound,
    Unreachable,
)
from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.reference.server import RunningServer
from tests.central.conftest import (
    CREDS,
    SECRET_PIN,
    check_secret_free,
    other_credentials,
    raises_central,
)


async def test_record_customer_creates_then_updates(client: CentralClient) -> None:
    created = await client.record_customer({"card_number": "1212121212", "first_name": "John"})
    updated = await client.record_customer({"card_number": "1212121212", "last_name": "Doe"})
    assert created.status == "new" and re.fullmatch(r"[0-9]{16}", created.code)
    assert (updated.status, updated.code, updated.card_number) == ("update", created.code, None)
    check_secret_free(created)
    assert "1212121212" not in repr(await client.customer_info(card_number="1212121212"))


async def test_record_customer_new_action_and_generated_card(client: CentralClient) -> None:
    created = await client.record_customer(
        {"card_number_generate": "12", "first_name": "Gen"}, action="new"
    )
    assert created.status == "new" and created.card_number is not None
    assert len(created.card_number) == 12
    assert created.card_number not in repr(created)  # S8: masked to the last 4


async def test_record_customer_error_is_api_error_with_the_message(client: CentralClient) -> None:
    with raises_central(ApiError) as caught:
        await client.record_customer({"custom_date": "04-03-2010"})
    assert "YYYY-MM-DD" in caught.value.message


async def test_record_customer_refuses_credential_fields(client: CentralClient) -> None:
    with pytest.raises(ValueError, match="set by the client"):
        await client.record_customer({"user_password": "x", "first_name": "A"})


async def test_search_by_exact_card_with_balances(client: CentralClient) -> None:
    code = (
        await client.record_customer(
            {
                "card_number": "6001",
                "first_name": "Ann",
                "custom_field_2": "Single",
                "auto_add": "25",
                "campaign_id": "1",
            }
        )
    ).code
    await client.record_customer({"code": code, "auto_add": "Latte", "campaign_id": "2"})
    await client.record_customer({"card_number": "60011", "first_name": "Other"})
    (found,) = await client.customer_search({"card_number": "6001"}, exact_match="sensitive")
    assert (found.code, found.card_number, found.profile["first_name"]) == (code, "6001", "Ann")
    assert found.custom_values == {2: "Single"}
    assert [(b.campaign_id, b.balance, b.item) for b in found.balances] == [
        ("1", Decimal("25"), ""),
        ("2", Decimal("1"), "Latte"),
    ]
    partial = await client.customer_search({"card_number": "6001"}, include_balances=False)
    # Not asked for, so not known: None, never an empty list read as "no balance".
    assert len(partial) == 2 and all(c.balances is None for c in partial)


async def test_search_without_fields_returns_everyone_and_nothing_is_empty(
    client: CentralClient,
) -> None:
    assert await client.customer_search() == []
    for name in ("A", "B", "C"):
        await client.record_customer({"first_name": name})
    everyone = await client.customer_search()
    assert [c.profile["first_name"] for c in everyone] == ["A", "B", "C"]
    assert await client.customer_search({"last_name": "nobody"}) == []


async def test_search_matching_modes(client: CentralClient) -> None:
    await client.record_customer({"code": "1", "first_name": "Ærøskøbing", "city": "Anytown"})
    await client.record_customer({"code": "2", "first_name": "ærø", "city": "anytown"})
    codes = lambda found: sorted(c.code for c in found)  # noqa: E731 - short local helper
    assert codes(await client.customer_search({"first_name": "ÆRØ"})) == ["1", "2"]
    exact_i = await client.customer_search({"city": "ANYTOWN"}, exact_match="insensitive")
    assert codes(exact_i) == ["1", "2"]
    exact_s = await client.customer_search({"city": "Anytown"}, exact_match="sensitive")
    assert codes(exact_s) == ["1"]
    assert await client.customer_search({"city": "Any"}, exact_match="sensitive") == []
    both = await client.customer_search({"first_name": "ærø", "city": "anytown"})
    assert codes(both) == ["1", "2"]


async def test_search_by_pin_is_refused(client: CentralClient) -> None:
    with raises_central(ApiError, "1234") as caught:
        await client.customer_search({"customer_PIN": "1234"})
    assert "customer_PIN" in caught.value.message


async def test_customer_info_by_code_and_card_and_not_found(client: CentralClient) -> None:
    made = await client.record_customer({"card_number": "777000", "first_name": "Info"})
    assert (await client.customer_info(code=made.code)).card_number == "777000"
    assert (await client.customer_info(card_number="777000")).code == made.code
    with raises_central(NotFound):
        await client.customer_info(code="404")
    with pytest.raises(ValueError):
        await client.customer_info()


async def test_validate_customer_password(client: CentralClient) -> None:
    await client.record_customer(
        {"card_number": "9001", "customer_PIN": SECRET_PIN, "customer_password": "ilovecheese"}
    )
    assert await client.validate_customer_password(card_number="9001", customer_PIN=SECRET_PIN)
    assert await client.validate_customer_password(
        card_number="9001", customer_password="ilovecheese"
    )
    assert not await client.validate_customer_password(card_number="9001", customer_PIN="0000")
    assert not await client.validate_customer_password(card_number="404", customer_PIN="0000")


async def test_validate_with_bad_api_key_raises_rather_than_false(
    central: RunningServer,
) -> None:
    async with CentralClient(central.url, other_credentials("not-the-key")) as api:
        with raises_central(ApiError, "not-the-key"):
            await api.validate_customer_password(code="1", customer_PIN=SECRET_PIN)


async def test_generate_card_number(client: CentralClient) -> None:
    card = await client.generate_card_number(digits=12, prefix="60", suffix="9")
    assert re.fullmatch(r"60[0-9]{9}9", card)
    with raises_central(ApiError):
        await client.generate_card_number(digits=3)


async def test_list_custom_fields_and_campaigns(client: CentralClient) -> None:
    fields = await client.list_custom_fields()
    assert fields[1] == CustomFieldDef(2, "Status", "pick", ("Single", "Married"))
    assert [f.kind for f in fields] == ["text", "pick", "datetime", "list"]
    campaigns = await client.list_campaigns()
    # The reference server's default ratio is 1 point per unit of money (issue 13: kept).
    assert campaigns[0] == Campaign("1", "Points", "points", None, Decimal(1))


async def test_ping_succeeds_and_bad_credentials_are_api_error(central: RunningServer) -> None:
    async with CentralClient(central.url, CREDS) as good:
        await good.ping()
    for use_header in (True, False):
        bad = CentralClient(central.url, other_credentials("wrong-key-123"), use_header=use_header)
        async with bad:
            with raises_central(ApiError, "wrong-key-123") as caught:
                await bad.ping()
        assert "Authentication failed" in caught.value.message
        check_secret_free(bad, "wrong-key-123")


async def test_key_in_body_works_too(central: RunningServer) -> None:
    async with CentralClient(central.url, CREDS, use_header=False) as api:
        assert (await api.record_customer({"first_name": "Body"})).status == "new"


async def test_connection_refused_is_unreachable(unused_port: int) -> None:
    async with CentralClient(f"http://127.0.0.1:{unused_port}/", CREDS, timeout=1.0) as api:
        with raises_central(Unreachable):
            await api.record_customer({"first_name": "A"})


async def test_tls_handshake_failure_is_unreachable_and_applies_nothing(
    central: RunningServer,
) -> None:
    # The server speaks plain HTTP: a TLS client fails in the handshake, before sending.
    https_url = central.url.replace("http://", "https://")
    async with CentralClient(https_url, CREDS, timeout=2.0) as api:
        with raises_central(Unreachable):
            await api.record_customer({"first_name": "A"})
    assert central.count_customers() == 0


async def test_logs_hold_no_credentials_or_card_numbers(
    client: CentralClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await client.record_customer({"card_number": "5566778899", "customer_PIN": SECRET_PIN})
    await client.customer_search({"card_number": "5566778899"})
    with pytest.raises(CentralError):
        await client.customer_info(code="999")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "central record_customer: ok" in text
    for secret in (CREDS.api_key, SECRET_PIN, "5566778899"):
        assert secret not in text


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
