"""The staff PIN prompt: :class:`StaffLoginScreen` (F9 or a staff card on the swipe screen).

The staff PIN is checked against the configured hash (S9). Wrong staff PINs are counted in the
same ``pin_locks`` table as customers', so guessing it locks staff login for a growing time.
A right PIN posts :class:`StaffLoginScreen.Verified`; the app opens staff mode.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Static

from kiosk.storage import pin_locks
from kiosk.storage.customer_store import Store
from kiosk.storage.staff import STAFF_LOCK_KEY, verify_staff_pin
from kiosk.ui.messages import SessionEnded
from kiosk.ui.screens.base import Clock
from kiosk.ui.screens.pin_entry import PinScreenBase
from kiosk.ui.widgets.inputs import PinInput


class StaffLoginScreen(PinScreenBase):
    """Asks for the staff PIN on behalf of ``actor``."""

    @dataclass
    class Verified(Message):
        """The staff PIN was right: staff mode may open."""

        screen: StaffLoginScreen
        actor: str
        """Who logs in (recorded in audit rows)."""

        @property
        def control(self) -> StaffLoginScreen:
            """The login screen."""
            return self.screen

    def __init__(self, store: Store, clock: Clock, actor: str) -> None:
        super().__init__(store, clock, id="staff-login-screen")
        self.actor = actor

    def locked_message(self, seconds: float) -> str:
        """Staff login is locked, not a card (S9)."""
        return (
            f"Too many wrong staff PINs. Staff login is locked for "
            f"{pin_locks.describe_wait(seconds)}."
        )

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
        config = self.config
        db = self.store.db
        try:
            # scrypt in a worker thread: the screen stays live while it runs.
            correct = await asyncio.to_thread(verify_staff_pin, pin, config.staff_pin_hash)
            now = self.clock()
            if correct:
                pin_locks.record_success(db, STAFF_LOCK_KEY)
            else:
                state = pin_locks.record_failure(
                    db,
                    STAFF_LOCK_KEY,
                    now=now,
                    max_tries=config.pin_max_tries,
                    base_seconds=config.pin_lock_seconds,
                )
        except Exception as error:
            self.end_check()
            if self.is_current:
                self.report_failure(error)
            return
        self.end_check()
        if not self.is_current:
            return
        if correct:
            self.post_message(self.Verified(self, self.actor))
        elif state.is_locked(now):
            self.post_message(SessionEnded(self.locked_message(state.remaining(now))))
        else:
            self.set_error("Wrong staff PIN.")
