"""Every rule of edit-semantics.md (A*, M*, R5) applied to a real SQLite store.

Each test names the rule it proves. Rendering rules R1-R4 are in tests/domain/test_render.py.

Rules both the store and the reference server follow (M1-M8, A3, A5, A6 basics) are tested
once for both in tests/rules/; this file keeps what only the store has (the outbox, hashes,
credentials checks, limits).
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest

from kiosk.domain.edit_rules import EditError, check_credentials
from kiosk.storage.customer_store import Store

ACCOUNT = {
    "account_id": "greatwidgets",
    "user_id": "john1970",
    "user_password": "1959caadac9b13dcb3",
}
CALL = {"type": "record_customer", "customer_action": "edit"}


def snapshot(store: Store) -> list[tuple]:
    """Everything the store holds that an edit could change."""
    conn = store.db.conn
    tables = ("customers", "custom_values", "balances", "outbox", "notifications")
    return [tuple(conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()) for table in tables]


def refused(store: Store, request: dict[str, str], message_part: str) -> None:
    """Assert the request is refused, the message mentions ``message_part``, nothing changed."""
    before = snapshot(store)
    with pytest.raises(EditError) as raised:
        store.apply_edit(request)
    assert message_part.lower() in str(raised.value).lower()
    assert snapshot(store) == before


def test_a1_missing_required_field_is_an_error() -> None:
    """A1: every credential and call field is required."""
    for missing in ("user_id", "user_password", "type", "customer_action", "account_id"):
        request = {**ACCOUNT, **CALL}
        del request[missing]
        with pytest.raises(EditError, match=missing):
            check_credentials(request, ACCOUNT)


def test_a1_wrong_credentials_are_refused_without_echoing_the_key() -> None:
    """A1: credentials that do not match the account are an error; the key is not in the message."""
    request = {**ACCOUNT, **CALL, "user_password": "wrong-key-123"}
    with pytest.raises(EditError) as raised:
        check_credentials(request, ACCOUNT)
    assert "wrong-key-123" not in str(raised.value)
    assert ACCOUNT["user_password"] not in str(raised.value)


def test_a1_header_key_wins_over_the_body_password() -> None:
    """A1: the api_access_key header, when present, is used instead of user_password."""
    request = {**ACCOUNT, **CALL, "user_password": "wrong"}
    check_credentials(request, ACCOUNT, api_access_key=ACCOUNT["user_password"])
    good_body = {**ACCOUNT, **CALL}
    with pytest.raises(EditError):
        check_credentials(good_body, ACCOUNT, api_access_key="wrong")
    no_body_password = {k: v for k, v in good_body.items() if k != "user_password"}
    check_credentials(no_body_password, ACCOUNT, api_access_key=ACCOUNT["user_password"])


def test_a2_a_request_without_customer_fields_is_refused(store: Store) -> None:
    """A2: output fields and send_no_email alone do not count as customer fields."""
    refused(store, {}, "at least one customer field")
    refused(store, {"output": "JSON", "send_no_email": "true", "campaign_id": "1"}, "at least one")


def test_a2_any_single_customer_field_is_enough(store: Store) -> None:
    """A2: each optional field individually suffices."""
    for request in ({"first_name": "Ann"}, {"custom_field_1": "Brie"}, {"customer_PIN": "1234"}):
        assert store.apply_edit(request).plan.status == "new"


def test_a4_undefined_custom_field_is_refused(store: Store) -> None:
    """A4: custom_field_N must be defined for the account."""
    refused(store, {"first_name": "Ann", "custom_field_9": "x"}, "not a custom field defined")


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("custom_field_1", "1kg Emental Cheese", True),
        ("custom_field_3", "2012.07.28 22:59:59", True),
        ("custom_field_3", "2012-07-28 22:59:59", False),
        ("custom_field_3", "2012.02.30 10:00:00", False),
        ("custom_field_2", "Single", True),
        ("custom_field_2", "Single,Married", False),
        ("custom_field_2", "Divorced", False),
        ("custom_field_4", "Gouda,Emental,Swiss", True),
        ("custom_field_4", "Gouda,Cheddar", False),
    ],
)
def test_a4_custom_values_must_fit_their_type(
    store: Store, field: str, value: str, ok: bool
) -> None:
    """A4: text, date/time stamp, pick and list fields each check their values."""
    request = {"first_name": "Ann", field: value}
    if ok:
        code = store.apply_edit(request).plan.code
        assert store.custom_values(code)[int(field.rsplit("_", 1)[1])] == value
    else:
        refused(store, request, field)


def test_a6_an_error_anywhere_applies_nothing(store: Store) -> None:
    """A6: a bad field after good ones leaves the customer, balances and outbox untouched."""
    code = store.apply_edit({"card_number": "5555", "first_name": "Ann"}).plan.code
    refused(
        store,
        {
            "code": code,
            "first_name": "Changed",
            "auto_add": "10",
            "campaign_id": "1",
            "custom_field_2": "Divorced",
        },
        "custom_field_2",
    )
    assert store.customer(code)["first_name"] == "Ann"
    assert store.balances(code) == []


def test_m6_card_number_generate_sets_an_unused_number_and_reports_it(store: Store) -> None:
    """M6: a random N-digit number not in use is set; only then does the response carry it."""
    plain = store.apply_edit({"first_name": "Ann"})
    assert plain.plan.generated_card_number is None
    seen = set()
    for _ in range(20):
        result = store.apply_edit({"first_name": "Bo", "card_number_generate": "10"})
        number = result.plan.generated_card_number
        assert number is not None
        assert len(number) == 10 and number.isdigit() and number not in seen
        assert store.customer(result.plan.code)["card_number"] == number
        seen.add(number)


def test_m6_generation_avoids_numbers_in_use(tmp_path) -> None:
    """M6: with a seeded generator that would repeat, the used number is skipped."""
    seed_store = Store(tmp_path / "a.db", rng=random.Random(7))
    first = seed_store.apply_edit({"first_name": "A", "card_number_generate": "4"})
    seed_store.close()
    # Same seed, same sequence: the first candidate is now taken by the card made above.
    again = Store(tmp_path / "a.db", rng=random.Random(7))
    taken = first.plan.generated_card_number
    again.apply_edit({"code": first.plan.code, "card_number": taken})
    second = again.apply_edit({"first_name": "B", "card_number_generate": "4"})
    assert second.plan.generated_card_number != taken
    again.close()


def test_m9_auto_add_credits_the_named_campaign(store: Store) -> None:
    """M9: auto_add adds to the campaign's balance, decimal comma accepted for dollars."""
    code = store.apply_edit({"first_name": "Ann", "auto_add": "25", "campaign_id": "1"}).plan.code
    store.apply_edit({"code": code, "auto_add": "10", "campaign_id": "1"})
    store.apply_edit({"code": code, "auto_add": "9,95", "campaign_id": "3"})
    store.apply_edit({"code": code, "auto_add": "Latte", "campaign_id": "4"})
    balances = {(b["campaign_id"], b["item"]): b["balance"] for b in store.balances(code)}
    assert balances == {("1", ""): "35", ("3", ""): "9.95", ("4", "Latte"): "1"}


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"auto_add": "10"}, "campaign_id"),
        ({"auto_add": "10", "campaign_id": "99"}, "no campaign"),
        ({"auto_add": "-5", "campaign_id": "1"}, "positive"),
        ({"auto_add": "ten", "campaign_id": "1"}, "positive"),
        ({"auto_add": "1.5", "campaign_id": "2"}, "whole number"),
        ({"auto_add": "9.999", "campaign_id": "3"}, "2 decimals"),
    ],
)
def test_m9_bad_credits_are_refused(
    store: Store, request_fields: dict[str, str], message: str
) -> None:
    """M9: a credit needs an existing campaign and an amount that fits it."""
    refused(store, {"first_name": "Ann", **request_fields}, message)


