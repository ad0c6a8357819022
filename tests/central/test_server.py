"""The reference server's HTTP handling, admin calls and CLI: hostile requests never crash it."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from kiosk.cli import main
from kiosk.domain.fields import Campaign
from kiosk.reference.server import MAX_BODY_BYTES, RunningServer, start_server
from kiosk.reference.store import ReferenceStore
from tests.central.conftest import FORM_CREDS, Post, edit


def still_serving(post: Post) -> None:
    assert edit(post, first_name="Alive")["status"] == "success"


def test_a_body_over_the_limit_is_an_error_not_a_crash(central: RunningServer, post: Post) -> None:
    response = post(
        type="record_customer", customer_action="edit", custom_field="x" * (MAX_BODY_BYTES + 10)
    )
    assert response.status_code == 200 and 'status="error"' in response.text
    assert central.count_customers() == 0
    still_serving(post)


@pytest.mark.parametrize(
    "body",
    [
        b"type=record_customer&first_name=\xff\xfe",  # raw bytes that are not UTF-8
        b"type=record_customer&first_name=%C3%28",  # percent-encoded invalid UTF-8
        b"&".join(b"f%d=1" % n for n in range(1000)),  # too many fields
    ],
    ids=["raw-invalid-utf8", "encoded-invalid-utf8", "too-many-fields"],
)
def test_unreadable_bodies_are_error_answers(
    central: RunningServer, post: Post, body: bytes
) -> None:
    response = httpx.post(
        central.url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200 and 'status="error"' in response.text
    still_serving(post)


def test_a_chunked_body_without_length_is_refused(central: RunningServer, post: Post) -> None:
    def chunks():
        yield b"type=record_customer&customer_action=edit&first_name=A"

    response = httpx.post(central.url, content=chunks())
    assert response.status_code == 200 and "Content-Length" in response.text
    still_serving(post)


def test_a_client_that_vanishes_mid_request_does_not_stop_the_server(
    central: RunningServer, post: Post
) -> None:
    parts = urlsplit(central.url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\ntype=rec")
    still_serving(post)


def test_other_methods_and_paths(central: RunningServer) -> None:
    assert httpx.get(central.url).status_code == 405
    assert httpx.post(central.url + "nothing", data=FORM_CREDS).status_code == 404
    assert httpx.post(central.url + "api.php", data=FORM_CREDS).status_code == 200


def test_unknown_type_and_bad_output_are_errors(post: Post) -> None:
    assert "Unknown type" in post(type="record_visit", output="JSON", code="1").json()["error"]
    xml = post(type="record_customer", customer_action="edit", output="YAML", first_name="A").text
    assert xml.startswith('<response status="error">') and "output must be" in xml


def test_a_repeated_field_counts_its_last_value(central: RunningServer, post: Post) -> None:
    form = httpx.QueryParams(
        {
            **FORM_CREDS,
            "type": "record_customer",
            "customer_action": "edit",
            "output": "JSON",
            "code": "42",
        }
    )
    body = f"{form}&first_name=First&first_name=Last".encode()
    response = httpx.post(
        central.url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.json()["customer"]["status"] == "new"
    customer = central.customer("42")
    assert customer is not None and customer["first_name"] == "Last"


def test_manage_fields_add_and_list(post: Post) -> None:
    added = post(
        type="manage_fields",
        output="JSON",
        action="add",
        label="Size",
        field_type="pick",
        choices="S, M ,L",
    ).json()
    assert added["field"] == {"field_id": "5", "label": "Size", "type": "Pick", "choices": "S,M,L"}
    listed = post(type="manage_fields", output="JSON", action="list").json()["account"]["fields"]
    assert [f["name"] for f in listed] == [f"custom_field_{n}" for n in range(1, 6)]
    assert listed[-1] == {
        "name": "custom_field_5",
        "label": "Size",
        "type": "Pick",
        "show": "Y",
        "choices": ["S", "M", "L"],
    }
    assert edit(post, custom_field_5="M")["status"] == "success"


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "add", "label": "X", "field_type": "Number"},
        {"action": "add", "label": "", "field_type": "Text"},
        {"action": "add", "label": "X", "field_type": "List"},
        {"action": "add", "label": "X", "field_type": "Text", "choices": "a,b"},
        {"action": "delete", "label": "X"},
        {"action": "list", "colour": "red"},
    ],
)
def test_manage_fields_refuses_bad_definitions(post: Post, fields: dict[str, str]) -> None:
    assert post(type="manage_fields", output="JSON", **fields).json()["status"] == "error"


def test_manage_campaigns_add_list_and_duplicates(post: Post) -> None:
    added = post(
        type="manage_campaigns",
        output="JSON",
        action="add",
        campaign_id="10",
        name="Dollars",
        campaign_type="dollars",
    ).json()
    assert added["status"] == "success"
    again = post(
        type="manage_campaigns",
        output="JSON",
        action="add",
        campaign_id="10",
        name="Again",
        campaign_type="points",
    ).json()
    assert "already exists" in again["error"]
    listed = post(type="manage_campaigns", output="JSON", action="list").json()["campaigns"]
    assert {c["campaign_id"]: c for c in listed}["10"] == {
        "campaign_id": "10",
        "campaign_name": "Dollars",
        "campaign_type": "dollars",
    }
    assert edit(post, first_name="A", auto_add="12,50", campaign_id="10")["status"] == "success"


def test_search_by_custom_field_and_unknown_search_fields(post: Post) -> None:
    edit(post, code="1", custom_field_2="Single")
    edit(post, code="2", custom_field_2="Married")
    found = post(type="customer_search", output="JSON", custom_field_2="single").json()
    assert [c["code"] for c in found["customers"]] == ["1"]
    for bad in ({"custom_field_9": "x"}, {"street1": "x"}, {"exact_match": "maybe"}):
        assert post(type="customer_search", output="JSON", **bad).json()["status"] == "error"


def test_search_wildcards_are_literal(post: Post) -> None:
    edit(post, code="1", first_name="100% Ann")
    edit(post, code="2", first_name="Bobby")  # "b_b" would match it as a LIKE pattern
    assert len(post(type="customer_search", output="JSON", first_name="%").json()["customers"]) == 1
    assert post(type="customer_search", output="JSON", first_name="b_b").json() == {
        "status": "no_match"
    }


def test_customer_info_shared_card_is_an_error(post: Post) -> None:
    edit(post, code="1", card_number="55")
    edit(post, code="2", card_number="55")
    body = post(type="customer_info", output="JSON", card_number="55").json()
    assert "More than one customer" in body["error"]


def test_cli_campaign_and_field_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "central.db")
    assert main(["central", "campaign", "add", "--db", db, "7", "Stamps", "visits"]) == 0
    assert main(["central", "campaign", "add", "--db", db, "x7", "Bad", "visits"]) == 1
    assert main(["central", "campaign", "add", "--db", db, "8", "Bad", "miles"]) == 1
    assert (
        main(["central", "field", "add", "--db", db, "Cheese", "List", "--choices", "Gouda,Swiss"])
        == 0
    )
    assert main(["central", "field", "add", "--db", db, "Oops", "Pick"]) == 1
    assert main(["central", "campaign", "list", "--db", db]) == 0
    assert main(["central", "field", "list", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "7\tvisits\tStamps" in out and "custom_field_1\tList\tCheese\tGouda,Swiss" in out
    with ReferenceStore(db) as store:
        assert store.campaigns() == [Campaign("7", "Stamps", "visits")]


def test_cli_serve_refuses_impossible_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["central", "serve", "--garbage", "0.7", "--stall", "0.7"]) == 2
    assert "add up to more than 1" in capsys.readouterr().err


def test_server_with_other_credentials_and_ipv6_loopback(tmp_path: Path) -> None:
    from kiosk.domain.credentials import Credentials

    creds = Credentials("shop", "kiosk1", "another-key")
    try:
        running = start_server(tmp_path / "c.db", host="::1", credentials=creds)
    except OSError:
        running = start_server(tmp_path / "c.db", credentials=creds)
    with running:
        data = {
            "account_id": "shop",
            "user_id": "kiosk1",
            "user_password": "another-key",
            "type": "manage_fields",
            "action": "list",
            "output": "JSON",
        }
        assert httpx.post(running.url, data=data).json() == {
            "status": "success",
            "account": {"fields": []},
        }
        wrong = {**data, **FORM_CREDS}
        assert httpx.post(running.url, data=wrong).json()["status"] == "error"
