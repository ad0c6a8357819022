"""Every rule of ``edit-semantics.md`` over raw HTTP against the reference server (ids in names).

Rules both sides follow (M1-M8, A3, A5) are tested once for both in tests/rules/; this file keeps
what only the HTTP server has: credentials (A1), response formats (R1-R4) and the wire shapes.
"""

from __future__ import annotations

import json
import re

import defusedxml.ElementTree as SafeET
import httpx
import pytest

from kiosk.reference.server import RunningServer
from tests.central.conftest import FORM_CREDS, Post, edit, search


def error_of(body: dict) -> str:
    assert body["status"] == "error", body
    return body["error"]


def only_customer(post: Post, **fields: str) -> dict:
    found = search(post, **fields)
    assert found["status"] == "success" and len(found["customers"]) == 1, found
    return found["customers"][0]


@pytest.mark.parametrize(
    "missing", ["user_id", "user_password", "type", "customer_action", "account_id"]
)
def test_a1_each_required_field_missing_is_an_error(post: Post, missing: str) -> None:
    data = {**FORM_CREDS, "type": "record_customer", "customer_action": "edit", "first_name": "A"}
    del data[missing]
    body = post(creds=False, output="JSON", **data).json()
    assert error_of(body) == f"Missing required field: {missing}"


@pytest.mark.parametrize(
    "field, value", [("user_password", "wrong"), ("user_id", "jane"), ("account_id", "other")]
)
def test_a1_credentials_that_do_not_match_are_an_error(
    post: Post, central: RunningServer, field: str, value: str
) -> None:
    body = edit(post, **{field: value}, first_name="A")
    assert "Authentication failed" in error_of(body)
    assert central.count_customers() == 0


def test_a1_header_key_accepted_without_body_password(post: Post) -> None:
    data = {k: v for k, v in FORM_CREDS.items() if k != "user_password"}
    response = post(
        creds=False,
        headers={"api_access_key": FORM_CREDS["user_password"]},
        type="record_customer",
        customer_action="edit",
        output="JSON",
        first_name="A",
        **data,
    )
    assert response.json()["status"] == "success"


def test_a1_header_wins_over_body_password(post: Post) -> None:
    good_header = post(
        headers={"api_access_key": FORM_CREDS["user_password"]},
        user_password="wrong",
        type="record_customer",
        customer_action="edit",
        output="JSON",
        first_name="A",
    ).json()
    bad_header = post(
        headers={"api_access_key": "wrong"},
        type="record_customer",
        customer_action="edit",
        output="JSON",
        first_name="A",
    ).json()
    assert good_header["status"] == "success"
    assert "Authentication failed" in error_of(bad_header)


def test_a1_bad_key_is_refused_for_every_call(post: Post) -> None:
    for call in ("customer_search", "customer_info", "generate_card_number", "manage_fields"):
        body = post(type=call, output="JSON", user_password="nope", code="1", action="list")
        assert "Authentication failed" in error_of(body.json())


@pytest.mark.parametrize(
    "extra", [{}, {"output": "JSON", "callback": "cb", "condensed": "yes"}, {"send_no_email": "1"}]
)
def test_a2_no_customer_field_is_an_error(
    post: Post, central: RunningServer, extra: dict[str, str]
) -> None:
    extra = {"output": "JSON", **extra}
    response = post(type="record_customer", customer_action="edit", **extra)
    text = response.text
    body = json.loads(text[text.index("(") + 1 : -1] if extra.get("callback") else text)
    assert error_of(body).startswith("Nothing to record")
    assert central.count_customers() == 0


def test_a4_custom_fields_accept_values_of_their_type(post: Post) -> None:
    body = edit(
        post,
        custom_field_1="1kg Emental Cheese",
        custom_field_2="Single",
        custom_field_3="2012.07.28 22:59:59",
        custom_field_4="Gouda,Emental,Swiss",
    )
    customer = only_customer(post, custom_field_1="emental")
    assert customer["code"] == body["customer"]["code"]
    assert customer["custom_field_3"] == "2012.07.28 22:59:59"
    assert customer["custom_field_4"] == "Gouda,Emental,Swiss"


@pytest.mark.parametrize(
    "field, value",
    [
        ("custom_field_9", "anything"),
        ("custom_field_2", "Divorced"),
        ("custom_field_2", "Single,Married"),
        ("custom_field_3", "2012-07-28 22:59:59"),
        ("custom_field_3", "2012.02.30 10:00:00"),
        ("custom_field_4", "Gouda,Brie"),
    ],
)
def test_a4_undefined_or_ill_typed_custom_field_changes_nothing(
    post: Post, field: str, value: str
) -> None:
    code = edit(post, first_name="Ann")["customer"]["code"]
    body = edit(post, code=code, first_name="Bob", **{field: value})
    assert field in error_of(body)
    customer = only_customer(post, first_name="ann")
    assert customer["first_name"] == "Ann" and field not in customer


def test_a6_an_error_applies_nothing(post: Post, central: RunningServer) -> None:
    code = edit(post, first_name="Ann", phone="555-1234")["customer"]["code"]
    body = edit(
        post,
        code=code,
        first_name="Bob",
        phone="555-9999",
        auto_add="5",
        campaign_id="1",
        custom_date="2023-02-30",
    )
    error_of(body)
    customer = only_customer(post, include_balances="Y", first_name="Ann")
    assert (customer["first_name"], customer["phone"], customer["campaigns"]) == (
        "Ann",
        "555-1234",
        [],
    )
    assert central.count_customers() == 1


