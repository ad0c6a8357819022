"""Messages that cross screens, named for what happened; the app decides what comes next.

What the card reader (or the terminal wedge) reports: :class:`CardSwiped`, :class:`SwipeFailed`,
:class:`ReaderStatusChanged`. Readers run in their own threads and call ``app.post_message``
(thread-safe) with these; the terminal wedge posts the same messages from the app's own key
handling, so every swipe takes one path to the screens.

What any screen may report: :class:`SessionEnded` (a visit or a staff session is over),
:class:`ActionFailed` (storage or an unexpected error) and :class:`QueueChanged` (staff changed
the outbox). Messages that belong to one screen are nested in it (``PinEntryScreen.Verified``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message


@dataclass(repr=False)
class CardSwiped(Message):
    """A swipe that gave a card number. ``repr`` shows only the last 4 digits (S8)."""

    card_number: str
    """The full card number; never shown or logged whole."""

    def __repr__(self) -> str:
        return f"CardSwiped(****{self.card_number[-4:]})"


@dataclass
class SwipeFailed(Message):
    """A swipe that could not be read (garbled, truncated, error marker)."""

    reason: str
    """Plain text for the person at the counter."""


@dataclass
class ReaderStatusChanged(Message):
    """The reader connected, disconnected or reported a problem."""

    text: str
    """A short, secret-free description for staff."""


@dataclass
class SessionEnded(Message):
    """The customer's visit or the staff session is over: back to "Swipe your card"."""

    notice: str = ""
    """Shown for a few seconds on the swipe screen ("Thank you", a lock); empty for none."""


@dataclass
class ActionFailed(Message):
    """Something a screen did failed; the app shows a plain message and starts over (S10)."""

    error: BaseException = field(repr=False)
    """The failure; its text is shown only for storage and edit errors, never a traceback."""


@dataclass
class QueueChanged(Message):
    """A staff action added to, retried or discarded from the outbox, or the queue screen saw it
    move before the status did: the counts moved, the app reads the status again."""
