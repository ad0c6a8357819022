"""Staff record a purchase by its amount: :class:`PurchaseScreen`.

The central API turns the amount paid into points by the campaign's ``points_ratio``; the
screen shows, as the amount is typed, the points to expect (or what is wrong with the amount),
and the confirmation states the exact effect ("Record a purchase of $12.50 in Coffee club:
expect 25 points: Jane Doe goes from 120 to 145"). Only "Yes" queues it (``Store.
record_purchase``); the receipt's balance is the one kept when it arrives. ``dismiss`` returns
what was done (for the customer screen's notice), or None.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from kiosk.domain.edit_rules import EditError, parse_amount
from kiosk.domain.fields import Campaign
from kiosk.domain.rewards import format_money
from kiosk.storage.customer_store import Store
from kiosk.ui.reward_words import amount_problem, expected_line, in_unit, purchase_question
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.widgets.inputs import KioskInput
from kiosk.ui.widgets.status_line import StatusLine


class PurchaseScreen(KioskScreen[str | None]):
    """The amount of one purchase, for a points campaign."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", show=False)]

    def __init__(
        self, store: Store, code: str, campaign: Campaign, *, name: str, actor: str
    ) -> None:
        super().__init__(id="purchase-screen")
        self.store = store
        self.code = code
        self.campaign = campaign
        self.customer_name = name
        self.actor = actor
        """Who is logged in (recorded in audit rows)."""

    def compose(self) -> ComposeResult:
        yield StatusLine(staff=True)
        yield Static(f"Purchase - {self.customer_name}", classes="title")
        yield Static(
            f"{self.campaign.name}: {in_unit(self.campaign, self.balance())}", classes="subtitle"
        )
        with Horizontal(id="custom-row"):
            yield Static("Amount paid:", id="custom-label")
            yield KioskInput(placeholder="e.g. 12.50", id="paid")
        yield Static("", id="purchase-help", classes="info-line")
        yield Static("", id="purchase-error", classes="error-line")
        with Horizontal(classes="actions"):
            yield Button("Record", id="record", variant="primary", compact=True)
            yield Button("Back", id="back", compact=True)

    def on_mount(self) -> None:
        """Show the campaign's ratio and focus the amount."""
        self._check()
        self.query_one("#paid", Input).focus()

    def balance(self) -> Decimal:
        """The customer's local balance in the campaign."""
        return self.store.balance(self.code, self.campaign.campaign_id, "")

    @on(Input.Changed, "#paid")
    def _check(self) -> str | None:
        """As typed: what is wrong with the amount, or the points it is expected to earn."""
        text = self.query_one("#paid", Input).value
        problem = amount_problem(self.campaign, text.replace("$", ""))
        help_line = self.query_one("#purchase-help", Static)
        amount = parse_amount(text.replace("$", "")) if problem is None and text.strip() else None
        help_line.update(problem or expected_line(self.campaign, amount))
        help_line.set_class(problem is not None, "-problem")
        self.query_one("#purchase-error", Static).update("")
        return problem

    @property
    def help_text(self) -> str:
        """The line under the amount."""
        return str(self.query_one("#purchase-help", Static).content)

    @on(Input.Submitted, "#paid")
    @on(Button.Pressed, "#record")
    def _record(self) -> None:
        self.confirm_purchase()

    @work(exclusive=True, group="staff-action")
    async def confirm_purchase(self) -> None:
        """Ask with the exact effect, then queue the purchase."""
        field = self.query_one("#paid", Input)
        text = field.value.replace("$", "").strip()
        if self._check() is not None or not text:
            field.focus()
            return
        amount = parse_amount(text)
        assert amount is not None, "amount_problem accepted it"
        try:  # the store's own figures: what is asked is exactly what is queued
            preview = self.store.preview_purchase(self.code, self.campaign.campaign_id, amount)
        except EditError as refused:
            self.query_one("#purchase-error", Static).update(str(refused))
            return
        except Exception as failure:
            self.report_failure(failure)
            return
        question = purchase_question(
            self.customer_name, amount, preview.before, preview.expected_points, self.campaign
        )
        if not await self.app.push_screen_wait(ConfirmScreen(question, yes="Record")):
            return
        try:
            self.store.record_purchase(
                self.code, self.campaign.campaign_id, amount, actor=self.actor
            )
        except EditError as refused:  # RewardRefused: the store's words for staff
            self.query_one("#purchase-error", Static).update(str(refused))
            return
        except Exception as failure:
            self.report_failure(failure)
            return
        paid = format_money(amount, self.campaign.currency)
        self.dismiss(f"Purchase of {paid} recorded for {self.customer_name}")

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """Back to the customer, nothing recorded."""
        self.dismiss(None)
