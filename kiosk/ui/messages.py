"""Messages that cross screens: what the card reader (or the terminal wedge) reports.

Readers run in their own threads and call ``app.post_message`` (thread-safe) with these; the
terminal wedge posts the same messages from the app's own key handling, so every swipe takes
one path to the screens.
"""

from __future__ import annotations

from textual.message import Message


class CardSwiped(Message):
    """A swipe that gave a card number. ``repr`` shows only the last 4 digits (S8)."""

    def __init__(self, card_number: str) -> None:
        super().__init__()
        self.card_number = card_number
        """The full card number; never shown or logged whole."""

    def __repr__(self) -> str:
        return f"CardSwiped(****{self.card_number[-4:]})"


class SwipeFailed(Message):
    """A swipe that could not be read (garbled, truncated, error marker)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
        """Plain text for the person at the counter."""


class ReaderStatusChanged(Message):
    """The reader connected, disconnected or reported a problem."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        """A short, secret-free description for staff."""
