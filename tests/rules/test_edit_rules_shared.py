"""The customer edit rules (edit-semantics.md, ids in the names) that the kiosk's store and the
reference central API must both follow, each test run on both (see conftest.py). Rules only one
side has (credentials A1, the outbox, the response formats R1-R4) are tested on that side:
tests/storage/test_edit_rules.py and tests/central/test_edit_rules_http.py."""

from __future__ import annotations

import re

import pytest

from tests.rules.conftest import Editor


def test_m1_a_known_code_updates_that_customer(editor: Editor) -> None:
    code = editor.edit(first_name="Ann").code
    outcome = editor.edit(code=code, last_name="Lee")
    assert (outcome.status, outcome.customer_status, outcome.code) == ("success", "update", code)
    assert editor.count() == 1


def test_m2_an_unknown_code_creates_a_customer_with_that_code(editor: Editor) -> None:
    outcome = editor.edit(code="0089898989898989", first_name="John")
    assert (outcome.customer_status, outcome.code) == ("new", "0089898989898989")
    customer = editor.customer("0089898989898989")
    assert customer is not None and customer["first_name"] == "John"


def test_m3_no_code_and_no_card_creates_a_random_16_digit_code(editor: Editor) -> None:
    codes = {editor.edit(first_name=f"N{i}").code for i in range(12)}
    assert len(codes) == 12
    assert all(re.fullmatch(r"[0-9]{16}", code) for code in codes)


def test_m4a_a_single_card_match_is_updated_and_keeps_its_code(editor: Editor) -> None:
    code = editor.edit(code="5550001", card_number="1212121212").code
    outcome = editor.edit(card_number="1212121212", first_name="John")
    assert (outcome.customer_status, outcome.code) == ("update", code)
    customer = editor.customer(code)
    assert customer is not None and customer["first_name"] == "John"


def test_m4b_a_card_shared_by_two_customers_is_an_error_and_changes_nothing(
    editor: Editor,
) -> None:
    editor.edit(code="111", card_number="4242", first_name="One")
    editor.edit(code="222", card_number="4242", first_name="Two")  # M5 allows the shared card
    outcome = editor.edit(card_number="4242", first_name="Three")
    assert outcome.status == "error" and "more than one customer" in outcome.error.lower()
    names = sorted((editor.customer(code) or {}).get("first_name") for code in ("111", "222"))
    assert names == ["One", "Two"] and editor.count() == 2


def test_m4c_a_card_number_equal_to_a_code_updates_that_customer(editor: Editor) -> None:
    editor.edit(code="9876543210", first_name="Ann")
    outcome = editor.edit(card_number="9876543210", last_name="Lee")
    assert (outcome.customer_status, outcome.code) == ("update", "9876543210")
    customer = editor.customer("9876543210")
    assert customer is not None and customer["card_number"] == "9876543210"  # M5 sets it


def test_m4d_an_unknown_card_creates_a_customer_with_a_random_code(editor: Editor) -> None:
    outcome = editor.edit(card_number="31313131", first_name="New")
    assert outcome.customer_status == "new"
    assert re.fullmatch(r"[0-9]{16}", outcome.code) and outcome.code != "31313131"
    assert editor.codes_with_card("31313131") == [outcome.code]


def test_m5_an_edit_by_code_replaces_the_card_even_if_another_has_it(editor: Editor) -> None:
    editor.edit(code="100", card_number="7777")
    editor.edit(code="200", card_number="8888")
    outcome = editor.edit(code="200", card_number="7777")
    assert (outcome.customer_status, outcome.code) == ("update", "200")
    assert sorted(editor.codes_with_card("7777")) == ["100", "200"]
    assert editor.codes_with_card("8888") == []


def test_m6_a_generated_card_number_is_returned_set_and_unused(editor: Editor) -> None:
    editor.edit(code="300", card_number="1234567890")
    plain = editor.edit(code="301", first_name="Bo")
    assert plain.card_number is None  # only a generated number is in the answer
    outcome = editor.edit(code="300", card_number_generate="10")
    number = outcome.card_number
    assert number is not None and re.fullmatch(r"[0-9]{10}", number) and number != "1234567890"
    assert editor.codes_with_card(number) == ["300"]


def test_m7_new_code_yes_gives_a_random_code_instead_of_the_given_one(editor: Editor) -> None:
    outcome = editor.edit(code="424242", new_code="Yes", first_name="A")
    assert outcome.customer_status == "new"
    assert outcome.code != "424242" and len(outcome.code) == 16


def test_m8_only_the_fields_passed_change(editor: Editor) -> None:
    code = editor.edit(first_name="Ann", last_name="Lee", city="Anytown", custom_field_1="x").code
    editor.edit(code=code, city="Othertown")
    customer = editor.customer(code)
    assert customer is not None
    assert (customer["first_name"], customer["last_name"], customer["city"]) == (
        "Ann",
        "Lee",
        "Othertown",
    )


def test_m9_auto_add_credits_the_named_campaign(editor: Editor) -> None:
    code = editor.edit(first_name="Ann", auto_add="25", campaign_id="1").code
    editor.edit(code=code, auto_add="10", campaign_id="1")
    editor.edit(code=code, auto_add="Latte", campaign_id="2")
    editor.edit(code=code, auto_add="1", campaign_id="3")
    assert editor.balances(code) == {("1", ""): "35", ("2", "Latte"): "1", ("3", ""): "1"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"auto_add": "10", "campaign_id": "99"}, "campaign"),
        ({"auto_add": "-5", "campaign_id": "1"}, "positive"),
        ({"auto_add": "1.5", "campaign_id": "3"}, "whole"),
    ],
)
def test_m9_bad_credits_are_refused_and_change_nothing(
    editor: Editor, fields: dict[str, str], message: str
) -> None:
    outcome = editor.edit(first_name="Ann", **fields)
    assert outcome.status == "error" and message in outcome.error.lower()
    assert editor.count() == 0


@pytest.mark.parametrize("bad", ["04-03-2010", "2010-4-3", "2023-02-30", "2010/04/03"])
def test_a3_custom_date_must_be_a_real_iso_date(editor: Editor, bad: str) -> None:
    outcome = editor.edit(first_name="Ann", custom_date=bad)
    assert outcome.status == "error" and editor.count() == 0


def test_a3_a_real_iso_date_is_stored_as_given(editor: Editor) -> None:
    code = editor.edit(custom_date="2024-02-29").code
    customer = editor.customer(code)
    assert customer is not None and customer["custom_date"] == "2024-02-29"


@pytest.mark.parametrize("bad", ["3", "33", "ten", "-5", "1e1"])
def test_a5_card_number_generate_must_be_4_to_32_digits(editor: Editor, bad: str) -> None:
    outcome = editor.edit(first_name="Ann", card_number_generate=bad)
    assert outcome.status == "error" and editor.count() == 0


def test_a6_an_error_anywhere_applies_nothing(editor: Editor) -> None:
    code = editor.edit(first_name="Ann").code
    outcome = editor.edit(
        code=code, first_name="Bea", auto_add="10", campaign_id="1", custom_field_2="Divorced"
    )
    assert outcome.status == "error"
    customer = editor.customer(code)
    assert customer is not None and customer["first_name"] == "Ann"
    assert editor.balances(code) == {}


def test_r5_codes_keep_their_leading_zeros(editor: Editor) -> None:
    outcome = editor.edit(code="0000123", first_name="Zed")
    assert outcome.code == "0000123"
    assert editor.customer("0000123") is not None
