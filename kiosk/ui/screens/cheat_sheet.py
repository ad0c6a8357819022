"""The demo cheat sheet on screen (F1 in demo mode): :class:`CheatSheetScreen`.

Shows what to type for each demo card and its PIN. Each card also has a button that swipes it
through the same message path a reader uses, for people who would rather not type ``;...?``.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from kiosk.ui.messages import CardSwiped
from kiosk.ui.screens.base import KioskScreen


class CheatSheetScreen(KioskScreen[None]):
    """The demo cards and PINs."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1", "close", "Close", show=False)]

    def __init__(self) -> None:
        super().__init__(id="cheat-sheet-screen")

    def compose(self) -> ComposeResult:
        config = self.config
        yield Static("Demo cheat sheet", classes="title")
        with VerticalScroll(id="cheat-text"):
            yield Static(config.cheat_sheet or "No demo data.")
        with Horizontal(classes="actions"):
            for index, (label, _card) in enumerate(config.demo_cards):
                yield Button(label, id=f"demo-card-{index}", compact=True)
            yield Button("Close", id="close", compact=True)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Back to where the demo was."""
        self.dismiss()

    @on(Button.Pressed)
    def _swipe(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("demo-card-"):
            _label, card = self.config.demo_cards[int(button_id.rsplit("-", 1)[1])]
            self.dismiss()
            self.app.post_message(CardSwiped(card))
