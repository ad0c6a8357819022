"""The latest transactions of one campaign: :class:`HistoryScreen`, for the customer (from home)
and for staff (from the customer's staff screen).

Lines come from the store's history (``Store.history``): what this kiosk still has to send is
listed first and marked "(not sent yet)", then the central history the kiosk last read. When the
app has a :data:`HistoryReader` and the line is up, the central history is read again in the
background and replaces the list; if it cannot be read, the screen says it shows what the kiosk
knows. The campaign is chosen with a select at the top (keyboard: Enter opens it, arrows
move). Pushed over the screen it was opened from; "Back" or Escape ``dismiss``\\ es it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Select, Static

from kiosk.domain.fields import Campaign
from kiosk.storage.customer_store import HistoryLine, Store
from kiosk.ui.reward_words import balance_line, history_line
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.status_line import StatusLine

HistoryReader = Callable[[str, str, int], Awaitable[list[HistoryLine] | None]]
"""``await reader(code, campaign_id, limit)``: the history read from the central API now, or
None when it cannot be read (:class:`kiosk.sync.history_reader.CentralHistory`)."""
READING = "Reading the central history..."
NOT_READ = "The central system cannot be reached: this is what this kiosk knows."
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
        yield Static("", id="history-source", classes="info-line")
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
        self._show_lines(self.store.history(self.code, campaign.campaign_id, HISTORY_LIMIT))
        reader = getattr(self.app, "history_reader", None)  # the app's, when it has one
        status = getattr(self.app, "sync_status", None)
        # Known to be down only after a failed attempt; never tried yet is worth a try.
        down = status is not None and not status.online and bool(status.last_failure)
        if reader is None or down:
            self._note("" if reader is None else NOT_READ)
            return
        self._note(READING)
        self.run_worker(
            self._read_central(reader, campaign.campaign_id),
            group="history",
            exclusive=True,
            exit_on_error=False,
        )

    async def _read_central(self, reader: HistoryReader, campaign_id: str) -> None:
        found = await reader(self.code, campaign_id, HISTORY_LIMIT)
        if campaign_id != self.campaign_id:
            return  # another campaign was chosen meanwhile
        self._note("" if found is not None else NOT_READ)
        if found is not None:
            self._show_lines(found)

    def _note(self, text: str) -> None:
        """Say where the list comes from when it is not simply the kiosk's (no line if not)."""
        note = self.query_one("#history-source", Static)
        note.update(text)
        note.display = bool(text)

    def _show_lines(self, history: list[HistoryLine]) -> None:
        campaign = self._campaign()
        if campaign is None:
            return
        lines = [
            history_line(h.when, Decimal(h.amount), h.redeemed, h.what, h.pending, campaign)
            for h in history
        ]
        self.query_one("#history-lines", Static).update("\n".join(lines) if lines else NOTHING_YET)

    @property
    def source_note(self) -> str:
        """Where the list comes from, when it is not simply the kiosk's: reading, unreachable."""
        return str(self.query_one("#history-source", Static).content)

    @property
    def shown_lines(self) -> str:
        """The transactions shown now, as text."""
        return str(self.query_one("#history-lines", Static).content)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """Back to where the history was opened."""
        self.dismiss()
