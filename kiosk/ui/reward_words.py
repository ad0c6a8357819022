"""Rewards in words (issue 13): balances in their unit, progress, and the exact effect of a
redemption, a spend or a purchase, for the customer and the cashier.

Provides :func:`balance_text`, :func:`balance_line`, :func:`progress_lines`,
:func:`rewards_for`, :func:`amount_problem`, :func:`redeem_question`, :func:`spend_question`,
:func:`purchase_question`, :func:`expected_line` and :func:`history_line`. Pure: numbers come
from the store and the rules from :mod:`kiosk.domain.rewards`; this module only chooses words,
so every sentence a person reads about rewards is written here once and tested as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kiosk.domain.edit_rules import MAX_CREDIT, format_amount, parse_amount
from kiosk.domain.fields import MONEY_KINDS, Campaign
from kiosk.domain.rewards import (
    RewardLevel,
    expected_points,
    format_amount_in_unit,
    format_money,
    progress,
)
from kiosk.storage.records import BalanceRow

_LIMIT = f"{MAX_CREDIT:,.0f}"


def is_money(campaign: Campaign) -> bool:
    """A gift card, earned-value or (older) dollars campaign: its balance is money to spend."""
    return campaign.kind in MONEY_KINDS


def in_unit(campaign: Campaign, amount: Decimal, item: str = "") -> str:
    """``amount`` in the campaign's unit: ``135 points``, ``12.50 EUR``, ``3 x Bagel``."""
    return format_amount_in_unit(campaign.kind, amount, campaign.currency, item=item)


def balance_text(row: BalanceRow, currency: str | None = None) -> str:
    """One balance in its unit, without the campaign name: ``135 points``, ``$12.50``."""
    return format_amount_in_unit(
        row["campaign_type"], Decimal(row["balance"]), currency, item=row["item"]
    )


def balance_line(row: BalanceRow, currency: str | None = None) -> str:
    """One balance as a line of text: ``Coffee club: 135 points``."""
    return f"{row['campaign_name']}: {balance_text(row, currency)}"


def rewards_for(kind: str, rewards: Sequence[RewardLevel], item: str = "") -> list[RewardLevel]:
    """The rewards a balance can count toward. A buy-X reward is redeemed from the product its
    description names (the reference server's reading of the API, and the store's:
    ``Store.redeem``), so a buy-X balance counts only toward the rewards named as its product."""
    if kind != "buyx":
        return list(rewards)
    wanted = item.strip().lower()
    return [r for r in rewards if wanted and r.description.strip().lower() == wanted]


def progress_lines(
    kind: str,
    balance: Decimal,
    rewards: Sequence[RewardLevel],
    currency: str | None = None,
    item: str = "",
) -> list[str]:
    """What a balance can redeem now and how far the next reward is, as at most two lines:
    ``Ready to redeem: Free coffee`` and ``40 points to Free muffin``. Money campaigns have no
    reward levels (their value is spent), so they get no lines."""
    if kind in MONEY_KINDS:
        return []
    found = progress(balance, rewards_for(kind, rewards, item))
    lines = []
    if found.available:
        names = ", ".join(reward_name(kind, r, item) for r in found.available)
        lines.append(f"Ready to redeem: {names}")
    if found.next_reward is not None and found.missing is not None:
        gap = format_amount_in_unit(kind, found.missing, currency, item=item)
        lines.append(f"{gap} to {reward_name(kind, found.next_reward, item)}")
    return lines


def reward_name(kind: str, reward: RewardLevel, item: str = "") -> str:
    """How a reward is named to people: its description; a buy-X reward that only names its
    product ("Bagel") is "a free Bagel"."""
    if kind == "buyx" and reward.description.strip().lower() == item.strip().lower():
        return f"a free {item.strip()}"
    return reward.description


