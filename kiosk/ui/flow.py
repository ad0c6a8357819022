"""What happens after a swipe: the decisions between screens, apart from the screens.

Provides :func:`begin_customer_session` (swipe -> lock check -> PIN, choose a PIN, or register),
:func:`after_pin` (-> home) and :func:`ask_staff_pin`. Screens call these so that the order of
steps is written down once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from kiosk.domain.edit_rules import EditError
from kiosk.storage import pin_locks
from kiosk.storage.staff import verify_staff_card

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def begin_customer_session(app: KioskApp, card_number: str) -> None:
    """Start (or restart) a customer's visit for a swiped card.

    The hot path (a known card with a PIN) does no more than an indexed lookup, a lock check and
    showing the one prebuilt PIN screen: no screen is composed, nothing slow runs here.
    """
    from kiosk.ui.screens.pin_entry import ChoosePinScreen

    try:
        customer = app.store.find_customer(card_number)
    except EditError as error:  # the card is shared by two customers (M4b)
        app.start_over(str(error))
        return
    except Exception as error:
        app.fail(error)
        return
    if customer is None:
        app.start_over()
        if app.config.staff_card_hash is None:
            offer_registration(app, card_number)
        else:
            # The scrypt check of a staff card costs ~50 ms (more on a Pi): in a thread.
            app.run_worker(_unknown_card(app, card_number), group="staff-card", exit_on_error=False)
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
        app.show_pin_entry(code, name)
    else:
        app.start_over()
        app.show_flow(ChoosePinScreen(code, name, first_time=True))


async def _unknown_card(app: KioskApp, card_number: str) -> None:
    try:
        is_staff = await asyncio.to_thread(
            verify_staff_card, card_number, app.config.staff_card_hash
        )
    except Exception as error:
        app.fail(error)
        return
    if len(app.screen_stack) > 1 or app.current_mode != "kiosk":
        return  # something else started while the card was checked
    if is_staff:
        ask_staff_pin(app, actor=f"staff card {card_number[-4:]}")
    else:
        offer_registration(app, card_number)


def offer_registration(app: KioskApp, card_number: str) -> None:
    """An unknown card: offer to register it."""
    from kiosk.ui.screens.register import RegisterOfferScreen

    app.show_flow(RegisterOfferScreen(card_number))


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
