"""Text inputs for the kiosk: :class:`KioskInput` (compact, no tall borders) and :class:`PinInput`.

Compact inputs draw without the block glyphs the Linux console fonts lack. The cursor blink
follows the app's configuration (:func:`kiosk.ui.config.current_config`) so that snapshots do not
depend on timing.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input

from kiosk.ui.config import current_config

PIN_MAX_LENGTH = 8
"""Longest PIN accepted (rule: 4 to 8 digits)."""

KEYPAD_KEYS: dict[str, str] = {
    # Numeric keypad keys as some terminals name them with NumLock off; digits with NumLock on
    # arrive as plain digits already.
    "insert": "0",
    "end": "1",
    "down": "2",
    "pagedown": "3",
    "left": "4",
    "right": "6",
    "home": "7",
    "up": "8",
    "pageup": "9",
}
"""Keypad keys read as digits in a PIN field."""


class KioskInput(Input):
    """A compact :class:`~textual.widgets.Input` whose cursor blink the app configures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(*args, **kwargs)

    def on_mount(self) -> None:
        """Apply the configured cursor blink."""
        self.cursor_blink = current_config().cursor_blink


class PinInput(KioskInput):
    """Masked PIN entry: digits only, at most 8; keypad keys count as digits."""

    def __init__(self, *, placeholder: str = "PIN", id: str | None = None) -> None:
        super().__init__(
            placeholder=placeholder,
            password=True,
            restrict=r"[0-9]*",
            max_length=PIN_MAX_LENGTH,
            id=id,
        )

    def on_key(self, event: events.Key) -> None:
        """Numeric keypad with NumLock off: treat its navigation keys as digits."""
        digit = KEYPAD_KEYS.get(event.key)
        if digit is not None:
            event.stop()
            event.prevent_default()
            self.insert_text_at_cursor(digit)