def test_m9_a_credit_is_queued_exactly_once(store: Store) -> None:
    """M9: the credit and its single outbox entry are written together (S1)."""
    result = store.apply_edit({"first_name": "Ann", "auto_add": "5", "campaign_id": "1"})
    queued = store.outbox.entries()
    assert [entry.entry_id for entry in queued] == [result.entry_id]
    assert queued[0].request["auto_add"] == "5"


def test_m10_a_new_customer_notifies_the_owner_unless_send_no_email(store: Store) -> None:
    """M10: new customers are notified; send_no_email (any value) suppresses it; updates never."""
    first = store.apply_edit({"first_name": "Ann"}).plan.code
    store.apply_edit({"first_name": "Bo", "send_no_email": "true"})
    store.apply_edit({"code": first, "last_name": "Lee"})
    assert [n["code"] for n in store.notifications()] == [first]


def test_m11_pin_and_password_are_stored_only_as_slow_hashes(store: Store) -> None:
    """M11/S9: customer_PIN and customer_password are accepted and kept hashed, never plain."""
    code = store.apply_edit(
        {
            "first_name": "Ann",
            "customer_PIN": "4321",
            "customer_password": "ilovecheese",
            "customer_username": "jdoe1970",
        }
    ).plan.code
    row = store.db.conn.execute(
        "SELECT pin_hash, password_hash, customer_username FROM customers WHERE code = ?", (code,)
    ).fetchone()
    assert row[0].startswith("scrypt$") and "4321" not in row[0]
    assert row[1].startswith("scrypt$") and "ilovecheese" not in row[1]
    assert row[2] == "jdoe1970"
    assert store.verify_pin(code, "4321") and not store.verify_pin(code, "1234")
    assert store.verify_password(code, "ilovecheese")


