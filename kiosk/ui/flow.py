"""What happens after a swipe: the decisions between screens, apart from the screens.

Provides :func:`begin_customer_session` (swipe -> lock check -> PIN, choose a PIN, or register),
:func:`after_pin` (-> home) and :func:`ask_staff_pin`. Screens call these so that the order of
steps is written down once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.domain.edit_rules import EditError
from kiosk.storage import pin_locks
from kiosk.storage.staff import verify_staff_card

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def begin_customer_session(app: KioskApp, card_number: str) -> None:
    """Start (or restart) a customer's visit for a swiped card."""
    from kiosk.ui.screens.pin_entry import ChoosePinScreen, PinEntryScreen
    from kiosk.ui.screens.register import RegisterOfferScreen

    app.start_over()
    try:
        customer = app.store.find_customer(card_number)
    except EditError as error:  # the card is shared by two customers (M4b)
        app.start_over(str(error))
        return
    except Exception as error:
        app.fail(error)
        return
    if customer is None:
        # Checked only for unknown cards: the scrypt check costs ~50 ms, too much per swipe.
        if verify_staff_card(card_number, app.config.staff_card_hash):
            ask_staff_pin(app, actor=f"staff card {card_number[-4:]}")
            return
        app.show_flow(RegisterOfferScreen(card_number))
        return
    code = customer["code"]
    try:
        state = pin_locks.lock_state(app.store.db, code)
    except Exception as error:
        app.fail(error)
        return
    now = app.clock()
    if state.is_locked(now):
        app.start_over(locked_message(state.remaining(now)))
        return
    name = customer.get("first_name") or ""
    if customer["has_pin"]:
        app.show_flow(PinEntryScreen(code, name))
    else:
        app.show_flow(ChoosePinScreen(code, name, first_time=True))


def after_pin(app: KioskApp, code: str) -> None:
    """The customer proved who they are: show their home screen."""
    from kiosk.ui.screens.home import HomeScreen

    app.show_flow(HomeScreen(code))


def ask_staff_pin(app: KioskApp, *, actor: str) -> None:
    """Ask for the staff PIN; on success open staff mode as ``actor``."""
    from kiosk.ui.screens.staff_login import StaffLoginScreen

    app.show_flow(StaffLoginScreen(actor))


def locked_message(seconds: float) -> str:
    """What a locked customer is told (S9)."""
    return (
        f"Too many wrong PINs. This card is locked for {pin_locks.describe_wait(seconds)}. "
        "Please try again later or ask staff."
    )
