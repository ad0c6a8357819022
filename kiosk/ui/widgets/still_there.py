"""The inactivity warning: :class:`StillThere`, "Still there? 10 s", over whatever screen is up.

The app mounts it on the current screen for the last seconds before the inactivity reset and
updates it once a second (:class:`kiosk.ui.idle.IdleTimer`); any key takes it down. It floats
over the screen's own layout, so no screen has to leave room for it.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Static


def still_there_text(seconds: int) -> str:
    """The warning for ``seconds`` left."""
    return f"Still there? {seconds} s\nPress any key to continue."


class StillThere(Static):
    """The countdown banner."""

    DEFAULT_CSS = """
    StillThere {
        overlay: screen;
        dock: top;
        offset: 0 9;
        margin: 0 18;
        width: 44;
        height: auto;
        padding: 1 2;
        border: double ansi_bright_yellow;
        background: ansi_black;
        color: ansi_bright_yellow;
        text-style: bold;
        text-align: center;
    }
    """

    def __init__(self, seconds: int) -> None:
        super().__init__(still_there_text(seconds), id="still-there")
        self.seconds = seconds
        """The seconds shown now."""

    def show(self, seconds: int) -> None:
        """Count down to ``seconds``."""
        if seconds != self.seconds:
            self.seconds = seconds
            self.update(still_there_text(seconds))

    @classmethod
    def follow(
        cls, screen: Screen[object], banner: StillThere | None, seconds: int | None
    ) -> StillThere | None:
        """Show ``seconds`` on ``screen`` (``None``: take the warning down); returns the banner
        now up. A banner left on another screen (the screen changed under the warning) moves."""
        if banner is not None and (seconds is None or banner.parent is not screen):
            banner.remove()
            banner = None
        if seconds is None:
            return None
        if banner is None:
            banner = cls(seconds)
            screen.mount(banner)
        else:
            banner.show(seconds)
        return banner
