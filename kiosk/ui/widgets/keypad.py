"""An on-screen numeric keypad for touch screens, drawn as one widget: :class:`Keypad`.

Why one widget and not twelve Buttons: composing, styling and laying out twelve Buttons cost
~40 ms per PIN screen on this hardware (several times that on a Pi), which was most of the
swipe-to-PIN latency. The keypad is static text with a hit test: a click or tap anywhere in a
key's cell posts :class:`Keypad.Pressed` with the key, and the screen types it into its PIN field.
It never takes focus, so keyboard users never tab through it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

KEYS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok")
"""Keys in reading order; ``del`` erases a digit, ``ok`` submits."""
LABELS: dict[str, str] = {"del": "Del", "ok": "OK"}
COLUMNS = 3
KEY_WIDTH = 12
"""Cells per key; keys are separated by a two-cell gap (3 x 12 + 2 x 2 = 40 cells)."""
GAP = 2
ROW_HEIGHT = 2
"""Each key row is a label line and a blank line, so rows stay apart on a 16-colour console."""
WIDTH = COLUMNS * KEY_WIDTH + (COLUMNS - 1) * GAP
HEIGHT = (len(KEYS) // COLUMNS) * ROW_HEIGHT


def key_at(x: int, y: int) -> str | None:
    """The key whose cell holds the point (x, y) of the keypad, or None (a gap or outside)."""
    if not (0 <= x < WIDTH and 0 <= y < HEIGHT):
        return None
    column, within = divmod(x, KEY_WIDTH + GAP)
    if within >= KEY_WIDTH:
        return None
    return KEYS[(y // ROW_HEIGHT) * COLUMNS + column]


def key_offset(key: str) -> tuple[int, int]:
    """The middle of ``key``'s label, relative to the keypad (for clicks in tests)."""
    index = KEYS.index(key)
    row, column = divmod(index, COLUMNS)
    return column * (KEY_WIDTH + GAP) + KEY_WIDTH // 2, row * ROW_HEIGHT


class Keypad(Widget):
    """A 3x4 keypad drawn as text; see the module docstring."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keypad--key"}
    DEFAULT_CSS = f"""
    Keypad {{ width: {WIDTH}; height: {HEIGHT}; }}
    Keypad > .keypad--key {{ background: ansi_blue; color: ansi_bright_white; text-style: bold; }}
    """

    class Pressed(Message):
        """A keypad key was pressed (``1``..``9``, ``0``, ``del`` or ``ok``)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text: Text | None = None

    def render(self) -> Text:
        """The keypad as text; built once, the keys never change."""
        if self._text is None:
            key_style: Style = self.get_component_rich_style("keypad--key")
            text = Text(no_wrap=True, overflow="crop")
            for row in range(len(KEYS) // COLUMNS):
                # A label line, then ROW_HEIGHT - 1 blank lines keeping the rows apart.
                text.append("\n" * ROW_HEIGHT if row else "")
                for column in range(COLUMNS):
                    key = KEYS[row * COLUMNS + column]
                    text.append(" " * GAP if column else "")
                    text.append(LABELS.get(key, key).center(KEY_WIDTH), key_style)
            self._text = text
        return self._text

    def on_click(self, event: events.Click) -> None:
        """Turn a click or tap into the key under it."""
        key = key_at(event.x, event.y)
        if key is not None:
            event.stop()
            self.post_message(self.Pressed(key))
