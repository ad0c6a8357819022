"""Response rendering: rules R1-R4 (XML default, JSON, JSONP, condensed, errors)."""

from __future__ import annotations

import json

import pytest
from defusedxml import ElementTree

from kiosk.domain import render


def test_r1_xml_is_the_default_and_matches_the_documented_shape() -> None:
    """R1: <response status="success"><customer status="update"><code>…</code></customer>."""
    fmt = render.output_format({})
    text = render.render(render.edit_success("update", "1234567890123456"), fmt)
    root = ElementTree.fromstring(text)
    assert root.tag == "response" and root.get("status") == "success"
    customer = root.find("customer")
    assert customer is not None and customer.get("status") == "update"
    assert customer.findtext("code") == "1234567890123456"
    assert customer.find("card_number") is None
    assert fmt.content_type.startswith("text/xml")


def test_r1_xml_carries_the_card_number_only_when_generated() -> None:
    """R1/M6: <card_number> appears when card_number_generate made one."""
    text = render.render(render.edit_success("new", "1", "1234567890"), render.OutputFormat())
    assert ElementTree.fromstring(text).findtext("customer/card_number") == "1234567890"


def test_r2_json_has_the_same_content() -> None:
    """R2: output=JSON (any case) gives the same content as JSON."""
    fmt = render.output_format({"output": "json"})
    payload = json.loads(render.render(render.edit_success("new", "0012", "99"), fmt))
    assert payload == {
        "status": "success",
        "customer": {"status": "new", "code": "0012", "card_number": "99"},
    }


def test_r3_callback_wraps_json_as_jsonp_and_condensed_removes_white_space() -> None:
    """R3: callback=NAME gives NAME({...}); condensed=yes strips white space from JSON(P)."""
    fmt = render.output_format({"callback": "someFunctionName", "condensed": "yes"})
    text = render.render(render.edit_success("update", "42"), fmt)
    assert (
        text == 'someFunctionName({"status":"success","customer":{"status":"update","code":"42"}})'
    )
    loose = render.render(
        render.edit_success("update", "42"), render.output_format({"output": "JSON"})
    )
    assert " " in loose and json.loads(loose)["customer"]["code"] == "42"


def test_r3_condensed_does_not_apply_to_xml() -> None:
    """R3: condensed=yes leaves XML as it is."""
    plain = render.render(render.edit_success("new", "1"), render.output_format({}))
    condensed = render.render(
        render.edit_success("new", "1"), render.output_format({"condensed": "yes"})
    )
    assert plain == condensed


def test_r4_errors_in_xml_and_json() -> None:
    """R4: <response status="error"><error>message</error></response>, and the JSON form."""
    message = 'custom_date must be YYYY-MM-DD & "real"'
    xml = render.render(render.error(message), render.OutputFormat())
    root = ElementTree.fromstring(xml)
    assert root.get("status") == "error" and root.findtext("error") == message
    as_json = json.loads(
        render.render(render.error(message), render.output_format({"output": "JSON"}))
    )
    assert as_json == {"status": "error", "error": message}


@pytest.mark.parametrize("bad", [{"output": "YAML"}, {"callback": "alert(1);x"}])
def test_bad_output_fields_are_refused(bad: dict[str, str]) -> None:
    """R2/R3: an unknown format or a callback that is not a function name is an error."""
    with pytest.raises(render.OutputFormatError):
        render.output_format(bad)


def test_search_results_render_lists_as_repeated_elements() -> None:
    """api-notes: a list of customers is a sequence of <customer> elements."""
    payload = {
        "status": "success",
        "customers": [
            {"code": "1", "campaigns": [{"campaign_id": "7", "balance": "5"}]},
            {"code": "2", "campaigns": []},
        ],
    }
    root = ElementTree.fromstring(render.render_xml(payload))
    assert [c.findtext("code") for c in root.findall("customer")] == ["1", "2"]
    assert root.find("customer/campaign").findtext("balance") == "5"
