"""The sync queue in staff mode: :class:`SyncQueueScreen`.

Lists entries that need attention (S6) first, then those waiting. Staff can send a
needs-attention entry again, or discard an entry with a reason; both are audited by
:mod:`kiosk.storage.outbox` with the staff identity. Requests are shown with PINs and passwords
replaced by ``***`` and card numbers masked (S8).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.domain.secrets import mask_card
from kiosk.storage.customer_store import Store
from kiosk.storage.outbox import OutboxEntry
from kiosk.ui.messages import QueueChanged
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.widgets.inputs import KioskInput
from kiosk.ui.widgets.status_line import StatusLine

SHOWN_ENTRIES = 200
"""Entries listed at most per state; the CLI shows everything."""
CARD_FIELDS = ("card_number", "code")


def entry_label(entry: OutboxEntry) -> str:
    """One line per entry: state, customer (masked), fields asked for."""
    fields = ", ".join(sorted(entry.request))
    state = "NEEDS ATTENTION" if entry.state == "attention" else "waiting"
    return f"{state}  {mask_card(entry.customer_code)}  {fields}"


def entry_detail(entry: OutboxEntry) -> str:
    """The request and its last error, safe to show (S8)."""
    shown = {
        name: (mask_card(value) if name in CARD_FIELDS else value)
        for name, value in entry.safe_request().items()
    }
    request = " ".join(f"{name}={value}" for name, value in sorted(shown.items()))
    error = f"\nProblem: {entry.last_error}" if entry.last_error else ""
    return f"{entry.created_at[:19].replace('T', ' ')} tries {entry.attempts}: {request}{error}"


class SyncQueueScreen(KioskScreen[None]):
    """The outbox for staff: retry or discard."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", show=False)]

    def __init__(self, store: Store, *, actor: str) -> None:
        super().__init__(id="sync-queue-screen")
        self.store = store
        self.actor = actor
        """Who is logged in (recorded in audit rows)."""
        self.entries: dict[str, OutboxEntry] = {}

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static("Sync queue", classes="title")
        yield OptionList(id="entries")
        yield Static("", id="entry-detail", classes="info-line")
        yield KioskInput(placeholder="Reason (needed to discard)", id="reason")
        with Horizontal(classes="actions"):
            yield Button("Retry", id="retry", compact=True)
            yield Button("Discard", id="discard", compact=True)
            yield Button("Back", id="back", compact=True)

    def on_mount(self) -> None:
        """Load the entries."""
        self.reload()
        self.query_one("#entries", OptionList).focus()

    def reload(self) -> None:
        """Read the queue again."""
        queue = self.store.outbox
        found = queue.entries(state="attention", limit=SHOWN_ENTRIES) + queue.entries(
            state="pending", limit=SHOWN_ENTRIES
        )
        self.entries = {entry.entry_id: entry for entry in found}
        options = self.query_one("#entries", OptionList)
        options.clear_options()
        options.add_options(Option(entry_label(e), id=e.entry_id) for e in found)
        if found:
            options.highlighted = 0
        else:
            self.query_one("#entry-detail", Static).update("Nothing is waiting.")

    def selected(self) -> OutboxEntry | None:
        """The highlighted entry."""
        options = self.query_one("#entries", OptionList)
        if options.highlighted is None:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        return self.entries.get(option_id or "")

    @on(OptionList.OptionHighlighted, "#entries")
    def _show(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.query_one("#entry-detail", Static).update(entry_detail(entry))

    @on(Button.Pressed, "#retry")
    def _retry(self) -> None:
        entry = self.selected()
        if entry is None or entry.state != "attention":
            self.notify("Only an entry that needs attention can be retried", severity="warning")
            return
        try:
            self.store.outbox.retry(entry.entry_id, actor=self.actor)
        except Exception as error:
            self.notify(f"Could not retry: {error}", severity="error")
            return
        self.notify("It will be sent again")
        self.reload()
        self.post_message(QueueChanged())

    @on(Button.Pressed, "#discard")
    def _discard(self) -> None:
        self.confirm_discard()

    @work(exclusive=True, group="staff-action")
    async def confirm_discard(self) -> None:
        """Ask, then discard the highlighted entry with the typed reason."""
        entry = self.selected()
        reason_input = self.query_one("#reason", Input)
        reason = reason_input.value.strip()
        if entry is None:
            return
        if not reason:
            self.notify("Type the reason first", severity="warning")
            reason_input.focus()
            return
        question = "Discard this change? It will never reach the central system."
        if not await self.app.push_screen_wait(ConfirmScreen(question, yes="Discard")):
            return
        try:
            self.store.outbox.discard(
                entry.entry_id,
                reason=reason,
                actor=self.actor,
            )
        except Exception as error:
            self.notify(f"Could not discard: {error}", severity="error")
            return
        reason_input.value = ""
        self.notify("Discarded")
        self.reload()
        self.post_message(QueueChanged())

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """Back to the staff menu."""
        self.dismiss()
