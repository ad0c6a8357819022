"""Setting a PIN, typed twice: :class:`ChoosePinScreen`.

Four purposes (:data:`PinPurpose`): the last step of a registration (the new customer is saved
together with the PIN, in one edit, so that giving up here leaves no card without a PIN), a
customer registered on this kiosk who has none yet, a change from the home screen, and a new PIN
staff set after checking who the customer is (S9: audited with the staff identity, never the
PIN). The PIN is hashed (scrypt)
in a worker thread; the screen says what happened with :class:`ChoosePinScreen.Chosen` or
:class:`ChoosePinScreen.Cancelled`, and the app decides what comes next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Static

from kiosk.domain.edit_rules import EditError
from kiosk.storage import pin_locks
from kiosk.storage.customer_store import Store
from kiosk.storage.records import AuditNote
from kiosk.ui.background import apply_edit_off_thread
from kiosk.ui.screens.base import Clock
from kiosk.ui.screens.pin_entry import PinScreenBase
from kiosk.ui.widgets.inputs import PinInput
from kiosk.ui.wording import NOT_SAVED, value_problem

PinPurpose = Literal["register", "first", "change", "staff"]
"""Why a PIN is chosen: to finish a registration, for a customer without one, to change it, or
set by staff for a customer whose identity they checked."""
STAFF_PIN_DETAIL = "new PIN set by staff after checking the customer's identity"
"""The audit detail of a PIN set by staff (the PIN itself is never recorded)."""
NOT_REGISTERED = "Sorry, this card could not be registered. Please ask staff for help."
"""A registration the store refused at the last step (the card was registered meanwhile)."""
MISMATCH = "The two PINs are not the same. Please choose again."


class ChoosePinScreen(PinScreenBase):
    """Sets a new PIN, typed twice; see the module docstring."""

    @dataclass
    class Chosen(Message):
        """The new PIN is saved (with the new customer, for a registration)."""

        screen: ChoosePinScreen
        code: str
        """The customer whose PIN it is."""

        @property
        def control(self) -> ChoosePinScreen:
            """The screen the PIN was chosen on."""
            return self.screen

    @dataclass
    class Cancelled(Message):
        """The customer gave up choosing a PIN (Escape or Cancel); nothing was saved."""

        screen: ChoosePinScreen

        @property
        def control(self) -> ChoosePinScreen:
            """The screen that was cancelled."""
            return self.screen

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        purpose: PinPurpose,
        code: str = "",
        first_name: str = "",
        registration: Mapping[str, str] | None = None,
        staff_actor: str = "",
    ) -> None:
        """Args:
        purpose: see :data:`PinPurpose`.
        code: the customer (not for ``register``: it does not exist yet).
        first_name: for the greeting that follows.
        registration: for ``register``, the new customer's fields (card number included).
        staff_actor: for ``staff``, who is setting it (recorded in the audit row).
        """
        super().__init__(store, clock, id="choose-pin-screen")
        self.purpose: PinPurpose = purpose
        self.code = code
        self.first_name = first_name
        self.registration = dict(registration or {})
        self.staff_actor = staff_actor

    def compose(self) -> ComposeResult:
        title = "Change your PIN" if self.purpose == "change" else "Choose a PIN"
        if self.purpose == "staff":
            title = f"New PIN for {self.first_name or 'this customer'}"
        hint = "4 to 8 digits, then Enter. Then type it again."
        if self.purpose == "register":
            hint = "Last step: " + hint[0].lower() + hint[1:]
        return self.compose_pin_layout(
            Static(title, classes="title"),
            hint,
            (
                PinInput(placeholder="New PIN", id="pin-new"),
                PinInput(placeholder="Same PIN again", id="pin-again"),
            ),
        )

    def on_mount(self) -> None:
        """Focus the first PIN field."""
        self.query_one("#pin-new", PinInput).focus()

    def action_cancel(self) -> None:
        """Escape or Cancel: say so; the app decides where that leads."""
        self.post_message(self.Cancelled(self))

    def _pin_problem(self, pin: str) -> str | None:
        return value_problem("customer_PIN", pin, label="PIN")

    @on(Input.Submitted, "#pin-new")
    def _first(self, event: Input.Submitted) -> None:
        problem = self._pin_problem(event.value)
        if problem:
            self.set_error(problem)
            self.query_one("#pin-new", PinInput).value = ""
            return
        self.set_error("")
        self.query_one("#pin-again", PinInput).focus()

    @on(Input.Submitted, "#pin-again")
    def _second(self, event: Input.Submitted) -> None:
        first = self.query_one("#pin-new", PinInput)
        pin, again = first.value, event.value
        first.value = ""
        self.query_one("#pin-again", PinInput).value = ""
        first.focus()
        if self.checking:
            return
        problem = self._pin_problem(pin)
        if problem:
            self.set_error(problem)
            return
        if pin != again:
            self.set_error(MISMATCH)
            return
        self.begin_check("Saving your PIN...")
        self.app.run_worker(self._save(pin), group="pin-save", exit_on_error=False)

    async def _save(self, pin: str) -> None:
        if self.purpose == "register":
            # Only the card number identifies the new customer (rule M4d creates it), and the
            # PIN comes in the same edit: there is never a registered card without a PIN.
            request = {**self.registration, "customer_PIN": pin}
        else:
            request = {"code": self.code, "customer_PIN": pin}
        try:
            # Hashing the new PIN (scrypt) happens inside apply_edit: off the UI thread.
            audit = None
            if self.purpose == "staff":
                audit = AuditNote(self.staff_actor, "customer.pin_reset", STAFF_PIN_DETAIL)
            result = await apply_edit_off_thread(self.store, request, audit=audit)
            self.code = result.plan.code
            pin_locks.record_success(self.store.db, self.code)
        except EditError:
            self.end_check()
            self.set_error(NOT_REGISTERED if self.purpose == "register" else NOT_SAVED)
            return
        except Exception as error:
            self.end_check()
            if self.is_current:
                self.report_failure(error)
            return
        self.end_check()
        if self.is_current:
            self.post_message(self.Chosen(self, self.code))
