"""Handing a new card over: :class:`CardIssuedScreen`, shown to staff once after "Issue new card".

The full new number appears here and nowhere else (every other screen masks it, S8), so staff can
write or print it on a blank card. The screen names the customer and the steps, and closes with
"Card handed over" (or Escape, or the inactivity reset): once closed, the number is gone from the
screen for good.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.domain.secrets import mask_card
from kiosk.ui.screens.base import ArrowButtons


def grouped(card_number: str) -> str:
    """``6001234567890123`` as ``6001 2345 6789 0123``: easier to copy without a slip."""
    return " ".join(card_number[i : i + 4] for i in range(0, len(card_number), 4))


class CardIssuedScreen(ArrowButtons, ModalScreen[None]):
    """The new card's number, once; see the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ArrowButtons.BINDINGS,
        Binding("escape", "handed_over", "Done", show=False),
    ]

    def __init__(self, card_number: str, *, name: str, old_card: str | None) -> None:
        super().__init__(id="card-issued-screen")
        self._card_number = card_number
        self.customer_name = name
        self.old_card = old_card

    def compose(self) -> ComposeResult:
        old = f"The old card {mask_card(self.old_card)} no longer works. " if self.old_card else ""
        steps = (
            f"1. Write this number on a blank card (or print it).\n"
            f"2. Give the card to {self.customer_name}.\n"
            f"{old}The number is shown only now."
        )
        with Vertical(id="card-issued-box", classes="dialog-box"):
            yield Static(f"New card for {self.customer_name}", id="card-issued-title")
            yield Static(grouped(self._card_number), id="card-issued-number")
            yield Static(steps, id="card-issued-steps")
            with Horizontal(classes="actions"):
                yield Button("Card handed over", id="handed-over", variant="primary", compact=True)

    def on_mount(self) -> None:
        """Focus the only button."""
        self.query_one("#handed-over", Button).focus()

    @on(Button.Pressed, "#handed-over")
    def action_handed_over(self) -> None:
        """Close: the number leaves the screen."""
        self.dismiss()