def test_m11_a_pin_must_be_4_to_8_digits(store: Store) -> None:
    """M11 (our choice for a terminal PIN): 4 to 8 digits."""
    for bad in ("123", "123456789", "12a4"):
        refused(store, {"first_name": "Ann", "customer_PIN": bad}, "PIN")


def test_r5_codes_keep_leading_zeros_and_refuse_non_digits(store: Store) -> None:
    """R5: codes are strings of digits; leading zeros survive a round trip."""
    result = store.apply_edit({"code": "000123", "first_name": "Zero"})
    assert result.plan.code == "000123"
    assert store.customer("000123") is not None and store.customer("123") is None
    refused(store, {"code": "12AB", "first_name": "X"}, "digits only")
    refused(store, {"card_number": "12-34", "first_name": "X"}, "digits only")


def test_unknown_fields_are_reported_not_dropped(store: Store) -> None:
    """Bad input: an unknown field is named in the error and nothing is applied."""
    refused(store, {"first_name": "Ann", "favourite_colour": "red"}, "favourite_colour")


def test_over_long_values_are_refused(store: Store) -> None:
    """Bad input: a 1,000-character name is refused, not cut."""
    refused(store, {"first_name": "A" * 1000}, "too long")


def test_sql_metacharacters_and_non_ascii_are_stored_exactly(store: Store) -> None:
    """Bad input: quotes, semicolons and non-ASCII names round-trip unchanged."""
    name = "Robert'); DROP TABLE customers;-- Zoë Ōsaka 李"
    code = store.apply_edit({"first_name": name, "city": "Ålesund"}).plan.code
    assert store.customer(code)["first_name"] == name
    assert store.count_customers() == 1


def test_the_outbox_keeps_the_request_as_asked_without_credentials(store: Store) -> None:
    """S1/S4: the queued entry holds the original fields, not the local resolution."""
    result = store.apply_edit({"card_number": "31337", "first_name": "Ann"})
    (entry,) = store.outbox.entries()
    assert entry.request == {"card_number": "31337", "first_name": "Ann"}
    assert entry.customer_code == result.plan.code and entry.local_status == "new"
    assert "code" not in json.loads(
        store.db.conn.execute("SELECT request FROM outbox").fetchone()[0]
    )


def test_both_card_number_and_generate_is_refused(store: Store) -> None:
    """Our choice (documented): asking for a given and a generated card at once is an error."""
    refused(store, {"card_number": "1234", "card_number_generate": "8"}, "not both")


def test_amount_text_is_exact(store: Store) -> None:
    """M9: amounts are decimal, never binary floating point (0.1 + 0.2 is 0.3)."""
    code = store.apply_edit({"first_name": "A", "auto_add": "0.1", "campaign_id": "3"}).plan.code
    store.apply_edit({"code": code, "auto_add": "0.2", "campaign_id": "3"})
    assert Decimal(store.balances(code)[0]["balance"]) == Decimal("0.3")


def test_a1_only_record_customer_requires_customer_action() -> None:
    """A1: the action belongs to record_customer; other calls are named by type alone."""
    search = {**ACCOUNT, "type": "customer_search"}
    check_credentials(search, ACCOUNT)
    with pytest.raises(EditError, match="customer_action"):
        check_credentials({**ACCOUNT, "type": "record_customer"}, ACCOUNT)
