"""What staff do with a swiped card nobody has: :class:`UnknownCardScreen`.

Offers to register a new customer with the card on the spot, or to link it (a pre-printed card)
to an existing customer, found by the search; the customer's old card then stops working, as
when staff issue a new card. ``dismiss`` returns ``"register"``, ``"link"`` or None (cancel).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.domain.secrets import mask_card
from kiosk.ui.screens.base import ArrowButtons

UnknownCardChoice = Literal["register", "link"]


class UnknownCardScreen(ArrowButtons, ModalScreen[UnknownCardChoice | None]):
    """Register, link, or cancel; the card is shown masked (S8)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ArrowButtons.BINDINGS,
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def __init__(self, card_number: str) -> None:
        super().__init__(id="unknown-card-screen")
        self.card_number = card_number

    def compose(self) -> ComposeResult:
        with Vertical(id="unknown-card-box", classes="dialog-box"):
            yield Static(
                f"No customer has card {mask_card(self.card_number)}.\n"
                "Register a new customer with it, or link it to an existing customer "
                "(their old card stops working)?",
                id="confirm-question",
            )
            with Horizontal(classes="actions"):
                yield Button("Register new", id="register", variant="primary", compact=True)
                yield Button("Link to customer", id="link", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        """Focus "Register new"."""
        self.query_one("#register", Button).focus()

    @on(Button.Pressed, "#register")
    def _register(self) -> None:
        self.dismiss("register")

    @on(Button.Pressed, "#link")
    def _link(self) -> None:
        self.dismiss("link")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Escape or "Cancel": nothing happens."""
        self.dismiss(None)