def amount_problem(campaign: Campaign, text: str) -> str | None:
    """What is wrong with ``text`` as an amount to redeem, spend or pay for ``campaign``, or None.
    Only the shape is checked here (a number above 0, at most 2 decimals, within the limit); the
    balance and the offline policy are the domain's (``redemption_problem``). Empty: None."""
    stripped = text.strip()
    if not stripped:
        return None
    unit = "Amount" if is_money(campaign) else "Points"
    rule = f"{unit}: above 0, up to {_LIMIT}, at most 2 decimals (e.g. 9.95)."
    whole, sep, fraction = stripped.replace(",", ".").partition(".")
    amount = parse_amount(stripped)
    if stripped.startswith("-"):
        return f"Type the amount without a sign. {rule}"
    if sep and whole.isdigit() and fraction.isdigit() and len(fraction) > 2:
        return f"At most 2 decimals. {rule}"
    if amount is None:
        return f"{stripped[:10]!r} is not a number. {rule}"
    if amount <= 0:
        return f"More than 0, please. {rule}"
    if amount > MAX_CREDIT:
        return f"At most {_LIMIT} at once. {rule}"
    return None


def redeem_question(
    name: str,
    description: str | None,
    cost: Decimal,
    before: Decimal,
    after: Decimal,
    campaign: Campaign,
    item: str = "",
) -> str:
    """The confirmation of a redemption, with its exact effect:
    ``Redeem 'Free coffee' for 100 points: Jane goes from 135 to 35``."""
    what = f"'{description}' for " if description else ""
    return (
        f"Redeem {what}{in_unit(campaign, cost, item)}: {name} goes from "
        f"{_bare(campaign, before)} to {_bare(campaign, after)}.\nFrom {campaign.name}."
    )


def spend_question(
    name: str, cost: Decimal, before: Decimal, after: Decimal, campaign: Campaign
) -> str:
    """The confirmation of spending money from a gift card or earned value:
    ``Spend $5.00 from Gift card: Jane goes from $20.00 to $15.00``."""
    return (
        f"Spend {in_unit(campaign, cost)} from {campaign.name}: {name} goes from "
        f"{in_unit(campaign, before)} to {in_unit(campaign, after)}."
    )


def expected_line(campaign: Campaign, amount: Decimal | None) -> str:
    """Under the purchase amount, as it is typed: the points it is expected to earn."""
    ratio = campaign.points_ratio
    if ratio is None:
        return "The central system turns the amount into points by the campaign's ratio."
    per = f"{format_amount(ratio)} {'point' if ratio == 1 else 'points'} per 1.00"
    if amount is None:
        return f"Earns {per} spent."
    points = expected_points(amount, ratio)
    assert points is not None, "a known, positive ratio"
    return f"Expected: {format_amount(points)} points ({per})."


def purchase_question(
    name: str, amount: Decimal, before: Decimal, expected: Decimal | None, campaign: Campaign
) -> str:
    """The confirmation of a purchase, with the points expected from the campaign's ratio (the
    receipt's balance is the one kept)."""
    paid = format_money(amount, campaign.currency)
    if expected is None:
        effect = f"{name} has {_bare(campaign, before)} now; the receipt will say how many."
    else:
        effect = (
            f"expect {in_unit(campaign, expected)}: {name} goes from {_bare(campaign, before)} "
            f"to {_bare(campaign, before + expected)}."
        )
    return f"Record a purchase of {paid} in {campaign.name}: {effect}"


def history_line(
    when: str, amount: Decimal, redeemed: bool, what: str, pending: bool, campaign: Campaign
) -> str:
    """One transaction: date, earned or redeemed (with the amount in the unit), what for, and
    whether it is still waiting to be sent."""
    day = when[:16].replace("T", " ")
    sign = "-" if redeemed else "+"
    shown = in_unit(campaign, abs(amount))
    mark = "  (not sent yet)" if pending else ""
    verb = "Redeemed" if redeemed else "Earned"
    return f"{day:<16}  {verb:<8} {sign}{shown:<14} {what[:28]}{mark}".rstrip()


def _bare(campaign: Campaign, amount: Decimal) -> str:
    """A balance in a sentence that already gave the unit: ``135``, or money with its sign."""
    if is_money(campaign):
        return format_money(amount, campaign.currency)
    return format_amount(amount)
