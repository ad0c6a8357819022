"""The top line of every screen: store name, sync indicator and clock.

Provides :class:`StatusLine`, :func:`sync_text` and :func:`queue_text`. The sync indicator shows
"Online" or "Offline"; on staff screens it adds the queue in the words every staff screen uses
(:func:`queue_text`: "2 waiting, 1 needs attention"), customers never see queue jargon. It
follows the app's ``sync_status``
reactive, which the app reads from the database on a timer, and the clock follows the app's
``wall_time`` reactive, which the app moves once a second (one timer for every screen). Colour
is never the only signal: the words say it too.
"""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kiosk.storage.sync_state import SyncStatus
from kiosk.ui.config import current_config


def queue_text(status: SyncStatus) -> str:
    """The queue in the words of every staff screen: "2 waiting, 1 needs attention"."""
    parts = []
    if status.pending:
        parts.append(f"{status.pending} waiting")
    if status.attention:
        verb = "needs" if status.attention == 1 else "need"
        parts.append(f"{status.attention} {verb} attention")
    return ", ".join(parts) or "nothing waiting"


def sync_text(status: SyncStatus | None, *, staff: bool = False) -> tuple[str, bool]:
    """The indicator text for a sync status (with the queue for ``staff``) and whether online."""
    if status is None:
        return "Offline", False
    state = "Online" if status.online else "Offline"
    if staff and (status.pending or status.attention):
        state = f"{state} - {queue_text(status)}"
    return state, bool(status.online)


class StatusLine(Horizontal):
    """Store name on the left, sync state in the middle, clock on the right.

    Widgets are updated only when their text changes: the sync status is read every couple of
    seconds and the clock ticks every second, and each update would otherwise ask for a layout
    and repaint of the whole screen (a swipe arriving then would wait for it).
    """

    def __init__(self, *, staff: bool = False) -> None:
        super().__init__()
        self.staff = staff
        """On a staff screen: the indicator shows the queue too."""
        self._sync_shown: tuple[str, bool] | None = None
        self._clock_shown = ""

    def compose(self) -> ComposeResult:
        yield Static(current_config().store_name, id="store-name")
        yield Static("", id="sync-indicator")
        yield Static("", id="clock")

    def on_mount(self) -> None:
        """Follow the sync status and the app's clock."""
        self.watch(self.app, "sync_status", self._show_sync, init=True)
        self.watch(self.app, "wall_time", self._show_time, init=True)

    def _show_sync(self, status: SyncStatus | None) -> None:
        shown = sync_text(status, staff=self.staff)
        if shown == self._sync_shown:
            return
        self._sync_shown = shown
        text, online = shown
        indicator = self.query_one("#sync-indicator", Static)
        indicator.update(text)  # width: auto, so this one may change the layout
        indicator.set_class(online, "-online")
        indicator.set_class(not online, "-offline")

    def _show_time(self, seconds: float) -> None:
        text = dt.datetime.fromtimestamp(seconds).strftime("%H:%M")
        if text != self._clock_shown:
            self._clock_shown = text
            # The clock has a fixed width: a new minute needs a repaint, never a layout.
            self.query_one("#clock", Static).update(text, layout=False)
