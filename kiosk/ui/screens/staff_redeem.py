"""Staff redeem a reward, custom points, or spend gift-card / earned value: :class:`RedeemScreen`.

For a counted campaign the campaign's rewards are listed with what each takes (and how much is
missing); a points campaign also takes custom points. For a money campaign (gift card, earned)
the cashier types the amount to spend. Amounts are checked as typed; whether the redemption may
be made now (the balance, and offline the shop's policy, ``[rewards]``) is the store's decision
(``Store.preview_redemption``), asked before the confirmation so that a refusal
is said plainly and nothing is asked. The confirmation states the exact effect ("Redeem 'Free
coffee' for 100 points: Jane Doe goes from 135 to 35"); only "Yes" queues it (``Store.redeem``:
applied to the local balance at once, sent with its tag). ``dismiss`` returns what was done
(for the customer screen's notice), or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.domain.edit_rules import EditError, format_amount, parse_amount
from kiosk.domain.fields import Campaign
from kiosk.domain.rewards import RewardLevel
from kiosk.storage.customer_store import Store
from kiosk.ui.reward_words import (
    amount_problem,
    in_unit,
    is_money,
    redeem_question,
    rewards_for,
    spend_question,
)
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.widgets.inputs import KioskInput
from kiosk.ui.widgets.status_line import StatusLine


@dataclass(frozen=True)
class Choice:
    """What the cashier chose to redeem: a reward, or an amount (custom points or money)."""

    cost: Decimal
    reward: RewardLevel | None = None

    def store_arguments(self, money: bool) -> dict[str, Any]:
        """The keyword arguments of ``Store.redeem`` for this choice."""
        if self.reward is not None:
            return {"reward_id": self.reward.reward_id}
        return {"amount": self.cost} if money else {"points": self.cost}


class RedeemScreen(KioskScreen[str | None]):
    """Redeem from, or spend from, one campaign of one customer."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", show=False)]

    def __init__(
        self, store: Store, code: str, campaign: Campaign, *, name: str, actor: str
    ) -> None:
        super().__init__(id="redeem-screen")
        self.store = store
        self.code = code
        self.campaign = campaign
        self.customer_name = name
        self.actor = actor
        """Who is logged in (recorded in audit rows)."""
        self.money = is_money(campaign)
        self.item = ""
        """The buy-X product redeemed from (the one with the largest count)."""
        self.rewards: list[RewardLevel] = []

    def compose(self) -> ComposeResult:
        verb = "Spend" if self.money else "Redeem"
        yield StatusLine(staff=True)
        yield Static(f"{verb} - {self.customer_name}", classes="title")
        yield Static("", id="redeem-balance", classes="subtitle")
        yield OptionList(id="rewards")
        with Horizontal(id="custom-row"):
            label = "Amount to spend:" if self.money else "Or custom points:"
            yield Static(label, id="custom-label")
            yield KioskInput(placeholder="amount" if self.money else "points", id="custom")
        yield Static("", id="redeem-help", classes="info-line")
        yield Static("", id="redeem-error", classes="error-line")
        with Horizontal(classes="actions"):
            yield Button(verb, id="redeem", variant="primary", compact=True)
            yield Button("Back", id="back", compact=True)

    def on_mount(self) -> None:
        """List the rewards (counted campaigns), and focus what the cashier uses first."""
        self._fill()
        rewards = self.query_one("#rewards", OptionList)
        custom = self.campaign.kind == "points" or self.money
        rewards.display = not self.money
        self.query_one("#custom-row").display = custom
        if self.rewards and not self.money:
            rewards.highlighted = 0
            rewards.focus()
        else:
            self.query_one("#custom", Input).focus()
        if not self.money and not self.rewards:
            self._show_help(
                "This campaign has no rewards."
                + (" Type custom points to redeem." if custom else "")
            )

    def balance(self) -> Decimal:
        """The local balance redeemed from (it already holds everything queued)."""
        return self.store.balance(self.code, self.campaign.campaign_id, self.item)

    def _fill(self) -> None:
        rows = [
            r
            for r in self.store.balances(self.code)
            if r["campaign_id"] == self.campaign.campaign_id
        ]
        if self.campaign.kind == "buyx" and rows:
            self.item = max(rows, key=lambda r: Decimal(r["balance"]))["item"]
        balance = self.balance()
        shown = in_unit(self.campaign, balance, self.item)
        self.query_one("#redeem-balance", Static).update(f"{self.campaign.name}: {shown}")
        everything = self.store.campaign_rewards(self.campaign.campaign_id)
        self.rewards = [
            r for r in rewards_for(self.campaign.kind, everything, self.item) if r.level is not None
        ]
        options = self.query_one("#rewards", OptionList)
        options.clear_options()
        for index, reward in enumerate(self.rewards):
            assert reward.level is not None
            cost = in_unit(self.campaign, reward.level, self.item)
            short = reward.level - balance
            note = f"  ({format_amount(short)} short)" if short > 0 else ""
            label = f"{reward.description[:36]:<36} {cost}{note}"
            options.add_option(Option(label, id=str(index)))

    def _show_help(self, text: str, *, problem: bool = False) -> None:
        line = self.query_one("#redeem-help", Static)
        line.update(text)
        line.set_class(problem, "-problem")

    def _show_error(self, text: str) -> None:
        self.query_one("#redeem-error", Static).update(text)

    @property
    def error(self) -> str:
        """The refusal shown now, or ""."""
        return str(self.query_one("#redeem-error", Static).content)

    @on(Input.Changed, "#custom")
    def _check_custom(self) -> str | None:
        """Check the typed amount as it is typed."""
        text = self.query_one("#custom", Input).value
        problem = amount_problem(self.campaign, text)
        self._show_help(problem or "", problem=problem is not None)
        self._show_error("")
        return problem

    @on(OptionList.OptionSelected, "#rewards")
    def _reward_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.confirm(
                Choice(self._level(int(event.option.id)), self.rewards[int(event.option.id)])
            )

    def _level(self, index: int) -> Decimal:
        level = self.rewards[index].level
        assert level is not None, "only rewards with a known level are listed"
        return level

    @on(Input.Submitted, "#custom")
    @on(Button.Pressed, "#redeem")
    def _redeem_pressed(self) -> None:
        text = self.query_one("#custom", Input).value.strip()
        if text or self.money or (self.campaign.kind == "points" and not self.rewards):
            if self._check_custom() is not None or not text:
                self.query_one("#custom", Input).focus()
                return
            amount = parse_amount(text)
            assert amount is not None, "amount_problem accepted it"
            self.confirm(Choice(amount))
            return
        highlighted = self.query_one("#rewards", OptionList).highlighted
        if highlighted is not None and self.rewards:
            self.confirm(Choice(self._level(highlighted), self.rewards[highlighted]))

    @work(exclusive=True, group="staff-action")
    async def confirm(self, choice: Choice) -> None:
        """Check, ask with the exact effect, then queue the redemption.

        The check and the figures are the store's own preview (``preview_redemption``: the
        balance, and offline the shop's policy), so what is asked is exactly what is queued."""
        try:
            preview = self.store.preview_redemption(
                self.code, self.campaign.campaign_id, **choice.store_arguments(self.money)
            )
        except EditError as refused:
            self._show_error(str(refused))
            return
        except Exception as failure:
            self.report_failure(failure)
            return
        self._show_error("")
        cost, before, after = preview.cost, preview.before, preview.after
        if self.money:
            question = spend_question(self.customer_name, cost, before, after, self.campaign)
        else:
            description = choice.reward.description if choice.reward else None
            question = redeem_question(
                self.customer_name, description, cost, before, after, self.campaign, preview.item
            )
        yes = "Spend" if self.money else "Redeem"
        if not await self.app.push_screen_wait(ConfirmScreen(question, yes=yes)):
            return
        try:
            done = self.store.redeem(
                self.code,
                self.campaign.campaign_id,
                **choice.store_arguments(self.money),
                actor=self.actor,
            )
        except EditError as refused:  # RewardRefused: the store's words for staff
            self._show_error(str(refused))
            return
        except Exception as failure:
            self.report_failure(failure)
            return
        after_text = in_unit(self.campaign, Decimal(done.after), self.item)
        what = (
            f"'{choice.reward.description}'"
            if choice.reward
            else in_unit(self.campaign, choice.cost, self.item)
        )
        verb = "Spent" if self.money else "Redeemed"
        self.dismiss(f"{verb} {what}: {self.customer_name} now has {after_text}")

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """Back to the customer, nothing redeemed."""
        self.dismiss(None)
