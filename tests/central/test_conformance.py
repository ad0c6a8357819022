"""Conformance: requests shaped exactly as the public clients of the real API send them, against
the reference server; every call the kiosk needs, in each client family's way.

The families (api-notes.md; found with the search tool, reference only):

- PHP: the "STICKY STREET API CLASS" wrapper (``StickStreet::sendData``: ``curl_setopt($ch,
  CURLOPT_POSTFIELDS, $postvars)`` with a PHP array, which curl sends as ``multipart/form-data``,
  to ``https://api.clienttoolbox.com/api.php``, answers read as XML with ``simplexml``; it sends
  ``API=1.5`` with ``campaigns_list``) and the customer "hotsite" kit (``submit_cURL``: the same
  multipart POST; ``manage_fields`` with ``user_api_key`` and ``API=1.5``, read as
  ``$response->account->fields->field``; ``customer_balance`` read as
  ``$response->campaign->customer->transactions->transaction``).
- Java: a Jackson request model (``com.mallplanet.clienttoolbox.request.TransactionRequest``:
  ``API``, ``user_id``, ``user_password`` or ``user_api_key``, ``account_id``, ``type``,
  ``output``) posted urlencoded to ``/``.
- C#: ``LaserSrl/Laser.Orchard.Platform``, ``src/Modules/Laser.Orchard.FidelitySimsol/Services/
  SimsolSendService.cs`` (``FormUrlEncodedContent`` with ``output=JSON``; reads ``campaigns`` of
  ``id``/``name``/``type``, ``rewards`` of ``id``/``description``/``level``, ``customer_info``'s
  top-level ``campaigns`` of ``id``/``balance``).
- GET with a query string, as several clients send.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import defusedxml.ElementTree as SafeET
import httpx
import pytest

from kiosk.central.answers import parse_body
from kiosk.reference.server import RunningServer
from kiosk.reference.store import CampaignRecord
from tests.central.conftest import CREDS

Send = Callable[..., httpx.Response]


def php_multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """A body as curl builds it from a PHP array (``CURLOPT_POSTFIELDS``)."""
    boundary = "------------------------" + secrets.token_hex(8)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8")
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def families(central: RunningServer) -> Iterator[dict[str, Send]]:
    """One sender per client family; each adds the credentials the way that family does.

    A GET carries the key, card numbers and PINs in its URL, which httpx logs at INFO: this
    test client's log is quietened (the kiosk's own client never sends a GET)."""
    http = httpx.Client(timeout=5.0)
    httpx_log = logging.getLogger("httpx")
    level = httpx_log.level
    httpx_log.setLevel(logging.WARNING)

    def php(**fields: str) -> httpx.Response:
        creds = {"user_id": CREDS.user_id, "user_password": CREDS.api_key}
        body, content_type = php_multipart({**creds, "account_id": CREDS.account_id, **fields})
        headers = {"Content-Type": content_type}
        if len(body) > 1024:
            headers["Expect"] = "100-continue"  # what curl adds to a larger POST
        return http.post(central.url + "api.php", content=body, headers=headers)

    def java(**fields: str) -> httpx.Response:
        form = {
            "API": "1.6",
            "user_id": CREDS.user_id,
            "user_api_key": CREDS.api_key,
            "account_id": CREDS.account_id,
            "output": "JSON",
            **fields,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
        return http.post(central.url, content=urlencode(form).encode(), headers=headers)

    def get(**fields: str) -> httpx.Response:
        query = {"user_id": CREDS.user_id, "user_password": CREDS.api_key}
        query.update(account_id=CREDS.account_id, output="JSON", **fields)
        return http.get(central.url + "api.php", params=query)

    try:
        yield {"php-multipart": php, "java-urlencoded": java, "get-query": get}
    finally:
        httpx_log.setLevel(level)
        http.close()


def _seed_catalogue(central: RunningServer) -> None:
    def seed(store: Any) -> None:
        store.define_campaign(CampaignRecord("5", "Gift card", "giftcard", currency="USD"))
        store.define_campaign(CampaignRecord("6", "Stamps", "events"))
        store.define_reward("1", Decimal(50), "Free coffee")

    central.read(seed)


FAMILIES = ["php-multipart", "java-urlencoded", "get-query"]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_call_the_kiosk_needs_answers_each_client_family(
    central: RunningServer, families: dict[str, Send], family: str
) -> None:
    _seed_catalogue(central)
    send = families[family]

    def call(**fields: str) -> dict[str, Any]:
        response = send(**fields)
        assert response.status_code == 200, response.text
        payload = parse_body(response.content)
        assert payload["status"] in ("success", "no_match"), payload
        return payload

    created = call(
        type="record_customer",
        customer_action="new",
        card_number="6001000000000011",
        first_name="Jo",
        customer_PIN="2468",
        campaign_id="1,5",  # enrol in two campaigns at once
        send_no_email="1",
    )["customer"]
    code = created["code"]
    assert created["status"] == "new"
    call(type="record_customer", customer_action="edit", code=code, last_name="Bloggs")
    receipt = call(
        type="record_activity", code=code, campaign_id="1", amount="60", authorization="k1:e1"
    )["receipt"]
    assert receipt["transaction"]["balance"]["points"] == "60"
    call(type="record_activity", code=code, campaign_id="5", amount="12.50")
    call(type="record_activity", code=code, campaign_id="2", service_product="Latte")
    call(type="record_activity", code=code, campaign_id="6")
    redeemed = call(type="redeem", code=code, campaign_id="1", reward_to_redeem="1")
    assert redeemed["receipt"]["transaction"]["balance"]["points"] == "10"
    found = call(type="customer_search", card_number="6001000000000011", include_balances="Y")
    assert found["customers" if "customers" in found else "customer"]
    info = call(type="customer_info", card_number="6001000000000011", hide_customer_field="phone")
    assert info["customer"]["code"] == code and info["customer"]["last_name"] == "Bloggs"
    history = call(type="customer_balance", code=code, campaign_id="1", transactions_number="5")
    assert history["campaign"]["campaign_type"] == "points"
    assert call(type="validate_customer_password", code=code, customer_PIN="2468")
    assert call(type="generate_card_number", how_many_digits="12")["card_number"]
    assert call(type="campaigns_list", API="1.5")["pagination"]["total"] == "5"
    assert call(type="campaign_rewards", campaign_id="1")
    fields = call(type="manage_fields", action="list", API="1.5")["account"]
    assert [f["name"] for f in _entries(fields, "fields", "field")][:2] == [
        "custom_field_1",
        "custom_field_2",
    ]


def test_php_answers_are_the_xml_the_php_clients_read(
    central: RunningServer, families: dict[str, Send]
) -> None:
    """The element paths the PHP wrapper and the hotsite kit walk with simplexml."""
    _seed_catalogue(central)
    php = families["php-multipart"]
    code = SafeET.fromstring(
        php(type="record_customer", customer_action="edit", card_number="77", first_name="A").text
    ).findtext("customer/code")
    php(type="record_activity", code=code, campaign_id="1", amount="70", authorization="tag-7")
    php(type="record_activity", code=code, campaign_id="2", service_product="Bagel")

    listed = SafeET.fromstring(php(type="campaigns_list", API="1.5").text)
    assert listed.get("status") == "success"
    assert [c.findtext("id") for c in listed.findall("campaigns/campaign")] == [
        "1",
        "2",
        "3",
        "5",
        "6",
    ]
    assert listed.findtext("campaigns/campaign/type") == "points"
    fields = SafeET.fromstring(php(type="manage_fields", action="list", API="1.5").text)
    pick = fields.findall("account/fields/field")[1]
    assert pick.findtext("name") == "custom_field_2" and pick.findtext("type") == "Pick"
    assert [c.text for c in pick.findall("choices/choice")] == ["Single", "Married"]

    info = SafeET.fromstring(php(type="customer_info", code=code).text)
    assert info.findtext("customer/code") == code
    points = info.find("campaigns/campaign")
    assert points is not None and points.findtext("id") == "1"
    assert points.findtext("balance") == "70" and points.findtext("type") == "points"
    reward = points.find("available_rewards/reward")
    assert reward is not None and reward.findtext("needed_to_redeem") == "50"
    buyx = info.findall("campaigns/campaign")[1]
    assert buyx.findtext("items/item/name") == "Bagel"

    history = SafeET.fromstring(php(type="customer_balance", code=code, campaign_id="1").text)
    transaction = history.find("campaign/customer/transactions/transaction")
    assert transaction is not None and transaction.findtext("authorization") == "tag-7"
    assert history.findtext("campaign/campaign_type") == "points"

    search = SafeET.fromstring(php(type="customer_search", card_number="77").text)
    assert [c.findtext("code") for c in search.findall("customer")] == [code]  # bare <customer>
    receipt = SafeET.fromstring(
        php(type="redeem", code=code, campaign_id="1", reward_to_redeem="1").text
    )
    assert receipt.findtext("receipt/transaction/balance/points") == "20"


def test_the_csharp_module_reads_its_json(
    central: RunningServer, families: dict[str, Send]
) -> None:
    """``SimsolSendService``: ``data.SelectToken("campaigns")`` children's ``id``/``name``/
    ``type``; ``rewards`` with ``id``/``description``/``level``; ``customer_info``'s
    ``customer`` and top-level ``campaigns`` with ``id`` and ``balance``."""
    _seed_catalogue(central)
    java = families["java-urlencoded"]
    code = java(type="record_customer", customer_action="edit", first_name="C").json()["customer"][
        "code"
    ]
    java(type="record_activity", code=code, campaign_id="1", amount="5")
    campaigns = java(type="campaigns_list").json()["campaigns"]
    assert {"id", "name", "type"} <= set(campaigns[0])
    rewards = java(type="campaign_rewards", campaign_id="1").json()["rewards"]
    assert rewards == [{"id": "1", "description": "Free coffee", "level": "50"}]
    info = java(type="customer_info", code=code).json()
    assert info["customer"]["code"] == code
    assert [(c["id"], c["balance"]) for c in info["campaigns"]] == [("1", "5")]


def test_a_campaign_id_list_enrols_and_filters(
    central: RunningServer, families: dict[str, Send]
) -> None:
    _seed_catalogue(central)
    java = families["java-urlencoded"]
    enrolled = java(
        type="record_customer", customer_action="edit", first_name="E", campaign_id="5,6"
    )
    code = enrolled.json()["customer"]["code"]
    info = java(type="customer_info", code=code).json()
    assert [(c["id"], c["balance"]) for c in info["campaigns"]] == [("5", "0"), ("6", "0")]
    only = java(type="customer_info", code=code, campaign_id="6").json()["campaigns"]
    assert [c["id"] for c in only] == ["6"]
    refused = java(type="record_customer", customer_action="edit", code=code, campaign_id="5,99")
    assert "99" in refused.json()["error"]
    both = java(
        type="record_customer", customer_action="edit", code=code, campaign_id="5,6", auto_add="3"
    )
    assert "exactly one campaign_id" in both.json()["error"]


def test_extra_parameters_real_clients_send_are_accepted_but_typos_are_not(
    families: dict[str, Send],
) -> None:
    java = families["java-urlencoded"]
    extra = java(type="customer_search", first_name="nobody", hide_customer_field="phone")
    assert extra.json()["status"] == "no_match"
    typo = java(type="customer_search", frist_name="Ann")
    assert "frist_name" in typo.json()["error"]
    edit_typo = java(type="record_customer", customer_action="edit", frist_name="Ann")
    assert edit_typo.json()["status"] == "error"


def test_user_api_key_alone_authenticates_and_a_wrong_one_does_not(
    families: dict[str, Send], central: RunningServer
) -> None:
    java = families["java-urlencoded"]
    assert java(type="manage_fields", action="list").json()["status"] == "success"
    wrong = java(type="manage_fields", action="list", user_api_key="nope")
    assert "Authentication failed" in wrong.json()["error"]


def test_a_get_without_a_query_is_not_a_call(central: RunningServer) -> None:
    assert httpx.get(central.url).status_code == 405
    assert httpx.get(central.url + "api.php").status_code == 405


def test_a_file_upload_or_a_json_body_is_a_clear_error(central: RunningServer) -> None:
    upload = httpx.post(central.url, files={"card": ("card.txt", b"1234")})
    assert "file upload" in upload.text
    as_json = httpx.post(central.url, json={"type": "campaigns_list"})
    assert 'status="error"' in as_json.text and "form" in as_json.text


def _entries(container: dict[str, Any], plural: str, singular: str) -> list[dict[str, Any]]:
    value = container[plural]
    if isinstance(value, dict):
        value = value[singular]
    return value if isinstance(value, list) else [value]


def test_a_large_php_post_with_expect_100_continue_is_answered(
    central: RunningServer, families: dict[str, Send]
) -> None:
    note = "cheese " * 130  # the body is over 1 kB: curl sends "Expect: 100-continue"
    body = families["php-multipart"](
        type="record_customer", customer_action="edit", first_name="Long", custom_field=note
    )
    code = SafeET.fromstring(body.text).findtext("customer/code")
    customer = central.customer(code or "")
    assert customer is not None and customer["custom_field"] == note
