"""A yes/no question over the current screen: :class:`ConfirmScreen`.

Used before anything money-like or hard to undo (credits, new cards, discards); the question
states the exact effect. Returns True for "Yes" via ``dismiss``; Escape or "No" returns False.
Tab, Shift+Tab and the arrow keys move between the two buttons.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.ui.screens.base import ArrowButtons


class ConfirmScreen(ArrowButtons, ModalScreen[bool]):
    """Shows a question and two buttons; "No" has the focus, so Enter alone never confirms."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ArrowButtons.BINDINGS,
        Binding("escape", "no", "No", show=False),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(id="confirm-screen")
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog-box"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(classes="actions"):
                yield Button(self.yes_label, id="confirm-yes", variant="primary", compact=True)
                yield Button(self.no_label, id="confirm-no", compact=True)

    def on_mount(self) -> None:
        """Focus "No": a stray Enter must not add points."""
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_no(self) -> None:
        """Escape or "No"."""
        self.dismiss(False)
