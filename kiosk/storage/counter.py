"""Rewards at the counter (issue 13): redemptions and purchases, checked, applied and queued.

Provides :class:`CounterDesk`, a part of :class:`kiosk.storage.customer_store.Store`:
:meth:`~CounterDesk.preview_redemption` / :meth:`~CounterDesk.redeem` (a reward by id, custom
points, or money from a gift card or earned campaign) and :meth:`~CounterDesk.preview_purchase`
/ :meth:`~CounterDesk.record_purchase` (money spent, turned into points by the campaign's
ratio), with the reads a counter screen needs (:meth:`~CounterDesk.campaign_rewards`,
:meth:`~CounterDesk.spendable`, :meth:`~CounterDesk.spent_today`).

Every check is made before anything changes, and again inside the write transaction, so what
staff confirmed is exactly what is queued: a problem is raised as :class:`RewardRefused` (an
:class:`~kiosk.domain.edit_rules.EditError`) whose ``message`` is one plain sentence; nothing
changed. A redemption takes its cost from the local balance at once (never below zero; the
offline policy applies when the central API was last seen unreachable) and queues an outbox
entry of action ``redeem`` in the same transaction (S1); a purchase adds the expected points at
once and queues an entry of action ``purchase``. The sync worker sends them tagged
(:mod:`kiosk.sync.counter`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from kiosk.domain.edit_rules import MAX_CREDIT, EditError, format_amount
from kiosk.domain.fields import COUNT_KINDS, MONEY_KINDS, Campaign
from kiosk.domain.rewards import (
    OfflinePolicy,
    RewardLevel,
    expected_points,
    format_amount_in_unit,
    format_money,
    redemption_problem,
)
from kiosk.domain.secrets import mask_card
from kiosk.storage.audit import record_audit
from kiosk.storage.balances import add_to_balance
from kiosk.storage.campaigns import CAMPAIGN_COLUMNS, campaign_of
from kiosk.storage.counter_entries import COST, EXPECTED, ITEM, WHAT
from kiosk.storage.database import Database, utc_now, write_transaction
from kiosk.storage.outbox import Outbox
from kiosk.storage.rewards import rewards
from kiosk.storage.sync_state import LAST_CONTACT_KEY, LAST_FAILURE_KEY


class RewardRefused(EditError):
    """A redemption or purchase that may not be made; ``message`` says why, for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Redemption:
    """A redemption as previewed or queued."""

    cost: Decimal
    """What it takes from the balance, in the campaign's unit."""
    before: Decimal
    after: Decimal
    description: str
    """The reward's description, ``custom points``, or the money spent."""
    confirmation: str
    """The exact effect, for staff to confirm: ``Redeem 'Free coffee' for 100 points: Jane goes
    from 135 to 35``."""
    campaign_id: str
    item: str = ""
    entry_id: str | None = None
    """The queued outbox entry (None for a preview)."""


@dataclass(frozen=True)
class Purchase:
    """A purchase as previewed or queued."""

    amount: Decimal
    expected_points: Decimal | None
    """By the campaign's ratio; None when the kiosk does not know the ratio."""
    before: Decimal
    after: Decimal
    confirmation: str
    campaign_id: str
    entry_id: str | None = None


@dataclass(frozen=True)
class _Plan:
    """A checked redemption: what it takes, from where, and what to send."""

    redemption: Redemption
    send: dict[str, str]


def _amount(value: Decimal | None, what: str) -> Decimal:
    """A positive amount with at most 2 decimals, up to the edit rules' largest credit."""
    if value is None or not value.is_finite():
        raise RewardRefused(f"Give the {what} to redeem.")
    if value <= 0 or value > MAX_CREDIT or value != value.quantize(Decimal("0.01")):
        raise RewardRefused(
            f"The {what} must be a positive number up to {MAX_CREDIT} with at most 2 decimals."
        )
    return value


