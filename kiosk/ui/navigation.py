"""Moving between screens: :class:`Navigation`, the part of the app that decides what comes next.

Screens say what happened (``PinEntryScreen.Verified``, ``RegisterScreen.DetailsEntered``, a
:class:`~kiosk.ui.messages.SessionEnded`, ...) and never call back into the app; the ``@on``
handlers here pick the next screen. A swipe's first step is decided by
:func:`kiosk.ui.visit.after_swipe`. Customer-flow screens are shown one deep over the swipe
screen (:meth:`Navigation.show_flow`); dialogs are pushed and answer with ``dismiss(result)``.
Staff screens live in their own mode, added at login and removed at logout.

:class:`~kiosk.ui.app.KioskApp` is built on this class; kept apart so that the wiring (reader,
sync, timers, systemd) and the order of screens can each be read on their own.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from textual import on
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Static

from kiosk.domain.edit_rules import EditError
from kiosk.storage.customer_store import Store
from kiosk.storage.database import StoreError
from kiosk.storage.staff import staff_edit, verify_staff_card
from kiosk.ui.config import KioskConfig
from kiosk.ui.messages import ActionFailed, SessionEnded
from kiosk.ui.screens.base import Clock
from kiosk.ui.screens.choose_pin import ChoosePinScreen
from kiosk.ui.screens.edit_details import EditDetailsScreen
from kiosk.ui.screens.history import HistoryReader
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.pin_entry import OnlinePinCheck, PinEntryScreen
from kiosk.ui.screens.register import RegisterOfferScreen, RegisterScreen
from kiosk.ui.screens.staff_customer import StaffCustomerScreen
from kiosk.ui.screens.staff_home import StaffHomeScreen
from kiosk.ui.screens.staff_login import StaffLoginScreen
from kiosk.ui.screens.swipe import SwipeScreen
from kiosk.ui.visit import AskPin, CheckStaffCard, ChoosePin, OfferRegistration, Refuse, after_swipe

log = logging.getLogger(__name__)

GENERIC_PROBLEM = "Sorry, something went wrong. Please swipe again or ask staff for help."
"""Shown instead of any unexpected error: never a traceback on screen (S10)."""
SAVED = "Saved"
"""Confirms a customer's edit on the home screen."""
PIN_CHANGED = "PIN changed"
"""Confirms a PIN change on the home screen."""
KIOSK_MODE = "kiosk"
"""The customer-facing mode: the swipe screen and one flow screen over it."""
STAFF_MODE = "staff"
"""The mode staff screens live in; added at login and removed at logout, so nothing of a staff
session outlives it."""


