"""The customer's home: greeting, balances and what they can do: :class:`HomeScreen`.

A new customer is greeted "Welcome", a returning one "Welcome back"; after an edit or a PIN
change a short notice ("Saved", "PIN changed") confirms it.

Balances show the rewards ready and the progress to the next one (:mod:`kiosk.ui.widgets.
balances`). "History" shows the latest transactions of each campaign over this screen
(:class:`~kiosk.ui.screens.history.HistoryScreen`). The other buttons say what the customer
chose (:class:`HomeScreen.EditChosen`, :class:`HomeScreen.ChangePinChosen`, or a
:class:`~kiosk.ui.messages.SessionEnded` for "Done"); the app shows the next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from kiosk.domain.secrets import mask_card
from kiosk.storage.customer_store import Store
from kiosk.ui.messages import SessionEnded
from kiosk.ui.screens.base import ArrowButtons, KioskScreen
from kiosk.ui.screens.history import HistoryScreen
from kiosk.ui.widgets.balances import BalanceBoard, board_for
from kiosk.ui.widgets.status_line import StatusLine

GOODBYE = "Thank you, see you soon!"
"""Shown on the swipe screen after "Done"."""


class HomeScreen(ArrowButtons, KioskScreen[None]):
    """Shown after a correct PIN."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ArrowButtons.BINDINGS,
        Binding("escape", "done", "Done", show=False),
    ]

    @dataclass
    class EditChosen(Message):
        """The customer wants to update their details."""

        screen: HomeScreen
        code: str

        @property
        def control(self) -> HomeScreen:
            """The home screen."""
            return self.screen

    @dataclass
    class ChangePinChosen(Message):
        """The customer wants to change their PIN."""

        screen: HomeScreen
        code: str

        @property
        def control(self) -> HomeScreen:
            """The home screen."""
            return self.screen

    def __init__(
        self, store: Store, code: str, *, new_customer: bool = False, notice: str = ""
    ) -> None:
        super().__init__(id="home-screen")
        self.store = store
        self.code = code
        self.new_customer = new_customer
        """Just registered: "Welcome", not "Welcome back"."""
        self._notice = notice

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Vertical(id="home-body"):
            yield Static(self._greeting(), id="home-greeting", classes="title")
            yield Static(self._card(), id="home-card", classes="subtitle")
            yield Static("", id="home-notice")
            yield board_for(self.store, self.code, id="balances")
        with Horizontal(classes="actions"):
            yield Button("Update my details", id="edit", compact=True)
            yield Button("Change PIN", id="change-pin", compact=True)
            yield Button("History", id="history", compact=True)
            yield Button("Done", id="done", variant="primary", compact=True)

    def _greeting(self) -> str:
        customer = self.store.customer(self.code)
        name = (customer["first_name"] if customer else None) or ""
        welcome = "Welcome" if self.new_customer else "Welcome back"
        return f"{welcome}, {name}!" if name else f"{welcome}!"

    def _card(self) -> str:
        customer = self.store.customer(self.code)
        card = mask_card(customer["card_number"] if customer else None)
        return f"Card {card}" if card else ""

    def on_mount(self) -> None:
        """Focus "Done": the common case is a glance at the balance."""
        self.query_one("#done", Button).focus()
        if self._notice:
            self.show_notice(self._notice)

    def show_notice(self, text: str) -> None:
        """Confirm what just happened ("Saved"), under the card line."""
        notice = self.query_one("#home-notice", Static)
        notice.update(text)
        notice.set_class(bool(text), "-shown")

    @property
    def notice(self) -> str:
        """The notice shown now, or ""."""
        return str(self.query_one("#home-notice", Static).content)

    async def refresh_customer(self) -> None:
        """Read the customer again (after an edit): greeting, card and balances."""
        self.query_one("#home-greeting", Static).update(self._greeting())
        self.query_one("#home-card", Static).update(self._card())
        old = self.query_one("#balances", BalanceBoard)
        await old.remove()
        await self.query_one("#home-body", Vertical).mount(
            board_for(self.store, self.code, id="balances")
        )

    @on(Button.Pressed, "#edit")
    def _edit(self) -> None:
        self.post_message(self.EditChosen(self, self.code))

    @on(Button.Pressed, "#change-pin")
    def _change_pin(self) -> None:
        self.post_message(self.ChangePinChosen(self, self.code))

    @on(Button.Pressed, "#history")
    def _history(self) -> None:
        self.app.push_screen(HistoryScreen(self.store, self.code))

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        """Finish the visit: back to the swipe screen, nothing left on screen."""
        self.post_message(SessionEnded(GOODBYE))
