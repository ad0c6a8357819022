"""The pure side of tagged credits (issue 12): the tag, the translation of a queued credit into
``record_activity`` calls by campaign type, and what a history says about our tags."""

from __future__ import annotations

from decimal import Decimal

from kiosk.central.records import BalanceHistory, Transaction
from kiosk.domain.edit_rules import Credit
from kiosk.reference.activity import MAX_AUTHORIZATION
from kiosk.sync.credits import entry_tag, plan_activities, read_history, tag_prefix

PREFIX = tag_prefix("Café du Nord", "counter-pi")
TAG = entry_tag(PREFIX, "0123456789abcdef0123456789abcdef")


def test_the_tag_names_store_kiosk_and_entry_and_fits_the_field() -> None:
    assert TAG == "kiosk:cafe-du-nord:counter-pi:0123456789abcdef"
    longest = entry_tag(tag_prefix("x" * 500, "y" * 500), "f" * 32)
    assert len(longest) + len(".1000") < MAX_AUTHORIZATION


def test_each_campaign_type_becomes_the_real_call() -> None:
    pure = {"code": "9", "campaign_id": "3", "auto_add": "3"}
    visits = plan_activities(pure, "visits", Credit("3", Decimal(3)), TAG)
    assert visits is not None and [a.tag for a in visits] == [f"{TAG}.1", f"{TAG}.2", f"{TAG}.3"]
    assert all(a.fields == {} for a in visits)
    one = plan_activities(pure, "events", Credit("3", Decimal(1)), TAG)
    assert one is not None and [a.tag for a in one] == [TAG]
    buyx = plan_activities(pure, "buyx", Credit("2", Decimal(1), "Latte"), TAG)
    assert buyx is not None
    assert buyx[0].fields == {"service_product": "Latte", "buyx_quantity": "1"}
    money = plan_activities(pure, "giftcard", Credit("4", Decimal("12.50")), TAG)
    assert money is not None and money[0].fields == {"amount": "12.5"}


def test_points_are_money_spent_by_the_ratio_when_that_is_exact() -> None:
    """Issue 12 item 1 (left open): N points go as amount = N / points_ratio when exact."""
    pure = {"code": "9", "campaign_id": "1", "auto_add": "25"}
    halves = plan_activities(pure, "points", Credit("1", Decimal(25)), TAG, Decimal(2))
    assert halves is not None and halves[0].fields == {"amount": "12.5"}
    assert halves[0].tag == TAG
    one_to_one = plan_activities(pure, "points", Credit("1", Decimal(25)), TAG, Decimal(1))
    assert one_to_one is not None and one_to_one[0].fields == {"amount": "25"}
    # No cent amount earns exactly 25 at a ratio of 3 (8.33 -> 24.99): sent as today.
    assert plan_activities(pure, "points", Credit("1", Decimal(25)), TAG, Decimal(3)) is None


def test_points_and_requests_with_more_than_a_credit_are_sent_as_today() -> None:
    pure = {"code": "9", "campaign_id": "1", "auto_add": "5"}
    assert plan_activities(pure, "points", Credit("1", Decimal(5)), TAG) is None  # ratio unknown
    registration = {**pure, "card_number": "6001", "first_name": "Ann"}
    assert plan_activities(registration, "visits", Credit("1", Decimal(5)), TAG) is None
    assert plan_activities(pure, None, Credit("1", Decimal(5)), TAG) is None


def history(*transactions: tuple[str, str]) -> BalanceHistory:
    found = tuple(
        Transaction(tid, "2026-12-02", Decimal(1), False, tag) for tid, tag in transactions
    )
    return BalanceHistory("3", "events", "Visits", "9", Decimal(len(found)), found)


def test_a_history_decides_found_absent_duplicated_and_too_short() -> None:
    other = entry_tag(PREFIX, "ffff")
    seen = history(("12", TAG), ("11", "web:order-7"), ("9", other), ("10", other))
    finding = read_history(seen, [TAG, f"{TAG}.2"], PREFIX, asked=50)
    assert finding.found == {TAG: "12"}
    assert finding.duplicates == [(other, "10")]  # the first copy (lowest id) is kept
    assert finding.complete
    full = read_history(seen, [f"{TAG}.2"], PREFIX, asked=4)
    assert full.found == {} and not full.complete  # absent, but older ones may be unread
    theirs = history(("1", "kiosk:other:till:aa"), ("2", "kiosk:other:till:aa"))
    foreign = read_history(theirs, [], PREFIX, asked=50)
    assert foreign.duplicates == []  # another kiosk's tags are its own business
