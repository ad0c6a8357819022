"""The customer's home: greeting, balances and what they can do: :class:`HomeScreen`."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.domain.secrets import mask_card
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.balances import BalanceBoard
from kiosk.ui.widgets.status_line import StatusLine


class HomeScreen(KioskScreen[None]):
    """Shown after a correct PIN."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "done", "Done", show=False)]

    def __init__(self, code: str) -> None:
        super().__init__(id="home-screen")
        self.code = code

    def compose(self) -> ComposeResult:
        customer = self.store.customer(self.code) or {}
        balances = self.store.balances(self.code)
        name = customer.get("first_name") or ""
        yield StatusLine()
        with Vertical(id="home-body"):
            yield Static(f"Welcome back, {name}!" if name else "Welcome back!", classes="title")
            card = mask_card(customer.get("card_number"))
            yield Static(f"Card {card}" if card else "", classes="subtitle")
            yield BalanceBoard(balances, id="balances")
        with Horizontal(classes="actions"):
            yield Button("Update my details", id="edit", compact=True)
            yield Button("Change PIN", id="change-pin", compact=True)
            yield Button("Done", id="done", variant="primary", compact=True)

    def on_mount(self) -> None:
        """Focus "Done": the common case is a glance at the balance."""
        self.query_one("#done", Button).focus()

    @on(Button.Pressed, "#edit")
    def _edit(self) -> None:
        from kiosk.ui.screens.edit_details import EditDetailsScreen

        self.kiosk.show_flow(EditDetailsScreen(self.code))

    @on(Button.Pressed, "#change-pin")
    def _change_pin(self) -> None:
        from kiosk.ui.screens.pin_entry import ChoosePinScreen

        self.kiosk.show_flow(ChoosePinScreen(self.code))

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        """Finish the visit: back to the swipe screen, nothing left on screen."""
        self.kiosk.start_over("Thank you, see you soon!")
