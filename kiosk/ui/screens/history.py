"""The latest transactions of one campaign: :class:`HistoryScreen`, for the customer (from home)
and for staff (from the customer's staff screen).

Lines come from the store's history (``Store.history``): what this kiosk still has to send is
listed first and marked "(not sent yet)", then the central history the kiosk last read. The
campaign is chosen with a select at the top (keyboard: Enter opens it, arrows move). Pushed
over the screen it was opened from; "Back" or Escape ``dismiss``\\ es it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Select, Static

from kiosk.domain.fields import Campaign
from kiosk.storage.customer_store import Store
from kiosk.ui.reward_words import balance_line, history_line
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.status_line import StatusLine

HISTORY_LIMIT = 10
"""How many transactions are listed (they fit the 80x25 console)."""
NOTHING_YET = "No transactions in this campaign yet."


class HistoryScreen(KioskScreen[None]):
    """One customer's latest transactions, one campaign at a time."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", show=False)]

    def __init__(
        self, store: Store, code: str, campaign_id: str | None = None, *, staff: bool = False
    ) -> None:
        super().__init__(id="history-screen")
        self.store = store
        self.code = code
        self.staff = staff
        campaigns = store.campaigns()
        held = [row["campaign_id"] for row in store.balances(code)]
        # The customer's own campaigns first: the one asked for, else the main balance's.
        self.campaigns = sorted(campaigns, key=lambda c: c.campaign_id not in held)
        first = campaign_id or (held[0] if held else None)
        self.campaign_id = first or (self.campaigns[0].campaign_id if self.campaigns else None)

    def compose(self) -> ComposeResult:
        yield StatusLine(staff=self.staff)
        yield Static("History", classes="title")
        yield Static(self._who(), id="history-who", classes="subtitle")
        with Horizontal(id="history-row"):
            yield Select(
                [(c.name, c.campaign_id) for c in self.campaigns],
                value=self.campaign_id if self.campaign_id else Select.BLANK,
                allow_blank=not self.campaigns,
                compact=True,
                id="history-campaign",
            )
            yield Static("", id="history-balance")
        yield Static("", id="history-lines")
        with Horizontal(classes="actions"):
            yield Button("Back", id="back", variant="primary", compact=True)

    def _who(self) -> str:
        customer = self.store.customer(self.code)
        if customer is None:
            return ""
        names = (customer["first_name"], customer["last_name"])
        return " ".join(filter(None, names))

    def on_mount(self) -> None:
        """Show the first campaign; the select has the focus."""
        self.show_campaign()
        self.query_one("#history-campaign", Select).focus()

    @on(Select.Changed, "#history-campaign")
    def _chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.campaign_id = event.value
        self.show_campaign()

    def _campaign(self) -> Campaign | None:
        return next((c for c in self.campaigns if c.campaign_id == self.campaign_id), None)

    def show_campaign(self) -> None:
        """List the chosen campaign's latest transactions and its balance."""
        campaign = self._campaign()
        lines_box = self.query_one("#history-lines", Static)
        balance_box = self.query_one("#history-balance", Static)
        if campaign is None:
            lines_box.update(NOTHING_YET)
            balance_box.update("")
            return
        rows = [
            r for r in self.store.balances(self.code) if r["campaign_id"] == campaign.campaign_id
        ]
        balance_box.update(
            "  ".join(balance_line(r, campaign.currency).split(": ", 1)[1] for r in rows)
            or "nothing yet"
        )
        history = self.store.history(self.code, campaign.campaign_id, limit=HISTORY_LIMIT)
        lines = [
            history_line(h.when, Decimal(h.amount), h.redeemed, h.what, h.pending, campaign)
            for h in history
        ]
        lines_box.update("\n".join(lines) if lines else NOTHING_YET)

    @property
    def shown_lines(self) -> str:
        """The transactions shown now, as text."""
        return str(self.query_one("#history-lines", Static).content)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """Back to where the history was opened."""
        self.dismiss()
