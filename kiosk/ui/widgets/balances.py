"""A customer's balances: :class:`BalanceBoard`, the main one in large ``Digits``, and
:func:`balance_line` (one balance as text, for staff screens).

Each balance is shown in its campaign's own unit (points, money with its currency, ``3 x Bagel``
for buy-X, events; the older visits and dollars too), with the rewards it can redeem now and how
far the next one is ("40 points to Free muffin"), worded by :mod:`kiosk.ui.reward_words`. The
first balance (by campaign) is the main one; buy-X campaigns list one line per product.
Readable on the 16-colour console: a reward ready is said in words, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Digits, Static

from kiosk.domain.edit_rules import format_amount
from kiosk.domain.fields import MONEY_KINDS, Campaign
from kiosk.domain.rewards import RewardLevel, format_money
from kiosk.storage.customer_store import Store
from kiosk.storage.records import BalanceRow
from kiosk.ui import reward_words

UNITS: dict[str, str] = {"points": "points", "visits": "visits", "events": "events"}
"""The caption under a counted main balance (money shows its currency, buy-X its product)."""


def balance_line(row: BalanceRow, currency: str | None = None) -> str:
    """One balance as a line of text: ``Coffee club: 12 points``, ``Gift card: $20.00``."""
    return reward_words.balance_line(row, currency)


class BalanceBoard(Vertical):
    """The main balance in ``Digits`` with its caption and progress, then the other balances."""

    def __init__(
        self,
        balances: Sequence[BalanceRow],
        *,
        campaigns: Mapping[str, Campaign] | None = None,
        rewards: Mapping[str, Sequence[RewardLevel]] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.balances = list(balances)
        self.campaigns = dict(campaigns or {})
        """Campaigns by id: their currency (money balances)."""
        self.rewards = {key: list(value) for key, value in (rewards or {}).items()}
        """Rewards by campaign id, cheapest first."""

    def _currency(self, row: BalanceRow) -> str | None:
        campaign = self.campaigns.get(row["campaign_id"])
        return campaign.currency if campaign is not None else None

    def progress_of(self, row: BalanceRow) -> list[str]:
        """The progress lines of one balance ("Ready to redeem: ...", "40 points to ...")."""
        return reward_words.progress_lines(
            row["campaign_type"],
            Decimal(row["balance"]),
            self.rewards.get(row["campaign_id"], []),
            self._currency(row),
            row["item"],
        )

    def compose(self) -> ComposeResult:
        if not self.balances:
            yield Static(
                "No points yet: they appear here after your first purchase.",
                classes="balance-line",
            )
            return
        main, *others = self.balances
        yield Static(main["campaign_name"], id="main-caption")
        digits, unit = self._main_figure(main)
        with Center():
            yield Digits(digits, id="main-balance")
        yield Static(unit, id="main-unit")
        yield from self._progress(main)
        for row in others:
            yield Static(balance_line(row, self._currency(row)), classes="balance-line")
            yield from self._progress(row)

    def _main_figure(self, row: BalanceRow) -> tuple[str, str]:
        """The main balance as large digits and the caption under them."""
        kind = row["campaign_type"]
        amount = Decimal(row["balance"])
        if kind in MONEY_KINDS:
            money = format_money(amount, self._currency(row))
            if money.startswith(("$", "-$")):
                return money, ""
            figure, _, currency = money.partition(" ")
            return figure, currency
        figure = format_amount(amount)
        if kind == "buyx":
            return figure, row["item"]
        return figure, UNITS.get(kind, "")

    def _progress(self, row: BalanceRow) -> ComposeResult:
        for line in self.progress_of(row):
            ready = line.startswith("Ready")
            yield Static(line, classes="reward-ready" if ready else "reward-next")


def board_for(store: Store, code: str, *, id: str | None = None) -> BalanceBoard:
    """The balance board of one customer, with their campaigns' currencies and rewards."""
    balances = store.balances(code)
    campaigns = {c.campaign_id: c for c in store.campaigns()}
    held = {r["campaign_id"] for r in balances}
    rewards = {campaign_id: store.campaign_rewards(campaign_id) for campaign_id in held}
    return BalanceBoard(balances, campaigns=campaigns, rewards=rewards, id=id)
