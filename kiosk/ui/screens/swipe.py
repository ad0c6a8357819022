"""The idle screen: store name, "Swipe your card", clock and sync state: :class:`SwipeScreen`.

A notice ("Please swipe again", a lock message, a storage error) shows for a few seconds under
the prompt, then clears itself so nothing lingers for the next customer.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.timer import Timer
from textual.widgets import Static

from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.status_line import StatusLine


class SwipeScreen(KioskScreen[None]):
    """Waits for a card."""

    def __init__(self) -> None:
        super().__init__(id="swipe-screen")
        self._notice_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Vertical(id="swipe-body"):
            yield Static(self.config.store_name, id="swipe-store")
            with Center():
                yield Static("Swipe your card", id="swipe-prompt")
            with Center():
                yield Static("", id="swipe-notice")
        yield Static(self._hint(), id="swipe-hint", classes="hint")

    def _hint(self) -> str:
        if self.config.demo:
            return "Demo: F1 shows the demo cards and PINs"
        return "Welcome"

    def show_notice(self, text: str) -> None:
        """Show ``text`` under the prompt for a few seconds."""
        notice = self.query_one("#swipe-notice", Static)
        notice.update(text)
        notice.add_class("-shown")
        if self._notice_timer is not None:
            self._notice_timer.stop()
        self._notice_timer = self.set_timer(self.config.message_seconds, self.clear_notice)

    def clear_notice(self) -> None:
        """Remove the notice."""
        notice = self.query_one("#swipe-notice", Static)
        notice.update("")
        notice.remove_class("-shown")

    @property
    def notice(self) -> str:
        """The notice on screen now (for tests and the staff view)."""
        return str(self.query_one("#swipe-notice", Static).content)
