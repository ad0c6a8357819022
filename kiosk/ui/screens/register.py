"""Registering an unknown card: :class:`RegisterOfferScreen` then :class:`RegisterScreen`.

The form is short (name, phone, e-mail; "More details" shows the rest). Nothing is saved here:
the checked details go on to the PIN step (:mod:`kiosk.ui.screens.choose_pin`), which saves the
customer and the PIN in one edit, so a card is never registered without a PIN. The screens post
:class:`RegisterOfferScreen.Accepted` and :class:`RegisterScreen.DetailsEntered`; the app shows
the next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from kiosk.domain.fields import PROFILE_FIELDS
from kiosk.domain.secrets import mask_card
from kiosk.storage.customer_store import Store
from kiosk.ui.messages import SessionEnded
from kiosk.ui.screens.base import ArrowButtons, KioskScreen
from kiosk.ui.widgets.customer_form import SHORT_FIELDS, CustomerForm
from kiosk.ui.widgets.status_line import StatusLine

MORE_FIELDS: tuple[str, ...] = tuple(
    name for name in PROFILE_FIELDS if name not in SHORT_FIELDS and name != "customer_username"
)
"""Optional fields behind "More details" (the username is an API-only field, M11)."""


class RegisterOfferScreen(ArrowButtons, KioskScreen[None]):
    """Tells the customer the card is new and offers to register it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ArrowButtons.BINDINGS,
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    @dataclass(repr=False)
    class Accepted(Message):
        """The customer wants to register the card."""

        screen: RegisterOfferScreen
        card_number: str
        """The card to register (never shown whole)."""

        @property
        def control(self) -> RegisterOfferScreen:
            """The offer screen."""
            return self.screen

    def __init__(self, card_number: str) -> None:
        super().__init__(id="register-offer-screen")
        self.card_number = card_number

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Vertical(classes="center-body"):
            yield Static("This card is not registered yet", classes="title")
            yield Static(f"Card {mask_card(self.card_number)}", classes="subtitle")
            yield Static("Register it now to start collecting rewards?", classes="subtitle")
            with Horizontal(classes="actions"):
                yield Button("Register", id="register", variant="primary", compact=True)
                yield Button("No, thanks", id="cancel", compact=True)

    def on_mount(self) -> None:
        """Focus "Register"."""
        self.query_one("#register", Button).focus()

    @on(Button.Pressed, "#register")
    def _register(self) -> None:
        self.post_message(self.Accepted(self, self.card_number))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Back to the swipe screen."""
        self.post_message(SessionEnded())


class RegisterScreen(KioskScreen[None]):
    """The registration form."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    @dataclass(repr=False)
    class DetailsEntered(Message):
        """The form is filled in and valid (nothing is saved yet: the PIN comes first)."""

        screen: RegisterScreen
        registration: dict[str, str]
        """The new customer's fields, the card number included: the edit to apply."""

        @property
        def control(self) -> RegisterScreen:
            """The registration screen."""
            return self.screen

    def __init__(self, store: Store, card_number: str, *, staff_actor: str | None = None) -> None:
        super().__init__(id="register-screen")
        self.store = store
        self.card_number = card_number
        self.staff_actor = staff_actor
        """Staff register the card at the counter (staff mode): Cancel goes back to staff
        mode, and the app saves the customer without a PIN (they type one with staff after)."""

    def compose(self) -> ComposeResult:
        yield StatusLine()
        title = "Register a new customer" if self.staff_actor else "Register your card"
        yield Static(title, classes="title")
        yield Static("", id="form-error", classes="error-line")
        yield CustomerForm(SHORT_FIELDS, self.store.custom_fields(), more_fields=MORE_FIELDS)
        with Horizontal(classes="actions"):
            yield Button("Next", id="next", variant="primary", compact=True)
            yield Button("More details", id="more", compact=True)
            yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        """Start in the first name."""
        self.query_one("#field-first_name").focus()

    @on(Button.Pressed, "#more")
    def _more(self) -> None:
        self.query_one(CustomerForm).show_more()
        self.query_one("#more", Button).display = False
        self.query_one(f"#field-{MORE_FIELDS[0]}").focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Escape: nothing is saved."""
        if self.staff_actor is not None:
            self.dismiss()
        else:
            self.post_message(SessionEnded())

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        form = self.query_one(CustomerForm)
        values = form.check()
        if values is None:
            return
        if not values.get("first_name"):
            form.show_errors({"first_name": "Please enter your first name"})
            return
        self.post_message(self.DetailsEntered(self, {"card_number": self.card_number, **values}))
