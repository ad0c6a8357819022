"""Checking a PIN: :class:`PinEntryScreen`, and :class:`PinScreenBase`, the layout and the
"checking" state every PIN screen shares (:mod:`kiosk.ui.screens.choose_pin`,
:mod:`kiosk.ui.screens.staff_login`).

PINs are typed into masked inputs (keyboard, numeric keypad or the on-screen keypad), checked
against the stored salted hash (S9) and never displayed. Wrong PINs are counted in the database
(:mod:`kiosk.storage.pin_locks`), so the lock survives a restart. The screens say what happened
with messages (``PinEntryScreen.Verified``, a :class:`~kiosk.ui.messages.SessionEnded` for a
lock or Cancel); the app decides what comes next.

Why :class:`PinEntryScreen` is built once: it is the screen every swipe leads to, so the app
installs one instance and :meth:`PinEntryScreen.prepare` resets it for each visit; composing and
styling a fresh screen per swipe was most of the swipe-to-PIN latency. For the same reason it
skips the restyle of all its widgets that Textual runs each time a screen is shown again (its
``ScreenResume`` event has ``refresh_styles`` for this), unless something the styles depend on
changed while it was hidden: the theme, the app's focus, the terminal's size, the loaded CSS.
What the screen changes itself (a class, focus, disabled) is restyled by Textual at the moment it
changes, hidden or not. That pass was 6.6 ms of the 17.5 ms of CPU a swipe cost
(``bench/profile_swipe.py``), which is 25-30 ms on a Pi 4.

A customer whose PIN hash this kiosk does not hold (one pulled from the central API, which never
gives out PINs) is asked for it the same way, and the PIN is checked by the central API (S9):
right, a hash is kept so the next check works offline; wrong, it counts toward the same lock;
no answer, the customer is told plainly and nothing is counted.

Why checks run in a worker thread: scrypt costs ~50 ms here and several hundred ms on a Pi.
While it runs the PIN field is disabled and "Checking your PIN..." is shown; the outcome (a
wrong PIN counted, or a success) is recorded even when the visit ended meanwhile, so swiping
again cannot erase a wrong guess.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from kiosk.storage import pin_locks
from kiosk.storage.customer_store import Store
from kiosk.sync.pins import PinVerdict
from kiosk.ui.background import remember_pin_off_thread, verify_pin_off_thread
from kiosk.ui.messages import SessionEnded
from kiosk.ui.screens.base import Clock, KioskScreen
from kiosk.ui.visit import NO_PIN_OFFLINE, locked_message
from kiosk.ui.widgets.inputs import PIN_MAX_LENGTH, PinInput
from kiosk.ui.widgets.keypad import Keypad
from kiosk.ui.widgets.status_line import StatusLine

CHECKING = "Checking your PIN..."
"""Shown while the PIN hash is checked (or a new PIN hashed) off the UI thread."""
OnlinePinCheck = Callable[[str, str], Awaitable[PinVerdict]]
"""``check(code, pin)``: the central API's verdict on a PIN (``OnlinePins.check``)."""


StyleInputs = tuple[str, frozenset[str], tuple[int, int], int]
"""What a hidden screen's styles depend on besides its own widgets (see :func:`style_inputs`)."""


def style_inputs(app: App[Any]) -> StyleInputs:
    """The app-wide things that change a hidden screen's styles without telling it: the theme,
    the app's pseudo classes (``:focus``/``:blur``, ``:dark``, ``:ansi``, ``:nocolor``...), the
    size (breakpoint classes) and the CSS sources loaded (a widget's default CSS arrives with
    its first mount). Hot-reloaded CSS (Textual's dev mode) is not seen: a kiosk never runs it."""
    return (
        app.theme,
        frozenset(app.get_pseudo_classes()),
        (app.size.width, app.size.height),
        len(app.stylesheet.source),
    )