class CounterDesk:
    """The store's counter operations; see the module docstring."""

    db: Database
    outbox: Outbox
    offline_policy: OfflinePolicy
    """The shop's ``[rewards]`` settings (the app sets them; all allowed by default)."""

    def _insert_entry(
        self, code: str, action: str, local_status: str, request: Mapping[str, str], now: str
    ) -> str:
        raise NotImplementedError  # the store's: it writes the outbox entry

    def campaign(self, campaign_id: str) -> Campaign | None:
        """One campaign with its currency and points ratio, or None."""
        row = self.db.conn.execute(
            f"SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE campaign_id = ?", (campaign_id,)
        ).fetchone()
        return campaign_of(row) if row else None

    # Reading

    def campaign_rewards(self, campaign_id: str) -> list[RewardLevel]:
        """One campaign's rewards, cheapest first (unknown levels last)."""
        return [
            RewardLevel(
                str(r["reward_id"]),
                str(r["description"]),
                None if r["level"] is None else Decimal(r["level"]),
            )
            for r in rewards(self.db, campaign_id)
        ]

    def balance(self, code: str, campaign_id: str, item: str = "") -> Decimal:
        """One local balance as stored (0 when there is none)."""
        row = self.db.conn.execute(
            "SELECT amount FROM balances WHERE code = ? AND campaign_id = ? AND item = ?",
            (code, campaign_id, item),
        ).fetchone()
        return Decimal(row[0]) if row else Decimal(0)

    def spendable(self, code: str, campaign_id: str, item: str = "") -> Decimal:
        """What may be redeemed now: the local balance, which already holds every queued credit
        and redemption; never below zero."""
        return max(self.balance(code, campaign_id, item), Decimal(0))

    def spent_today(self, campaign_id: str) -> Decimal:
        """What this kiosk redeemed today (local calendar day) in one campaign: every
        redemption queued, delivered or in doubt; one refused or discarded unsent took
        nothing."""
        midnight = dt.datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        since = midnight.astimezone(dt.UTC).isoformat(timespec="microseconds")
        total = Decimal(0)
        for entry in self.outbox.created_since(since, action="redeem"):
            took = entry.state in ("pending", "delivered") or entry.in_doubt
            if took and entry.request.get("campaign_id") == campaign_id:
                total += Decimal(entry.request.get(COST, "0"))
        return total

    def is_online(self) -> bool:
        """Whether the central API answered the last attempt to reach it (the sync state)."""
        state = dict(
            self.db.conn.execute(
                "SELECT key, value FROM state WHERE key IN (?, ?)",
                (LAST_CONTACT_KEY, LAST_FAILURE_KEY),
            ).fetchall()
        )
        return LAST_CONTACT_KEY in state and not state.get(LAST_FAILURE_KEY)

    # Redemptions

    def preview_redemption(
        self,
        code: str,
        campaign_id: str,
        *,
        reward_id: str | None = None,
        points: Decimal | None = None,
        amount: Decimal | None = None,
        online: bool | None = None,
    ) -> Redemption:
        """What :meth:`redeem` would do, for the confirmation; nothing changes.

        Raises:
            RewardRefused: it may not be made (the message says why).
        """
        plan = self._plan_redemption(code, campaign_id, reward_id, points, amount, online)
        return plan.redemption

    def redeem(
        self,
        code: str,
        campaign_id: str,
        *,
        reward_id: str | None = None,
        points: Decimal | None = None,
        amount: Decimal | None = None,
        actor: str,
        online: bool | None = None,
    ) -> Redemption:
        """Take the redemption from the local balance and queue it, in one transaction (S1),
        audited as ``actor``'s. ``online`` (default: the sync state) selects the offline policy.

        Raises:
            RewardRefused: it may not be made; nothing changed.
            StoreError: the database failed; nothing changed.
        """
        with write_transaction(self.db):
            plan = self._plan_redemption(code, campaign_id, reward_id, points, amount, online)
            done = plan.redemption
            add_to_balance(self.db.conn, code, campaign_id, done.item, -done.cost)
            request = {
                "code": code,
                "campaign_id": campaign_id,
                **plan.send,
                COST: format_amount(done.cost),
                ITEM: done.item,
                WHAT: done.description,
            }
            entry_id = self._insert_entry(code, "redeem", "update", request, utc_now())
            record_audit(
                self.db,
                actor,
                "counter.redeem",
                f"customer {mask_card(code)}: {done.description} for {format_amount(done.cost)} "
                f"in campaign {campaign_id} (entry {entry_id[:8]})",
            )
        self.outbox.notify_queued()
        return replace(done, entry_id=entry_id)

    def _plan_redemption(
        self,
        code: str,
        campaign_id: str,
        reward_id: str | None,
        points: Decimal | None,
        amount: Decimal | None,
        online: bool | None,
    ) -> _Plan:
        campaign, name = self._counter_context(code, campaign_id)
        if sum(given is not None for given in (reward_id, points, amount)) != 1:
            raise RewardRefused("Choose one thing to redeem: a reward, points, or an amount.")
        item = ""
        if reward_id is not None:
            if campaign.kind in MONEY_KINDS:
                raise RewardRefused(f"{campaign.name} holds money: give the amount to spend.")
            found = [r for r in self.campaign_rewards(campaign_id) if r.reward_id == reward_id]
            if not found:
                raise RewardRefused(f"{campaign.name} has no such reward; pull to refresh.")
            reward = found[0]
            if reward.level is None:
                raise RewardRefused(
                    f"The central system did not say what '{reward.description}' costs; "
                    "pull again or redeem it there."
                )
            cost, what = reward.level, reward.description
            item = reward.description if campaign.kind == "buyx" else ""
            send = {"reward_to_redeem": reward_id}
            action = f"Redeem '{what}' for {self._unit(campaign, cost, item)}"
        elif points is not None:
            if campaign.kind != "points":
                raise RewardRefused(f"{campaign.name} does not hold points.")
            cost, what = _amount(points, "points"), "custom points"
            send = {"custom_points_redeem": format_amount(cost)}
            action = f"Redeem {self._unit(campaign, cost, '')}"
        else:
            if campaign.kind not in MONEY_KINDS:
                raise RewardRefused(f"{campaign.name} does not hold money.")
            cost = _amount(amount, "amount")
            what = f"{format_money(cost, campaign.currency)} spent"
            send = {"reward_to_redeem": format_amount(cost)}
            action = f"Spend {format_money(cost, campaign.currency)} of {campaign.name}"
        before = self.spendable(code, campaign_id, item)
        problem = redemption_problem(
            spendable=before,
            cost=cost,
            policy=self.offline_policy,
            spent_today=self.spent_today(campaign_id),
            online=self.is_online() if online is None else online,
        )
        if problem is not None:
            raise RewardRefused(problem)
        after = before - cost
        confirmation = (
            f"{action}: {name} goes from {self._unit(campaign, before, item, bare=True)} "
            f"to {self._unit(campaign, after, item, bare=True)}"
        )
        return _Plan(Redemption(cost, before, after, what, confirmation, campaign_id, item), send)

    # Purchases

    def preview_purchase(self, code: str, campaign_id: str, amount: Decimal) -> Purchase:
        """What :meth:`record_purchase` would do, for the confirmation; nothing changes.

        Raises:
            RewardRefused: it may not be recorded (the message says why).
        """
        campaign, name = self._counter_context(code, campaign_id)
        if campaign.kind != "points":
            raise RewardRefused(
                f"A purchase earns points: {campaign.name} is not a points campaign."
            )
        if amount is None or not amount.is_finite() or amount <= 0 or amount > MAX_CREDIT or (
            amount != amount.quantize(Decimal("0.01"))
        ):
            raise RewardRefused(
                f"The amount spent must be a positive number up to {MAX_CREDIT} with at most "
                "2 decimals."
            )
        expected = expected_points(amount, campaign.points_ratio)
        before = self.balance(code, campaign_id)
        after = before + (expected or 0)
        spent = format_money(amount, campaign.currency)
        if expected is None:
            confirmation = (
                f"Purchase of {spent}: the central system adds {name}'s points by its ratio "
                "(not known here yet); the balance is updated when it answers"
            )
        else:
            confirmation = (
                f"Purchase of {spent}: {name} earns {self._unit(campaign, expected, '')}, "
                f"from {format_amount(before)} to {format_amount(after)}"
            )
        return Purchase(amount, expected, before, after, confirmation, campaign_id)

    def record_purchase(self, code: str, campaign_id: str, amount: Decimal, actor: str) -> Purchase:
        """Add the expected points locally and queue the purchase, in one transaction (S1),
        audited; the receipt's balance replaces the expectation when it is delivered.

        Raises:
            RewardRefused: it may not be recorded; nothing changed.
            StoreError: the database failed; nothing changed.
        """
        with write_transaction(self.db):
            done = self.preview_purchase(code, campaign_id, amount)
            if done.expected_points is not None:
                add_to_balance(self.db.conn, code, campaign_id, "", done.expected_points)
            request = {"code": code, "campaign_id": campaign_id, "amount": format_amount(amount)}
            if done.expected_points is not None:
                request[EXPECTED] = format_amount(done.expected_points)
            entry_id = self._insert_entry(code, "purchase", "update", request, utc_now())
            record_audit(
                self.db,
                actor,
                "counter.purchase",
                f"customer {mask_card(code)}: purchase of {format_amount(amount)} in campaign "
                f"{campaign_id} (entry {entry_id[:8]})",
            )
        self.outbox.notify_queued()
        return replace(done, entry_id=entry_id)

    # Shared

    def _counter_context(self, code: str, campaign_id: str) -> tuple[Campaign, str]:
        """The campaign and the customer's name for a counter sentence.

        Raises:
            RewardRefused: no such campaign or customer.
        """
        campaign = self.campaign(campaign_id)
        if campaign is None:
            raise RewardRefused("No such campaign here; pull to refresh the campaigns.")
        row = self.db.conn.execute(
            "SELECT first_name, last_name FROM customers WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            raise RewardRefused("No such customer here.")
        name = (row[0] or row[1] or "").strip() or f"customer {mask_card(code)}"
        return campaign, name

    @staticmethod
    def _unit(campaign: Campaign, amount: Decimal, item: str, *, bare: bool = False) -> str:
        """An amount in the campaign's unit; ``bare``: the number alone for counted kinds."""
        if bare and (campaign.kind in ("points", "buyx") or campaign.kind in COUNT_KINDS):
            return format_amount(amount)
        return format_amount_in_unit(campaign.kind, amount, campaign.currency, item=item)
