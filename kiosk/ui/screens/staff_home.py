"""Staff mode's first screen: find a customer, and reach the sync queue: :class:`StaffHomeScreen`.

A customer is found by swiping their card here or, without the card, by typing the last 4
digits of the card, part of a phone number or part of a name (``Store.search_customers``).
Card numbers in the results show only their last 4 digits (S8). A swiped card nobody has can be
registered on the spot or linked to an existing customer: after "Link", the next customer
chosen from the results gets the card, once staff confirm (their old card stops working). The
screen also shows the reader status and the sync state, so staff can tell why nothing is being
sent. It pushes the customer and queue screens itself (they ``dismiss``); leaving posts a
:class:`~kiosk.ui.messages.SessionEnded`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.domain.edit_rules import EditError
from kiosk.domain.secrets import mask_card
from kiosk.storage.customer_store import CustomerMatch, Store
from kiosk.storage.staff import staff_edit
from kiosk.storage.sync_state import SyncStatus
from kiosk.ui.messages import QueueChanged, SessionEnded
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.screens.register import RegisterScreen
from kiosk.ui.screens.staff_customer import StaffCustomerScreen
from kiosk.ui.screens.staff_queue import SyncQueueScreen
from kiosk.ui.screens.unknown_card import UnknownCardChoice, UnknownCardScreen
from kiosk.ui.widgets.inputs import KioskInput
from kiosk.ui.widgets.status_line import StatusLine, queue_text


def match_label(match: CustomerMatch) -> str:
    """One search result: name, masked card, phone hint."""
    return f"{match.name or '(no name)'}  {match.masked_card or 'no card'}  {match.phone_hint}"


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
        self.link_card: str | None = None
        """A swiped card nobody has, to give to the next customer chosen (after "Link")."""

    def compose(self) -> ComposeResult:
        yield StatusLine(staff=True)
        yield Static(f"Staff mode - {self.actor}", classes="title")
        yield Static(
            "Swipe a card, or type a name, part of a phone, or the card's last 4 digits:",
            id="search-prompt",
            classes="subtitle",
        )
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
            matches = self.store.search_customers(event.value)
        except Exception as error:
            self.notify(f"Search failed: {type(error).__name__}", severity="error")
            return
        results = self.query_one("#results", OptionList)
        results.clear_options()
        results.add_options(Option(match_label(m).rstrip(), id=m.code) for m in matches)
        if matches:
            results.highlighted = 0
            results.focus()
        else:
            self.notify("No customer found", severity="warning")

    @on(OptionList.OptionSelected, "#results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        if self.link_card is not None:
            self.confirm_link(event.option.id, self.link_card)
        else:
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
            self.app.push_screen(
                UnknownCardScreen(card_number),
                lambda choice: self._unknown_card(card_number, choice),
            )
        else:
            self.open_customer(customer["code"])

    def _unknown_card(self, card_number: str, choice: UnknownCardChoice | None) -> None:
        if choice == "register":
            self.app.push_screen(RegisterScreen(self.store, card_number, staff_actor=self.actor))
        elif choice == "link":
            self.link_card = card_number
            self.query_one("#search-prompt", Static).update(
                f"Link card {mask_card(card_number)}: find the customer, then choose them."
            )
            self.query_one("#search", Input).focus()

    @work(exclusive=True, group="staff-action")
    async def confirm_link(self, code: str, card_number: str) -> None:
        """Ask, then give the customer ``code`` the swiped card (their old card stops working)."""
        customer = self.store.customer(code)
        if customer is None:
            return
        name = " ".join(filter(None, (customer["first_name"], customer["last_name"])))
        old = customer["card_number"]
        stops = f" The card {mask_card(old)} will stop working." if old else ""
        question = f"Give {name or 'this customer'} the card {mask_card(card_number)}?{stops}"
        if not await self.app.push_screen_wait(ConfirmScreen(question, yes="Link card")):
            return
        detail = f"card {mask_card(card_number)} linked"
        try:
            staff_edit(
                self.store,
                {"code": code, "card_number": card_number},
                actor=self.actor,
                action="card.link",
                detail=detail,
            )
        except EditError as refused:
            self.notify(str(refused), severity="error")
            return
        except Exception as failure:
            self.report_failure(failure)
            return
        self.link_card = None
        self.query_one("#search-prompt", Static).update(
            "Swipe a card, or type a name, part of a phone, or the card's last 4 digits:"
        )
        self.post_message(QueueChanged())
        self.notify(f"Card {mask_card(card_number)} linked to {name}")
        self.open_customer(code)

    @on(Button.Pressed, "#queue")
    def _queue(self) -> None:
        self.app.push_screen(SyncQueueScreen(self.store, actor=self.actor))

    @on(Button.Pressed, "#leave")
    def action_leave(self) -> None:
        """Back to the customer-facing swipe screen."""
        self.post_message(SessionEnded())