class PinScreenBase(KioskScreen[None]):
    """Shared layout, keypad handling and the "checking" state of the PIN screens."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, store: Store, clock: Clock, *, id: str) -> None:
        super().__init__(id=id)
        self.store = store
        """The local store: PIN hashes and the lock counters."""
        self.clock = clock
        """The kiosk clock the PIN locks run on (never moved by the wall clock)."""
        self.checking = False
        """A PIN is being checked or hashed in a worker thread: input is off meanwhile."""

    def status_line(self) -> StatusLine:
        """The top line."""
        return StatusLine()

    def cancel_button(self) -> Horizontal:
        """The Cancel row. The button never takes focus: while the PIN field is disabled during
        a check, Enter must not land on Cancel (Escape cancels from the keyboard)."""
        button = Button("Cancel", id="cancel", compact=True)
        button.can_focus = False
        return Horizontal(button, classes="actions")

    def compose_pin_layout(
        self, title: Static, subtitle: str, fields: tuple[PinInput, ...]
    ) -> ComposeResult:
        """The layout every PIN screen shares: title, hint, fields, message line, keypad,
        Cancel."""
        yield self.status_line()
        with Vertical(classes="pin-body"):
            yield title
            yield Static(subtitle, classes="subtitle")
            for field in fields:
                with Center():
                    yield field
            yield Static("", id="pin-error", classes="error-line")
            with Center():
                yield Keypad()
        yield self.cancel_button()

    def pin_fields(self) -> list[PinInput]:
        """The PIN fields on the screen (none once it is removed)."""
        return list(self.query(PinInput))

    def error_lines(self) -> list[Static]:
        """The message line under the PIN fields, in a list (empty once the screen is removed)."""
        return list(self.query("#pin-error").results(Static))

    def set_error(self, text: str, *, info: bool = False) -> None:
        """Show (or clear) the message under the PIN fields; ``info`` for a neutral one."""
        for line in self.error_lines():
            line.update(text, layout=False)
            line.set_class(info, "-info")

    def begin_check(self, text: str = CHECKING) -> None:
        """Turn PIN input off while a worker thread checks or hashes a PIN."""
        self.checking = True
        self.set_error(text, info=True)
        for field in self.pin_fields():
            field.disabled = True

    def end_check(self) -> None:
        """Turn PIN input back on (safe on a screen that is no longer shown)."""
        self.checking = False
        self.set_error("")
        fields = self.pin_fields()
        for field in fields:
            field.disabled = False
        if fields:
            fields[0].focus()

    def take_pin(self, event: Input.Submitted) -> str | None:
        """The PIN just submitted, with the field cleared; None when empty or already checking."""
        pin = event.value
        event.input.value = ""
        return pin if pin and not self.checking else None

    def check_unless_locked(
        self, lock_key: str, make_check: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        """Refuse at once while ``lock_key`` is locked (S9); otherwise run the check in a worker.

        The worker runs on the app, not the screen: leaving the screen must not cancel
        counting a wrong PIN.
        """
        try:
            state = pin_locks.lock_state(self.store.db, lock_key)
        except Exception as error:
            self.report_failure(error)
            return
        now = self.clock()
        if state.is_locked(now):
            self.post_message(SessionEnded(self.locked_message(state.remaining(now))))
            return
        self.begin_check()
        self.app.run_worker(make_check(), group="pin-check", exit_on_error=False)

    def locked_message(self, seconds: float) -> str:
        """What the person is told when the lock is on."""
        return locked_message(seconds)

    @on(Keypad.Pressed)
    async def _keypad(self, event: Keypad.Pressed) -> None:
        if self.checking:
            return
        target = self.focused if isinstance(self.focused, PinInput) else None
        target = target or self.pin_fields()[0]
        if event.key == "ok":
            await target.action_submit()
        elif event.key == "del":
            target.action_delete_left()
        elif len(target.value) < (target.max_length or PIN_MAX_LENGTH):
            target.insert_text_at_cursor(event.key)
        target.focus()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Escape: give up and go back to the swipe screen."""
        self.post_message(SessionEnded())


