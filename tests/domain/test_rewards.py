"""Unit tests of the pure rewards logic (issue 13 items 2-4; issue 12 item 1 for the ratio)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kiosk.domain.rewards import (
    OfflinePolicy,
    RewardLevel,
    expected_points,
    format_amount_in_unit,
    points_to_amount,
    progress,
    redemption_problem,
)

COFFEE = RewardLevel("1", "Free coffee", D(100))
CAKE = RewardLevel("2", "Cake", D(250))
MYSTERY = RewardLevel("3", "Mystery", None)


def test_progress_lists_available_rewards_and_the_next_one() -> None:
    """Issue 13 item 2: rewards redeemable now and the progress to the next."""
    found = progress(D(135), [CAKE, MYSTERY, COFFEE])
    assert found.available == [COFFEE]
    assert found.next_reward == CAKE
    assert found.missing == D(115)


def test_progress_below_every_level_and_above_every_level() -> None:
    """Issue 13 item 2: nothing yet (40 points to a free coffee); everything reached."""
    low = progress(D(60), [COFFEE, CAKE])
    assert low.available == [] and low.next_reward == COFFEE and low.missing == D(40)
    high = progress(D(300), [COFFEE, CAKE])
    assert high.available == [COFFEE, CAKE] and high.next_reward is None and high.missing is None


def test_progress_level_exactly_reached_is_available() -> None:
    """Issue 13 item 2: a balance equal to a level can redeem it."""
    assert progress(D(100), [COFFEE]).available == [COFFEE]


def test_unknown_levels_are_neither_available_nor_next() -> None:
    """api-notes: a level the answer did not give is unknown, never 0."""
    found = progress(D(0), [MYSTERY])
    assert found.available == [] and found.next_reward is None


@pytest.mark.parametrize(
    ("kind", "amount", "currency", "item", "expected"),
    [
        ("points", D(135), None, "", "135 points"),
        ("points", D(1), None, "", "1 point"),
        ("giftcard", D("12.5"), "EUR", "", "12.50 EUR"),
        ("earned", D("12.5"), None, "", "$12.50"),
        ("giftcard", D(3), "usd", "", "$3.00"),
        ("buyx", D(3), None, "Coffee", "3 x Coffee"),
        ("events", D(4), None, "", "4 events"),
        ("visits", D(4), None, "", "4 visits"),
        ("visits", D(1), None, "", "1 visit"),
    ],
)
def test_amounts_in_their_unit(
    kind: str, amount: D, currency: str | None, item: str, expected: str
) -> None:
    """Issue 13 item 2: each campaign's balance in its own unit."""
    assert format_amount_in_unit(kind, amount, currency, item=item) == expected


def test_redemption_never_below_zero() -> None:
    """Issue 13 item 4: never below zero locally; the shortfall is said."""
    problem = redemption_problem(
        spendable=D(40), cost=D(100), policy=OfflinePolicy(), spent_today=D(0), online=True
    )
    assert problem is not None and "60 short" in problem
    assert (
        redemption_problem(
            spendable=D(100), cost=D(100), policy=OfflinePolicy(), spent_today=D(0), online=True
        )
        is None
    )


def test_offline_policy_limits_apply_only_offline() -> None:
    """Issue 13 item 4: off, a maximum per redemption, a maximum per day."""
    off = OfflinePolicy(allowed=False)
    each = OfflinePolicy(max_each=D(50))
    daily = OfflinePolicy(max_per_day=D(150))
    args = {"spendable": D(500), "cost": D(100), "spent_today": D(60)}
    assert redemption_problem(policy=off, online=True, **args) is None
    assert "cannot be reached" in (redemption_problem(policy=off, online=False, **args) or "")
    assert "at most 50" in (redemption_problem(policy=each, online=False, **args) or "")
    daily_problem = redemption_problem(policy=daily, online=False, **args) or ""
    assert "90 is left today" in daily_problem
    assert redemption_problem(policy=daily, online=True, **args) is None
    assert (
        redemption_problem(policy=daily, online=False, spendable=D(500), cost=D(90),
                           spent_today=D(60))
        is None
    )


def test_zero_or_negative_cost_is_refused() -> None:
    """Issue 13 item 3: amounts are checked before the confirmation."""
    assert redemption_problem(
        spendable=D(10), cost=D(0), policy=OfflinePolicy(), spent_today=D(0), online=True
    )


def test_expected_points_by_ratio() -> None:
    """Issue 13 item 3: the expected points of a purchase; unknown ratio, unknown points."""
    assert expected_points(D("12.50"), D(2)) == D(25)
    assert expected_points(D("12.50"), None) is None


@pytest.mark.parametrize(
    ("points", "ratio", "amount"),
    [
        (D(10), D(1), D(10)),
        (D(25), D(2), D("12.50")),
        (D(5), D(10), D("0.50")),
        (D(10), D(3), None),  # 3.33 x 3 = 9.99: no cent amount earns exactly 10
        (D(1), D(1000), None),  # 0.001 is below a cent
        (D(10), None, None),  # ratio unknown
        (D(10), D(0), None),
    ],
)
def test_points_to_amount_only_when_exact(points: D, ratio: D | None, amount: D | None) -> None:
    """Issue 12 item 1: N points are sent as N / points_ratio only when that is exact."""
    assert points_to_amount(points, ratio) == amount
    if amount is not None:
        assert expected_points(amount, ratio) == points
