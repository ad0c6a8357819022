"""An on-screen numeric keypad for touch screens: :class:`Keypad`.

Buttons cannot take focus, so keyboard users never tab through twelve buttons; each press posts
:class:`Keypad.Pressed` with the key, and the screen types it into its focused PIN field.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message
from textual.widgets import Button

KEYS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok")
"""Keys in reading order; ``del`` erases a digit, ``ok`` submits."""
LABELS: dict[str, str] = {"del": "Del", "ok": "OK"}


class Keypad(Grid):
    """Twelve large buttons in a 3x4 grid."""

    class Pressed(Message):
        """A keypad key was pressed (``1``..``9``, ``0``, ``del`` or ``ok``)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def compose(self) -> ComposeResult:
        for key in KEYS:
            button = Button(LABELS.get(key, key), id=f"key-{key}", compact=True)
            button.can_focus = False
            yield button

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        assert event.button.id is not None
        self.post_message(self.Pressed(event.button.id.removeprefix("key-")))
