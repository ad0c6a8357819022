"""The sync queue in staff mode: :class:`SyncQueueScreen`.

Lists the changes that need attention (S6) first, then those waiting, each with its customer
(name and masked card), what it changes in words and where it stands (:mod:`kiosk.ui.queue_words`).
The list and its counts follow the app's ``sync_status`` (read every couple of seconds and after
every queue change, off the event loop). Each time it arrives the list and its counts are read in
one snapshot (:func:`kiosk.storage.queue_view.read_queue_view`); when the status is older than
that snapshot (it was read before the latest change) the screen asks for a fresh one and changes
nothing meanwhile, so the title, the list and the top line change together and always agree.

Staff can send a needs-attention entry again, or discard an entry with a reason; both are
audited by the outbox with the staff identity. Discarding a registration says that the later
changes of that customer depend on it and discards them with it. Nothing secret is shown (S8).
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.storage.customer_store import Store
from kiosk.storage.outbox import OutboxEntry
from kiosk.storage.queue_view import QueueView, read_queue_view
from kiosk.storage.records import CustomerName
from kiosk.storage.sync_state import SyncStatus
from kiosk.ui.messages import QueueChanged
from kiosk.ui.queue_words import (
    Vocabulary,
    describe_change,
    discard_question,
    state_words,
    who,
)
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.widgets.inputs import KioskInput
from kiosk.ui.widgets.status_line import StatusLine, queue_text

SHOWN_ENTRIES = 200
"""Entries listed at most per state; ``kiosk outbox list`` shows everything."""
STALE_STATUS_WAITS = 3
"""Fresh statuses asked for in a row while the queue keeps moving faster than they arrive (a
fast drain); then the list is shown with its own snapshot's counts, and the top line follows at
the next status read."""


class SyncQueueScreen(KioskScreen[None]):
    """The outbox for staff: retry or discard."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", show=False)]

    def __init__(self, store: Store, *, actor: str) -> None:
        super().__init__(id="sync-queue-screen")
        self.store = store
        self.actor = actor
        """Who is logged in (recorded in audit rows)."""
        self.entries: dict[str, OutboxEntry] = {}
        self.names: dict[str, CustomerName] = {}
        self._held: set[str] = set()
        self._shown: tuple[tuple[object, ...], ...] = ()
        self._stale_statuses = 0

    def compose(self) -> ComposeResult:
        yield StatusLine(staff=True)
        yield Static("Sync queue", id="queue-title", classes="title")
        yield OptionList(id="entries")
        yield Static("", id="entry-detail", classes="info-line")
        yield KioskInput(placeholder="Reason (needed to discard)", id="reason")
        with Horizontal(classes="actions"):
            yield Button("Retry", id="retry", compact=True)
            yield Button("Discard", id="discard", compact=True)
            yield Button("Back", id="back", compact=True)

    def on_mount(self) -> None:
        """Follow the sync status: the list is re-read whenever it is."""
        self.watch(self.app, "sync_status", self._status_read, init=True)
        self.query_one("#entries", OptionList).focus()

    def _status_read(self, status: SyncStatus | None) -> None:
        view = read_queue_view(self.store.outbox, limit=SHOWN_ENTRIES)
        if status is not None and (status.pending, status.attention) != (
            view.pending,
            view.attention,
        ):
            if self._stale_statuses < STALE_STATUS_WAITS:
                self._stale_statuses += 1
                self.post_message(QueueChanged())  # the app reads the status again
                return
            status = replace(status, pending=view.pending, attention=view.attention)
        self._stale_statuses = 0
        title = "Sync queue" if status is None else f"Sync queue - {queue_text(status)}"
        self.query_one("#queue-title", Static).update(title)
        self.reload(view)

    def words(self) -> Vocabulary:
        """The account's campaigns and fields, for :func:`describe_change`."""
        return Vocabulary(
            campaigns={c.campaign_id: c for c in self.store.campaigns()},
            custom_fields={d.field_id: d for d in self.store.custom_fields()},
            custom_date_label=self.config.custom_date_label,
        )

    def reload(self, view: QueueView) -> None:
        """Show the entries of ``view``; the list is rebuilt only when they changed."""
        found = list(view.entries)
        shown = tuple(
            (e.entry_id, e.state, e.attempts, e.last_error, e.in_doubt, e.customer_code)
            for e in found
        )
        if shown == self._shown:
            return
        self._shown = shown
        self.entries = {entry.entry_id: entry for entry in found}
        self.names = self.store.customer_names({e.customer_code for e in found})
        self._held = {e.customer_code for e in found if e.state == "attention"}
        options = self.query_one("#entries", OptionList)
        keep = self.selected()
        words = self.words()
        options.clear_options()
        options.add_options(Option(self._label(e, words), id=e.entry_id) for e in found)
        if not found:
            self.query_one("#entry-detail", Static).update("Nothing is waiting.")
            return
        ids = [e.entry_id for e in found]
        options.highlighted = ids.index(keep.entry_id) if keep and keep.entry_id in ids else 0
        self._show()

    def _who(self, entry: OutboxEntry) -> str:
        name = self.names.get(entry.customer_code)
        if name is None:
            return who("", entry.request.get("card_number"))
        return who(name.full_name, name.card_number)

    def _state(self, entry: OutboxEntry) -> tuple[str, str]:
        held = entry.state == "pending" and entry.customer_code in self._held
        return state_words(entry, held_back=held)

    def _label(self, entry: OutboxEntry, words: Vocabulary) -> str:
        tag, _sentence = self._state(entry)
        return f"{tag:<9} {self._who(entry)}: {describe_change(entry, words)}"

    def selected(self) -> OutboxEntry | None:
        """The highlighted entry."""
        options = self.query_one("#entries", OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        return self.entries.get(option_id or "")

    @on(OptionList.OptionHighlighted, "#entries")
    def _show(self) -> None:
        entry = self.selected()
        if entry is not None:
            when = entry.created_at[:16].replace("T", " ")
            _tag, sentence = self._state(entry)
            self.query_one("#entry-detail", Static).update(f"Queued {when} UTC. {sentence}.")

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
        self.post_message(QueueChanged())

    @on(Button.Pressed, "#discard")
    def _discard(self) -> None:
        self.confirm_discard()

    @work(exclusive=True, group="staff-action")
    async def confirm_discard(self) -> None:
        """Ask, stating the consequence, then discard the highlighted entry (and the entries
        that depend on it) with the typed reason."""
        entry = self.selected()
        reason_input = self.query_one("#reason", Input)
        reason = reason_input.value.strip()
        if entry is None:
            return
        if not reason:
            self.notify("Type the reason first", severity="warning")
            reason_input.focus()
            return
        dependants = self.store.outbox.dependants(entry.entry_id)
        question = discard_question(entry, self._who(entry), dependants, self.words())
        yes = "Discard all" if dependants else "Discard"
        if not await self.app.push_screen_wait(ConfirmScreen(question, yes=yes)):
            return
        try:
            self.store.outbox.discard(
                entry.entry_id, reason=reason, actor=self.actor, with_dependants=bool(dependants)
            )
        except Exception as error:
            self.notify(f"Could not discard: {error}", severity="error")
            return
        reason_input.value = ""
        count = len(dependants) + 1
        self.notify("Discarded" if count == 1 else f"Discarded {count} changes")
        self.post_message(QueueChanged())

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """Back to the staff menu."""
        self.dismiss()
