"""PIN screens: :class:`PinEntryScreen` (check a PIN) and :class:`ChoosePinScreen` (set one).

PINs are typed into masked inputs (keyboard, numeric keypad or the on-screen keypad), checked
against the stored salted hash (S9) and never displayed. Wrong PINs are counted in the database
(:mod:`kiosk.storage.pin_locks`), so the lock survives a restart.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.domain.edit_rules import EditError
from kiosk.domain.fields import field_problem
from kiosk.storage import pin_locks
from kiosk.ui import flow
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.inputs import PinInput
from kiosk.ui.widgets.keypad import Keypad
from kiosk.ui.widgets.status_line import StatusLine


class PinScreenBase(KioskScreen[None]):
    """Shared layout and keypad handling of the PIN screens."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def status_line(self) -> StatusLine:
        """The top line."""
        return StatusLine()

    def set_error(self, text: str) -> None:
        """Show (or clear) the message under the PIN fields."""
        self.query_one("#pin-error", Static).update(text)

    @on(Keypad.Pressed)
    async def _keypad(self, event: Keypad.Pressed) -> None:
        target = self.focused if isinstance(self.focused, PinInput) else None
        target = target or self.query(PinInput).first()
        if event.key == "ok":
            await target.action_submit()
        elif event.key == "del":
            target.action_delete_left()
        elif len(target.value) < target.max_length:
            target.insert_text_at_cursor(event.key)
        target.focus()

    def action_cancel(self) -> None:
        """Escape: give up and go back to the swipe screen."""
        self.kiosk.start_over()


class PinEntryScreen(PinScreenBase):
    """Asks a known customer for their PIN."""

    def __init__(self, code: str, first_name: str) -> None:
        super().__init__(id="pin-screen")
        self.code = code
        self.first_name = first_name

    def compose(self) -> ComposeResult:
        yield self.status_line()
        with Vertical(classes="pin-body"):
            greeting = f"Hello {self.first_name}!" if self.first_name else "Hello!"
            yield Static(greeting, classes="title")
            yield Static("Enter your PIN, then press Enter", classes="subtitle")
            with Center():
                yield PinInput(id="pin")
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
        field = self.query_one("#pin", PinInput)
        field.value = ""
        if not pin:
            return
        app = self.kiosk
        db = app.store.db
        try:
            state = pin_locks.lock_state(db, self.code)
            now = app.clock()
            if state.is_locked(now):
                app.start_over(flow.locked_message(state.remaining(now)))
                return
            if app.store.verify_pin(self.code, pin):
                pin_locks.record_success(db, self.code)
                flow.after_pin(app, self.code)
                return
            state = pin_locks.record_failure(
                db,
                self.code,
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
        left = app.config.pin_max_tries - state.failures
        self.set_error(f"Wrong PIN. {left} {'try' if left == 1 else 'tries'} left.")


class ChoosePinScreen(PinScreenBase):
    """Sets a new PIN, typed twice; used for new customers, customers without one, and changes."""

    def __init__(self, code: str, first_name: str = "", *, first_time: bool = False) -> None:
        super().__init__(id="choose-pin-screen")
        self.code = code
        self.first_name = first_name
        self.first_time = first_time

    def compose(self) -> ComposeResult:
        yield self.status_line()
        with Vertical(classes="pin-body"):
            title = "Choose a PIN" if self.first_time else "Change your PIN"
            yield Static(title, classes="title")
            yield Static("4 to 8 digits, then Enter. Then type it again.", classes="subtitle")
            with Center():
                yield PinInput(placeholder="New PIN", id="pin-new")
            with Center():
                yield PinInput(placeholder="Same PIN again", id="pin-again")
            yield Static("", id="pin-error", classes="error-line")
            with Center():
                yield Keypad()
        with Horizontal(classes="actions"):
            yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        """Focus the first PIN field."""
        self.query_one("#pin-new", PinInput).focus()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        if self.first_time:
            self.action_cancel()
        else:
            flow.after_pin(self.kiosk, self.code)

    def action_cancel(self) -> None:
        """Escape: back home when changing, back to the swipe screen otherwise."""
        self._cancel()

    @on(Input.Submitted, "#pin-new")
    def _first(self, event: Input.Submitted) -> None:
        problem = field_problem("customer_PIN", event.value)
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
        problem = field_problem("customer_PIN", pin)
        if problem:
            self.set_error(problem)
            return
        if pin != again:
            self.set_error("The two PINs are not the same. Please choose again.")
            return
        app = self.kiosk
        try:
            app.store.apply_edit({"code": self.code, "customer_PIN": pin})
            pin_locks.record_success(app.store.db, self.code)
        except EditError as error:
            self.set_error(str(error))
            return
        except Exception as error:
            app.fail(error)
            return
        flow.after_pin(app, self.code)