class Navigation(App[None]):
    """Which screen comes next; see the module docstring."""

    store: Store
    """The local store (set by the app)."""
    config: KioskConfig
    """The configuration (set by the app)."""
    elapsed: Clock
    """The kiosk clock PIN locks run on, never moved by the wall clock (set by the app)."""
    pin_screen: PinEntryScreen
    """The one prebuilt PIN screen (set by the app)."""
    staff_actor: str | None = None
    """Who is logged in to staff mode (recorded in audit rows), or None."""
    online_pins: OnlinePinCheck | None = None
    """Checks a PIN this kiosk holds no hash of with the central API (S9), or None."""
    history_reader: HistoryReader | None = None
    """Reads a customer's central history for the history screen, or None."""

    def can_check_pins_online(self) -> bool:
        """Whether a PIN can be checked with the central API now."""
        return self.online_pins is not None

    # The customer's visit ----------------------------------------------------------------------

    def begin_visit(self, card_number: str) -> None:
        """Start (or restart) a customer's visit for a swiped card (see :mod:`kiosk.ui.visit`)."""
        try:
            step = after_swipe(
                self.store,
                card_number,
                now=self.elapsed(),
                staff_card=self.config.staff_card_hash is not None,
                online=self.can_check_pins_online(),
            )
        except Exception as error:
            self.fail(error)
            return
        if isinstance(step, AskPin):
            self.show_pin_entry(step.code, step.first_name, online=step.online)
            return
        self.start_over(step.notice if isinstance(step, Refuse) else None)
        if isinstance(step, ChoosePin):
            self.show_flow(
                ChoosePinScreen(
                    self.store,
                    self.elapsed,
                    purpose="first",
                    code=step.code,
                    first_name=step.first_name,
                )
            )
        elif isinstance(step, OfferRegistration):
            self.show_flow(RegisterOfferScreen(step.card_number))
        elif isinstance(step, CheckStaffCard):
            # The scrypt check of a staff card costs ~50 ms (more on a Pi): in a thread.
            self.run_worker(
                self._unknown_card(step.card_number), group="staff-card", exit_on_error=False
            )

    async def _unknown_card(self, card_number: str) -> None:
        try:
            is_staff = await asyncio.to_thread(
                verify_staff_card, card_number, self.config.staff_card_hash
            )
        except Exception as error:
            self.fail(error)
            return
        if len(self.screen_stack) > 1 or self.current_mode != KIOSK_MODE:
            return  # something else started while the card was checked
        if is_staff:
            self.show_flow(
                StaffLoginScreen(self.store, self.elapsed, actor=f"staff card {card_number[-4:]}")
            )
        else:
            self.show_flow(RegisterOfferScreen(card_number))

    @on(PinEntryScreen.Verified)
    def _pin_verified(self, message: PinEntryScreen.Verified) -> None:
        self.show_flow(HomeScreen(self.store, message.code))

    @on(ChoosePinScreen.Chosen)
    def _pin_chosen(self, message: ChoosePinScreen.Chosen) -> None:
        purpose = message.screen.purpose
        if purpose == "staff":
            self.pop_screen()  # back to the customer's staff screen
            self.notify("New PIN set")
            return
        notice = PIN_CHANGED if purpose == "change" else ""
        home = HomeScreen(
            self.store, message.code, new_customer=purpose == "register", notice=notice
        )
        self.show_flow(home)

    @on(ChoosePinScreen.Cancelled)
    def _pin_not_chosen(self, message: ChoosePinScreen.Cancelled) -> None:
        screen = message.screen
        if screen.purpose == "staff":
            self.pop_screen()
        elif screen.purpose == "register":
            # Back to the form, still filled in: nothing was saved, no card without a PIN.
            if self.screen is screen:
                self.pop_screen()
        elif screen.purpose == "change":
            self.show_flow(HomeScreen(self.store, screen.code))
        else:
            self.start_over()

    @on(RegisterOfferScreen.Accepted)
    def _registration_accepted(self, message: RegisterOfferScreen.Accepted) -> None:
        self.show_flow(RegisterScreen(self.store, message.card_number))

    @on(RegisterScreen.DetailsEntered)
    def _details_entered(self, message: RegisterScreen.DetailsEntered) -> None:
        actor = message.screen.staff_actor
        if actor is not None:
            self._staff_registration(message.screen, message.registration, actor)
            return
        screen = ChoosePinScreen(
            self.store,
            self.elapsed,
            purpose="register",
            first_name=message.registration.get("first_name", ""),
            registration=message.registration,
        )
        self.push_screen(screen)  # over the form: Escape goes back to it

    def _staff_registration(
        self, form: RegisterScreen, registration: dict[str, str], actor: str
    ) -> None:
        """Staff registered a swiped card at the counter: save the customer (audited, no PIN
        yet) and open their staff screen, where "Set new PIN" lets them type one (S9)."""
        try:
            result = staff_edit(
                self.store,
                registration,
                actor=actor,
                action="customer.register",
                detail="at the counter",
            )
        except EditError as refused:
            form.query_one("#form-error", Static).update(str(refused))
            return
        except Exception as error:
            self.fail(error)
            return
        self.pop_screen()
        self.push_screen(StaffCustomerScreen(self.store, result.plan.code, actor=actor))
        self.notify("Customer registered")

    @on(HomeScreen.EditChosen)
    def _edit_chosen(self, message: HomeScreen.EditChosen) -> None:
        home = message.screen

        async def closed(saved: bool | None) -> None:
            if saved:
                await home.refresh_customer()
                home.show_notice(SAVED)

        self.push_screen(EditDetailsScreen(self.store, message.code), closed)

    @on(HomeScreen.ChangePinChosen)
    def _change_pin_chosen(self, message: HomeScreen.ChangePinChosen) -> None:
        self.show_flow(
            ChoosePinScreen(self.store, self.elapsed, purpose="change", code=message.code)
        )

    @on(SessionEnded)
    def _session_ended(self, message: SessionEnded) -> None:
        self.start_over(message.notice or None)

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.fail(message.error)

    # Starting over ---------------------------------------------------------------------------

    def start_over(self, message: str | None = None) -> None:
        """Clear every input, leave staff mode and go back to the swipe screen (S11)."""
        self._clear_inputs()
        if self.current_mode == STAFF_MODE:
            self.leave_staff()
        self._clear_inputs()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if message and isinstance(self.screen, SwipeScreen):
            self.screen.show_notice(message)

    def _clear_inputs(self) -> None:
        # Values are wiped before the screens go, so no PIN survives in a widget being removed.
        for screen in self.screen_stack:
            for widget in screen.query(Input):
                widget.value = ""

    def fail(self, error: BaseException | str) -> None:
        """Show a plain message for a storage or unexpected error and start over (S10)."""
        if isinstance(error, str):
            text = error
        elif isinstance(error, StoreError | EditError):
            text = str(error)
        else:
            log.error("unexpected error: %s", type(error).__name__)
            text = GENERIC_PROBLEM
        self.start_over(text)

    def show_pin_entry(self, code: str, first_name: str, *, online: bool = False) -> None:
        """Ask ``code`` for their PIN on the prebuilt PIN screen (the swipe hot path).

        Unlike :meth:`start_over` + :meth:`show_flow`, the swipe screen is not resumed and
        suspended again on the way, and a re-swipe on the PIN screen only resets it.
        """
        screen = self.pin_screen
        self._clear_inputs()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        screen.prepare(code, first_name, online=online)
        if self.screen is screen:
            return
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def show_flow(self, screen: Screen[Any]) -> None:
        """Show the next step of a flow in place of the current one (one flow screen deep)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # Staff mode -------------------------------------------------------------------------------

    @on(StaffLoginScreen.Verified)
    def _staff_verified(self, message: StaffLoginScreen.Verified) -> None:
        self.enter_staff(message.actor)

    def enter_staff(self, actor: str) -> None:
        """Open staff mode for ``actor`` (after a staff PIN or staff card)."""
        self.staff_actor = actor
        while len(self.screen_stack) > 1:
            self.pop_screen()
        store = self.store
        self.add_mode(STAFF_MODE, lambda: StaffHomeScreen(store, actor))
        self.switch_mode(STAFF_MODE)

    def leave_staff(self) -> None:
        """Close staff mode and drop its screens, so nothing of it stays in memory or on screen."""
        self.staff_actor = None
        if self.current_mode != STAFF_MODE:
            return
        self.switch_mode(KIOSK_MODE)
        self.remove_mode(STAFF_MODE)