def test_m9_auto_add_credits_the_named_campaign_once_per_request(post: Post) -> None:
    code = edit(post, card_number="6000", auto_add="25", campaign_id="1")["customer"]["code"]
    edit(post, code=code, auto_add="9,95", campaign_id="1")
    edit(post, code=code, auto_add="Latte", campaign_id="2")
    campaigns = only_customer(post, card_number="6000", include_balances="Y")["campaigns"]
    assert campaigns == [
        {
            "campaign_id": "1",
            "campaign_name": "Points",
            "campaign_type": "points",
            "balance": "34.95",
            "item": "",
        },
        {
            "campaign_id": "2",
            "campaign_name": "Coffee card",
            "campaign_type": "buyx",
            "balance": "1",
            "item": "Latte",
        },
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"auto_add": "5"},
        {"auto_add": "5", "campaign_id": "99"},
        {"auto_add": "2.5", "campaign_id": "3"},
        {"auto_add": "-1", "campaign_id": "1"},
    ],
)
def test_m9_auto_add_without_a_fitting_campaign_is_an_error(
    post: Post, central: RunningServer, fields: dict[str, str]
) -> None:
    error_of(edit(post, first_name="A", **fields))
    assert central.count_customers() == 0


def test_m10_new_customer_notifies_the_owner_unless_send_no_email(
    post: Post, central: RunningServer
) -> None:
    notified = edit(post, first_name="A")["customer"]["code"]
    edit(post, code=notified, first_name="B")  # an update notifies nobody
    edit(post, first_name="C", send_no_email="true")
    listed = httpx.get(central.url + "_control/notifications").json()["notifications"]
    assert [n["code"] for n in listed] == [notified]
    assert [n["code"] for n in central.notifications()] == [notified]


def test_m11_username_and_pin_are_accepted_and_never_returned(post: Post) -> None:
    edit(
        post,
        card_number="8080",
        customer_username="jdoe1970",
        customer_PIN="1234",
        customer_password="ilovecheese",
    )
    raw = post(type="customer_search", output="JSON", customer_username="jdoe1970").text
    assert "jdoe1970" in raw
    assert "1234" not in raw and "ilovecheese" not in raw and "scrypt" not in raw
    ok = post(
        type="validate_customer_password", output="JSON", card_number="8080", customer_PIN="1234"
    ).json()
    wrong = post(
        type="validate_customer_password",
        output="JSON",
        customer_username="jdoe1970",
        customer_password="ihatecheese",
    ).json()
    assert ok == {"status": "success"} and wrong["status"] == "error"


def test_r1_default_output_is_the_documented_xml(post: Post) -> None:
    text = post(
        type="record_customer",
        customer_action="edit",
        code="1234567890123456",
        card_number_generate="10",
    ).text
    root = SafeET.fromstring(text)
    assert root.tag == "response" and root.get("status") == "success"
    (customer,) = list(root)
    assert customer.tag == "customer" and customer.get("status") == "new"
    assert [child.tag for child in customer] == ["code", "card_number"]
    assert customer.findtext("code") == "1234567890123456"
    assert re.fullmatch(r"[0-9]{10}", customer.findtext("card_number") or "")


def test_r2_json_has_the_same_content(post: Post) -> None:
    body = edit(post, code="55", first_name="A")
    assert body == {"status": "success", "customer": {"status": "new", "code": "55"}}


def test_r3_callback_gives_jsonp_and_condensed_strips_white_space(post: Post) -> None:
    text = post(
        type="record_customer", customer_action="edit", code="56", callback="show", condensed="yes"
    ).text
    assert text == 'show({"status":"success","customer":{"status":"new","code":"56"}})'
    xml = post(type="record_customer", customer_action="edit", code="56", condensed="yes").text
    assert xml.startswith('<response status="success">\n')  # condensed does not apply to XML


def test_r4_errors_are_http_200_with_the_message_in_the_body(post: Post) -> None:
    response = post(type="record_customer", customer_action="edit", custom_date="04-03-2010")
    assert response.status_code == 200
    root = SafeET.fromstring(response.text)
    assert root.get("status") == "error" and "YYYY-MM-DD" in (root.findtext("error") or "")
    as_json = edit(post, custom_date="04-03-2010")
    assert set(as_json) == {"status", "error"}


def test_r5_codes_keep_leading_zeros_everywhere(post: Post) -> None:
    assert edit(post, code="0001234", first_name="Zero")["customer"]["code"] == "0001234"
    assert edit(post, code="0001234", last_name="Z")["customer"] == {
        "status": "update",
        "code": "0001234",
    }
    assert only_customer(post, first_name="Zero")["code"] == "0001234"
    info = post(type="customer_info", output="JSON", code="0001234").json()
    assert info["customers"][0]["code"] == "0001234"


def test_customer_action_new_always_creates_and_refuses_a_taken_code(post: Post) -> None:
    created = edit(post, customer_action="new", card_number="4711", first_name="A")
    assert created["customer"] == {"status": "new", "code": "4711"}  # the card serves as code
    again = edit(post, customer_action="new", card_number="4711")
    assert "already exists" in error_of(again)
    other = edit(post, customer_action="new", card_number="4711", new_code="Yes")
    assert other["customer"]["status"] == "new" and other["customer"]["code"] != "4711"


@pytest.mark.parametrize("action", ["delete", "EDIT", "update"])
def test_customer_action_other_than_edit_or_new_is_an_error(post: Post, action: str) -> None:
    assert "customer_action" in error_of(edit(post, customer_action=action, first_name="A"))
