"""Redemptions and purchases in the outbox (issue 13): their requests and local effects.

A redemption is an outbox entry of action ``redeem`` whose request holds what to send
(``reward_to_redeem`` or ``custom_points_redeem``) and what it takes locally (``cost``, from the
balance of ``campaign_id`` and ``item``); a purchase is an entry of action ``purchase`` holding
the money ``amount`` and the points expected from it. Provides :data:`COUNTER_ACTIONS`,
:func:`redemption_present` (whether a redemption's deduction belongs in the local balance),
:func:`queued_effect` (what an undelivered entry adds to the local balance), :func:`describe` (an
entry in words for staff) and
:class:`RedemptionEffects`, which the outbox calls when a redemption's state changes so that the
local balance follows: a refused redemption gives its deduction back, a retried one takes it
again (never below zero), a discarded one gives it back.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal, InvalidOperation
from typing import Protocol

from kiosk.domain.fields import Campaign
from kiosk.domain.rewards import format_amount_in_unit, format_money
from kiosk.storage.balances import add_to_balance

COUNTER_ACTIONS = ("redeem", "purchase")
"""Outbox actions of the counter: sent as ``redeem`` and ``record_activity``."""
COST = "cost"
"""Request key of what a redemption takes from the local balance (never sent)."""
ITEM = "item"
"""Request key of the buy-X product a redemption takes from ("" otherwise; never sent)."""
WHAT = "what"
"""Request key of the words for staff: the reward's description, or "custom points" (never
sent)."""
EXPECTED = "expected_points"
"""Request key of the points a purchase is expected to earn (absent: ratio unknown)."""


class EntryEffects(Protocol):
    """What keeps the local balance true when a counter entry changes state."""

    def changed(
        self,
        conn: sqlite3.Connection,
        action: str,
        request: dict[str, str],
        before: tuple[str, bool],
        after: tuple[str, bool],
    ) -> None:
        """(state, in doubt) before and after one change, inside its transaction."""


class BalanceTooLow(LookupError):
    """A refused redemption cannot be retried: the local balance no longer covers it."""


def decimal(text: str | None) -> Decimal | None:
    """A stored amount, or None when absent or unreadable."""
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def redemption_present(state: str, in_doubt: bool) -> bool:
    """Whether a redemption's deduction belongs in the local balance: while it waits to be
    sent, or may have been applied (in doubt); not once refused (waiting for staff, not in
    doubt) or discarded unsent."""
    return state in ("pending", "delivered") or in_doubt


def queued_effect(
    action: str, request: dict[str, str], state: str, in_doubt: bool
) -> tuple[str, str, Decimal] | None:
    """(campaign id, item, amount) an undelivered counter entry adds to the central balance to
    make the local one, or None. A purchase in doubt may already be in the central balance, so
    it is left out (as credits are); a redemption in doubt is counted (the lower balance is the
    safe one to spend from)."""
    campaign_id = request.get("campaign_id", "")
    if action == "redeem":
        cost = decimal(request.get(COST))
        if cost is None or not redemption_present(state, in_doubt):
            return None
        return campaign_id, request.get(ITEM, ""), -cost
    if action == "purchase" and not in_doubt:
        expected = decimal(request.get(EXPECTED))
        return None if expected is None else (campaign_id, "", expected)
    return None


def describe(action: str, request: dict[str, str], campaign: Campaign | None) -> str | None:
    """A counter entry in words for staff screens and lists (``Redeem 'Free coffee' (100
    points) from Coffee club``); None for an entry of another action."""
    kind = campaign.kind if campaign is not None else "points"
    currency = campaign.currency if campaign is not None else None
    where = campaign.name if campaign is not None else f"campaign {request.get('campaign_id')}"
    if action == "redeem":
        cost = decimal(request.get(COST)) or Decimal(0)
        unit = format_amount_in_unit(kind, cost, currency, item=request.get(ITEM, ""))
        return f"Redeem '{request.get(WHAT, 'reward')}' ({unit}) from {where}"
    if action == "purchase":
        spent = decimal(request.get("amount")) or Decimal(0)
        expected = decimal(request.get(EXPECTED))
        words = f"Purchase of {format_money(spent, currency)} in {where}"
        if expected is not None:
            words += f" ({format_amount_in_unit(kind, expected, currency)} expected)"
        return words
    return None


class RedemptionEffects:
    """The outbox's :class:`EntryEffects` for redemptions; see the module docstring."""

    def changed(
        self,
        conn: sqlite3.Connection,
        action: str,
        request: dict[str, str],
        before: tuple[str, bool],
        after: tuple[str, bool],
    ) -> None:
        if action != "redeem":
            return
        cost = decimal(request.get(COST))
        was, now = redemption_present(*before), redemption_present(*after)
        if cost is None or was == now:
            return
        code, campaign_id, item = request.get("code", ""), request.get("campaign_id", ""), (
            request.get(ITEM, "")
        )
        if now:
            row = conn.execute(
                "SELECT amount FROM balances WHERE code = ? AND campaign_id = ? AND item = ?",
                (code, campaign_id, item),
            ).fetchone()
            balance = Decimal(row[0]) if row else Decimal(0)
            if balance < cost:
                raise BalanceTooLow(
                    f"This redemption takes {cost} but the balance here is {balance}; it "
                    "cannot be sent again (discard it, or make a new one once the balance "
                    "allows)"
                )
        add_to_balance(conn, code, campaign_id, item, cost if was else -cost)
