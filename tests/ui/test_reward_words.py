"""Rewards in words (kiosk/ui/reward_words.py): each campaign type in its unit, the progress
to the next reward, the exact effect of a redemption, a spend and a purchase, amounts checked
as typed. Pure functions: no app."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.domain.edit_rules import parse_amount
from kiosk.domain.fields import Campaign
from kiosk.domain.rewards import RewardLevel
from kiosk.storage.records import BalanceRow
from kiosk.ui.reward_words import (
    amount_problem,
    balance_line,
    expected_line,
    history_line,
    progress_lines,
    purchase_question,
    redeem_question,
    spend_question,
)

COFFEE = Campaign("1", "Coffee club", "points", "USD", Decimal(2))
GIFT = Campaign("4", "Gift card", "giftcard", "EUR")
REWARDS = [
    RewardLevel("1", "Free coffee", Decimal(100)),
    RewardLevel("2", "Free muffin", Decimal(160)),
    RewardLevel("9", "Mystery", None),
]


def row(kind: str, balance: str, item: str = "", name: str = "C") -> BalanceRow:
    return BalanceRow(
        campaign_id="1", campaign_name=name, campaign_type=kind, item=item, balance=balance
    )


@pytest.mark.parametrize(
    ("kind", "balance", "item", "currency", "shown"),
    [
        ("points", "135", "", None, "C: 135 points"),
        ("giftcard", "12.5", "", "EUR", "C: 12.50 EUR"),
        ("earned", "3", "", None, "C: $3.00"),
        ("buyx", "3", "Coffee", None, "C: 3 x Coffee"),
        ("events", "4", "", None, "C: 4 events"),
        ("visits", "3", "", None, "C: 3 visits"),  # the older kinds keep working
        ("dollars", "9.95", "", None, "C: $9.95"),
    ],
)
def test_each_campaign_type_in_its_own_unit(kind, balance, item, currency, shown) -> None:
    assert balance_line(row(kind, balance, item), currency) == shown


def test_progress_says_what_is_ready_and_how_far_the_next_is() -> None:
    lines = progress_lines("points", Decimal(120), REWARDS)
    assert lines == ["Ready to redeem: Free coffee", "40 points to Free muffin"]
    assert progress_lines("points", Decimal(15), REWARDS) == ["85 points to Free coffee"]
    assert progress_lines("points", Decimal(500), REWARDS) == [
        "Ready to redeem: Free coffee, Free muffin"
    ]


def test_buy_x_counts_toward_the_rewards_of_its_product_only() -> None:
    rewards = [RewardLevel("4", "Bagel", Decimal(5)), RewardLevel("5", "Coffee", Decimal(2))]
    assert progress_lines("buyx", Decimal(1), rewards, item="Bagel") == [
        "4 x Bagel to a free Bagel"
    ]


def test_money_campaigns_have_no_reward_levels() -> None:
    assert progress_lines("giftcard", Decimal(20), REWARDS, "USD") == []


def test_a_redemption_states_its_exact_effect() -> None:
    text = redeem_question("Jane", "Free coffee", Decimal(100), Decimal(135), Decimal(35), COFFEE)
    assert text.startswith("Redeem 'Free coffee' for 100 points: Jane goes from 135 to 35.")
    custom = redeem_question("Jane", None, Decimal(50), Decimal(135), Decimal(85), COFFEE)
    assert custom.startswith("Redeem 50 points: Jane goes from 135 to 85.")


def test_a_spend_states_money_with_its_currency() -> None:
    text = spend_question("Jane", Decimal(5), Decimal(20), Decimal(15), GIFT)
    assert text == "Spend 5.00 EUR from Gift card: Jane goes from 20.00 EUR to 15.00 EUR."


def test_a_purchase_shows_the_points_expected_by_the_ratio() -> None:
    amount = Decimal("12.50")
    assert expected_line(COFFEE, amount) == "Expected: 25 points (2 points per 1.00)."
    text = purchase_question("Jane", amount, Decimal(120), Decimal(25), COFFEE)
    assert text == (
        "Record a purchase of $12.50 in Coffee club: expect 25 points: Jane goes from 120 to 145."
    )
    unknown = Campaign("1", "Coffee club", "points")
    assert "receipt" in purchase_question("Jane", amount, Decimal(120), None, unknown)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", None),
        ("12.5", None),
        ("9,95", None),
        ("abc", "'abc' is not a number."),
        ("-5", "Type the amount without a sign."),
        ("1.234", "At most 2 decimals."),
        ("0", "More than 0, please."),
        ("2000000", "At most 1,000,000 at once."),
    ],
)
def test_amounts_are_checked_as_typed(typed, problem) -> None:
    found = amount_problem(GIFT, typed)
    if problem is None:
        assert found is None
        assert not typed or parse_amount(typed) is not None
    else:
        assert found is not None and found.startswith(problem), found


def test_a_history_line_says_earned_or_redeemed_and_marks_what_is_not_sent() -> None:
    line = history_line("2025-03-14T09:30:00Z", Decimal(100), True, "Free coffee", True, COFFEE)
    assert line == "2025-03-14 09:30  Redeemed -100 points     Free coffee  (not sent yet)"
    earned = history_line("2025-03-13T18:02:00Z", Decimal(25), False, "Purchase", False, COFFEE)
    assert earned.startswith("2025-03-13 18:02  Earned   +25 points") and "not sent" not in earned