class PinEntryScreen(PinScreenBase):
    """Asks a known customer for their PIN; one instance, reset by :meth:`prepare`."""

    @dataclass
    class Verified(Message):
        """The customer typed the right PIN."""

        screen: PinEntryScreen
        code: str
        """The customer who proved who they are."""

        @property
        def control(self) -> PinEntryScreen:
            """The screen that checked the PIN."""
            return self.screen

    def __init__(
        self,
        store: Store,
        clock: Clock,
        code: str = "",
        first_name: str = "",
        *,
        online_check: OnlinePinCheck | None = None,
    ) -> None:
        super().__init__(store, clock, id="pin-screen")
        self.code = code
        """The customer being asked."""
        self.first_name = first_name
        self.online_check = online_check
        """Asks the central API about a PIN this kiosk holds no hash of (None: cannot)."""
        self.online = False
        """This visit's PIN is checked by the central API."""
        self._visit = 0
        self._styled_with: StyleInputs | None = None
        """What the styles depended on when this screen was last shown (None: never shown)."""
        self._parts: tuple[Static, PinInput, Static] | None = None
        """The greeting, the PIN field and the message line, found once after compose (this
        screen is never removed, and a query per swipe walks the whole screen)."""

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Spare Textual's restyle of the whole screen when nothing it depends on changed since
        the last visit. Runs before Textual's own handler (the subclass comes first in the MRO),
        which honours ``refresh_styles``; tests/ui/test_pin_restyle.py fails if that stops."""
        inputs = style_inputs(self.app)
        if inputs == self._styled_with:
            event.refresh_styles = False
        self._styled_with = inputs

    def _greeting(self) -> str:
        return f"Hello {self.first_name}!" if self.first_name else "Hello!"

    def compose(self) -> ComposeResult:
        return self.compose_pin_layout(
            Static(self._greeting(), id="pin-greeting", classes="title"),
            "Enter your PIN, then press Enter",
            (PinInput(id="pin"),),
        )

    def prepare(self, code: str, first_name: str, *, online: bool = False) -> None:
        """Reset the screen for a new visit (before it is shown): greeting, empty field, focus;
        ``online``: the PIN is checked by the central API.

        Each update leaves the layout alone (fixed-size widgets): a layout pass of the whole
        screen on every swipe is what this screen exists to avoid.
        """
        self.code, self.first_name, self.online = code, first_name, online
        self._visit += 1
        if self._parts is None:
            return  # not composed yet: compose shows this visit's greeting, on_mount focuses
        greeting, field, _ = self._parts
        greeting.update(self._greeting(), layout=False)
        field.value = ""
        if not self.checking:
            self.set_error("")
            field.focus()

    def pin_fields(self) -> list[PinInput]:
        """The one PIN field, without a query."""
        return [self._parts[1]] if self._parts is not None else super().pin_fields()

    def error_lines(self) -> list[Static]:
        """The message line, without a query."""
        return [self._parts[2]] if self._parts is not None else super().error_lines()

    def on_mount(self) -> None:
        """Find the parts a visit changes; focus the PIN field."""
        self._parts = (
            self.query_one("#pin-greeting", Static),
            self.query_one("#pin", PinInput),
            self.query_one("#pin-error", Static),
        )
        self._parts[1].focus()

    @on(Input.Submitted, "#pin")
    def _submit(self, event: Input.Submitted) -> None:
        pin = self.take_pin(event)
        if pin is not None:
            self.check_unless_locked(self.code, lambda: self._check(self.code, pin, self._visit))

    async def _check(self, code: str, pin: str, visit: int) -> None:
        config = self.config
        try:
            if self.online:
                verdict = await self._ask_central(code, pin)
                if verdict == "unavailable":
                    self.end_check()
                    if visit == self._visit and self.is_current:
                        self.post_message(SessionEnded(NO_PIN_OFFLINE))
                    return
                correct = verdict == "right"
                if correct:
                    await remember_pin_off_thread(self.store, code, pin)
            else:
                correct = await verify_pin_off_thread(self.store, code, pin)
            now = self.clock()
            if correct:
                pin_locks.record_success(self.store.db, code)
            else:
                state = pin_locks.record_failure(
                    self.store.db,
                    code,
                    now=now,
                    max_tries=config.pin_max_tries,
                    base_seconds=config.pin_lock_seconds,
                )
        except Exception as error:
            self.end_check()
            if visit == self._visit and self.is_current:
                self.report_failure(error)
            return
        self.end_check()
        if visit != self._visit or not self.is_current:
            return  # the visit ended (timeout, new swipe) while the PIN was checked
        if correct:
            self.post_message(self.Verified(self, code))
        elif state.is_locked(now):
            self.post_message(SessionEnded(self.locked_message(state.remaining(now))))
        else:
            left = config.pin_max_tries - state.failures
            self.set_error(f"Wrong PIN. {left} {'try' if left == 1 else 'tries'} left.")

    async def _ask_central(self, code: str, pin: str) -> PinVerdict:
        if self.online_check is None:
            return "unavailable"
        return await self.online_check(code, pin)
