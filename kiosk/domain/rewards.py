"""Rewards at the counter (issue 13): pure decisions, no I/O.

Provides :class:`RewardLevel` (a reward and what it takes), :func:`progress` (what a balance can
redeem now and how far the next reward is), :func:`format_amount_in_unit` (a balance in its
campaign's own unit), :class:`OfflinePolicy` and :func:`redemption_problem` (whether a redemption
may be made now, as one plain sentence for staff), and :func:`points_to_amount` /
:func:`expected_points` (the campaign's ``points_ratio``, as the central API applies it).

The seam with the screens is ``notes/rewards-interface.md``; storage and sync build on this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from kiosk.domain.edit_rules import format_amount
from kiosk.domain.fields import COUNT_KINDS, MONEY_KINDS

MONEY_PLACES = Decimal("0.01")
"""Money is kept to the cent (the central API takes at most 2 decimals)."""
_SYMBOLS = {"USD": "$"}
"""Currencies written with a symbol before the amount; every other is written after it."""


@dataclass(frozen=True)
class RewardLevel:
    """A reward of a campaign and what it takes to redeem it."""

    reward_id: str
    description: str
    level: Decimal | None
    """Points (items, events) needed; None when the central API did not say (unknown)."""


@dataclass(frozen=True)
class Progress:
    """What a balance can redeem now, and the next reward it is saving toward."""

    available: list[RewardLevel] = field(default_factory=list)
    """Rewards whose level is known and at most the balance, cheapest first."""
    next_reward: RewardLevel | None = None
    """The cheapest reward whose level is above the balance."""
    missing: Decimal | None = None
    """``next_reward.level - balance``; None when there is no next reward."""


def progress(balance: Decimal, rewards: Sequence[RewardLevel]) -> Progress:
    """Rewards available at ``balance`` and the next one above it (unknown levels are neither)."""
    known = sorted(
        (r for r in rewards if r.level is not None),
        key=lambda r: (r.level, r.reward_id),
    )
    available = [r for r in known if r.level is not None and r.level <= balance]
    above = [r for r in known if r.level is not None and r.level > balance]
    if not above:
        return Progress(available, None, None)
    following = above[0]
    assert following.level is not None  # filtered above
    return Progress(available, following, following.level - balance)


def format_money(amount: Decimal, currency: str | None) -> str:
    """``$12.50`` for USD or an unknown currency, ``12.50 EUR`` otherwise (cents always shown;
    an amount finer than a cent keeps its digits)."""
    text = format(amount.quantize(MONEY_PLACES), "f") if amount == amount.quantize(
        MONEY_PLACES
    ) else format(amount.normalize(), "f")
    code = (currency or "").strip().upper() or "USD"
    symbol = _SYMBOLS.get(code)
    if symbol is None:
        return f"{text} {code}"
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


def format_amount_in_unit(
    kind: str, amount: Decimal, currency: str | None, *, item: str = ""
) -> str:
    """A balance in its campaign's unit: ``135 points``, ``12.50 EUR`` / ``$12.50``, ``3 x
    Coffee`` (buy-X; ``item`` names the product), ``4 events``, ``4 visits``."""
    if kind in MONEY_KINDS:
        return format_money(amount, currency)
    number = format_amount(amount)
    if kind == "buyx":
        return f"{number} x {item}" if item else f"{number} items"
    if kind in COUNT_KINDS:
        unit = kind[:-1] if amount == 1 else kind
        return f"{number} {unit}"
    unit = "point" if amount == 1 else "points"
    return f"{number} {unit}"


@dataclass(frozen=True)
class OfflinePolicy:
    """What the shop allows while the central API cannot be reached (``[rewards]`` config)."""

    allowed: bool = True
    """False: redemptions need the central API online."""
    max_each: Decimal | None = None
    """The most one redemption may take offline (campaign unit); None: no limit."""
    max_per_day: Decimal | None = None
    """The most all redemptions of a day may take offline on this kiosk; None: no limit."""


def redemption_problem(
    *,
    spendable: Decimal,
    cost: Decimal,
    policy: OfflinePolicy,
    spent_today: Decimal,
    online: bool,
) -> str | None:
    """Why this redemption may not be made now, as one sentence for staff; None when it may.

    ``spendable`` is the local balance (which already holds everything queued); a redemption
    never takes it below zero. ``spent_today`` is what this kiosk has already redeemed today
    in the campaign; the offline limits apply only when ``online`` is False.
    """
    if cost <= 0:
        return "The amount to redeem must be more than zero."
    if cost > spendable:
        return (
            f"Not enough to redeem: it needs {format_amount(cost)}, the balance is "
            f"{format_amount(max(spendable, Decimal(0)))} "
            f"({format_amount(cost - max(spendable, Decimal(0)))} short)."
        )
    if online:
        return None
    if not policy.allowed:
        return "Redemptions need the central system, which cannot be reached now; try again later."
    if policy.max_each is not None and cost > policy.max_each:
        return (
            f"While the central system cannot be reached, one redemption may take at most "
            f"{format_amount(policy.max_each)}; this one takes {format_amount(cost)}."
        )
    if policy.max_per_day is not None and spent_today + cost > policy.max_per_day:
        left = max(policy.max_per_day - spent_today, Decimal(0))
        return (
            f"While the central system cannot be reached, at most "
            f"{format_amount(policy.max_per_day)} may be redeemed a day here; "
            f"{format_amount(left)} is left today and this one takes {format_amount(cost)}."
        )
    return None


def expected_points(amount: Decimal, points_ratio: Decimal | None) -> Decimal | None:
    """Points a purchase of ``amount`` earns at ``points_ratio``; None when the ratio is unknown.

    The central API turns ``amount`` into points by the ratio; how it rounds a fraction is in
    no public client we found (api-notes.md names them; none computes points itself), so this
    is the exact product, shown as what to expect, and the receipt's balance is what the kiosk
    keeps (:func:`points_to_amount` sends only amounts no rounding can change)."""
    if points_ratio is None or points_ratio <= 0:
        return None
    return amount * points_ratio


def points_to_amount(points: Decimal, points_ratio: Decimal | None) -> Decimal | None:
    """The money amount (whole cents) whose ``record_activity`` earns exactly ``points`` with no
    rounding at all, or None when there is none (an unknown ratio, or one that no cent amount
    maps onto exactly): such a credit is sent another way. Exact means the central API's
    rounding, whatever it is, cannot change the points (see :func:`expected_points`)."""
    if points_ratio is None or points_ratio <= 0 or points <= 0:
        return None
    amount = points / points_ratio
    cents = amount.quantize(MONEY_PLACES)
    if cents <= 0 or cents * points_ratio != points:
        return None
    return cents
