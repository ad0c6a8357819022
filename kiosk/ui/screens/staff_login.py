"""The staff PIN prompt: :class:`StaffLoginScreen` (F9 or a staff card on the swipe screen).

The staff PIN is checked against the configured hash (S9). Wrong staff PINs are counted in the
same ``pin_locks`` table as customers', so guessing it locks staff login for a growing time.
"""

from __future__ import annotations

import asyncio

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from kiosk.storage import pin_locks
from kiosk.storage.staff import STAFF_LOCK_KEY, verify_staff_pin
from kiosk.ui import flow
from kiosk.ui.screens.pin_entry import PinScreenBase
from kiosk.ui.widgets.inputs import PinInput


class StaffLoginScreen(PinScreenBase):
    """Asks for the staff PIN; opens staff mode as ``actor``."""

    def __init__(self, actor: str) -> None:
        super().__init__(id="staff-login-screen")
        self.actor = actor

    def compose(self) -> ComposeResult:
        return self.compose_pin_layout(
            Static("Staff", classes="title"),
            "Enter the staff PIN, then press Enter",
            (PinInput(placeholder="Staff PIN", id="pin"),),
        )

    def on_mount(self) -> None:
        """Focus the PIN field."""
        self.query_one("#pin", PinInput).focus()

    @on(Input.Submitted, "#pin")
    def _submit(self, event: Input.Submitted) -> None:
        pin = self.take_pin(event)
        if pin is not None:
            self.check_unless_locked(STAFF_LOCK_KEY, lambda: self._check(pin))

    async def _check(self, pin: str) -> None:
        app = self.kiosk
        db = app.store.db
        try:
            # scrypt in a worker thread: the screen stays live while it runs.
            correct = await asyncio.to_thread(verify_staff_pin, pin, app.config.staff_pin_hash)
            now = app.clock()
            if correct:
                pin_locks.record_success(db, STAFF_LOCK_KEY)
            else:
                state = pin_locks.record_failure(
                    db,
                    STAFF_LOCK_KEY,
                    now=now,
                    max_tries=app.config.pin_max_tries,
                    base_seconds=app.config.pin_lock_seconds,
                )
        except Exception as error:
            self.end_check()
            if self.is_current:
                app.fail(error)
            return
        self.end_check()
        if not self.is_current:
            return
        if correct:
            app.enter_staff(self.actor)
        elif state.is_locked(now):
            app.start_over(flow.locked_message(state.remaining(now)))
        else:
            self.set_error("Wrong staff PIN.")
