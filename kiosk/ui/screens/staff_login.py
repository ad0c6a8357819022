"""The staff PIN prompt: :class:`StaffLoginScreen` (F9 or a staff card on the swipe screen).

The staff PIN is checked against the configured hash (S9). Wrong staff PINs are counted in the
same ``pin_locks`` table as customers', so guessing it locks staff login for a growing time.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.storage import pin_locks
from kiosk.storage.staff import STAFF_LOCK_KEY, verify_staff_pin
from kiosk.ui import flow
from kiosk.ui.screens.pin_entry import PinScreenBase
from kiosk.ui.widgets.inputs import PinInput
from kiosk.ui.widgets.keypad import Keypad


class StaffLoginScreen(PinScreenBase):
    """Asks for the staff PIN; opens staff mode as ``actor``."""

    def __init__(self, actor: str) -> None:
        super().__init__(id="staff-login-screen")
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield self.status_line()
        with Vertical(classes="pin-body"):
            yield Static("Staff", classes="title")
            yield Static("Enter the staff PIN, then press Enter", classes="subtitle")
            with Center():
                yield PinInput(placeholder="Staff PIN", id="pin")
            yield Static("", id="pin-error", classes="error-line")
            with Center():
                yield Keypad()
        with Horizontal(classes="actions"):
            yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        """Focus the PIN field."""
        self.query_one("#pin", PinInput).focus()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#pin")
    def _submit(self, event: Input.Submitted) -> None:
        pin = event.value
        self.query_one("#pin", PinInput).value = ""
        if not pin:
            return
        app = self.kiosk
        db = app.store.db
        now = app.clock()
        try:
            state = pin_locks.lock_state(db, STAFF_LOCK_KEY)
            if state.is_locked(now):
                app.start_over(flow.locked_message(state.remaining(now)))
                return
            if verify_staff_pin(pin, app.config.staff_pin_hash):
                pin_locks.record_success(db, STAFF_LOCK_KEY)
                app.enter_staff(self.actor)
                return
            state = pin_locks.record_failure(
                db,
                STAFF_LOCK_KEY,
                now=now,
                max_tries=app.config.pin_max_tries,
                base_seconds=app.config.pin_lock_seconds,
            )
        except Exception as error:
            app.fail(error)
            return
        if state.is_locked(now):
            app.start_over(flow.locked_message(state.remaining(now)))
            return
        self.set_error("Wrong staff PIN.")
