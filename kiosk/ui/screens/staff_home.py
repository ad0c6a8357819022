"""Staff mode's first screen: find a customer, and reach the sync queue: :class:`StaffHomeScreen`.

A customer is found by swiping their card here or by typing a name, phone, card or code.
Card numbers in the results show only their last 4 digits (S8). The screen also shows the
reader status and the sync state, so staff can tell why nothing is being sent. It pushes the
customer and queue screens itself (they ``dismiss``); leaving posts a
:class:`~kiosk.ui.messages.SessionEnded`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.domain.edit_rules import EditError
from kiosk.domain.secrets import mask_card
from kiosk.storage.customer_store import Store
from kiosk.storage.staff import search_customers
from kiosk.storage.sync_state import SyncStatus
from kiosk.ui.messages import SessionEnded
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.staff_customer import StaffCustomerScreen
from kiosk.ui.screens.staff_queue import SyncQueueScreen
from kiosk.ui.widgets.inputs import KioskInput
from kiosk.ui.widgets.status_line import StatusLine, queue_text


def customer_label(row: Mapping[str, str | None]) -> str:
    """One search result: name, masked card, phone."""
    name = " ".join(filter(None, (row.get("first_name"), row.get("last_name")))) or "(no name)"
    card = mask_card(row.get("card_number")) or "no card"
    return f"{name}  {card}  {row.get('phone') or ''}".rstrip()


class StaffHomeScreen(KioskScreen[None]):
    """Search, results, and the staff menu."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Leave staff mode", show=False)
    ]

    def __init__(self, store: Store, actor: str) -> None:
        super().__init__(id="staff-home-screen")
        self.store = store
        self.actor = actor
        """Who is logged in (recorded in audit rows)."""

    def compose(self) -> ComposeResult:
        yield StatusLine(staff=True)
        yield Static(f"Staff mode - {self.actor}", classes="title")
        yield Static("Swipe a card, or type a name, phone or card number:", classes="subtitle")
        yield KioskInput(placeholder="Search", id="search")
        yield OptionList(id="results")
        yield Static("", id="staff-reader", classes="info-line")
        yield Static("", id="staff-sync", classes="info-line")
        with Horizontal(classes="actions"):
            yield Button("Sync queue", id="queue", compact=True)
            yield Button("Leave staff mode", id="leave", compact=True)

    def on_mount(self) -> None:
        """Focus the search and follow the reader and sync state."""
        self.query_one("#search", Input).focus()
        self.watch(self.app, "reader_status", self._show_reader, init=True)
        self.watch(self.app, "sync_status", self._show_sync, init=True)

    def _show_reader(self, text: str) -> None:
        self.query_one("#staff-reader", Static).update(f"Reader: {text or 'no report yet'}")

    def _show_sync(self, status: SyncStatus | None) -> None:
        if status is None:
            text = "Sync: status unknown"
        else:
            state = "online" if status.online else "offline"
            last = (status.last_contact_at or "never")[:19].replace("T", " ")
            warn = " - STALE, check the network" if status.stale else ""
            text = f"Sync: {state}, {queue_text(status)}, last contact {last}{warn}"
        self.query_one("#staff-sync", Static).update(text)

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        try:
            rows = search_customers(self.store, event.value)
        except Exception as error:
            self.notify(f"Search failed: {type(error).__name__}", severity="error")
            return
        results = self.query_one("#results", OptionList)
        results.clear_options()
        results.add_options(Option(customer_label(row), id=row["code"]) for row in rows)
        if rows:
            results.highlighted = 0
            results.focus()
        else:
            self.notify("No customer found", severity="warning")

    @on(OptionList.OptionSelected, "#results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.open_customer(event.option.id)

    def open_customer(self, code: str) -> None:
        """Show one customer's staff screen."""
        self.app.push_screen(StaffCustomerScreen(self.store, code, actor=self.actor))

    def take_swipe(self, card_number: str) -> None:
        """A swipe in staff mode looks the customer up instead of starting a customer visit."""
        try:
            customer = self.store.find_customer(card_number)
        except EditError as error:  # the card is shared by two customers (M4b)
            self.notify(str(error), severity="warning")
            return
        except Exception:
            self.notify("Lookup failed", severity="error")
            return
        replaced = self.store.replaced_card(card_number) if customer is None else None
        if replaced is not None and self.store.customer(replaced.code) is not None:
            # An old card: staff may still need its customer (to hand over the new one, say).
            self.notify(f"Card {mask_card(card_number)} was replaced by a newer card")
            self.open_customer(replaced.code)
        elif customer is None:
            self.notify(f"No customer has card {mask_card(card_number)}", severity="warning")
        else:
            self.open_customer(customer["code"])

    @on(Button.Pressed, "#queue")
    def _queue(self) -> None:
        self.app.push_screen(SyncQueueScreen(self.store, actor=self.actor))

    @on(Button.Pressed, "#leave")
    def action_leave(self) -> None:
        """Back to the customer-facing swipe screen."""
        self.post_message(SessionEnded())
