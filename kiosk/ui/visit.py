"""What a swipe on the customer side leads to: :func:`after_swipe` decides, the app shows it.

Provides the steps (:class:`AskPin`, :class:`ChoosePin`, :class:`OfferRegistration`,
:class:`CheckStaffCard`, :class:`Refuse`), :func:`after_swipe` and :func:`locked_message`. A card
that was replaced by a new one is refused with :data:`REPLACED`, never offered registration.
Kept apart from the screens and the app so that the order of the checks (known card, lock,
PIN or not, staff card) is written down once and can be read without any Textual code.

The hot path (a known card with a PIN) costs an indexed lookup and a lock check, nothing slow.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.edit_rules import EditError
from kiosk.storage import pin_locks
from kiosk.storage.customer_store import Store


@dataclass(frozen=True)
class AskPin:
    """A known card whose customer has a PIN: ask for it."""

    code: str
    first_name: str


@dataclass(frozen=True)
class ChoosePin:
    """A known card whose customer has no PIN yet: let them choose one."""

    code: str
    first_name: str


@dataclass(frozen=True, repr=False)
class OfferRegistration:
    """A card nobody has: offer to register it."""

    card_number: str


@dataclass(frozen=True, repr=False)
class CheckStaffCard:
    """A card nobody has, and a staff card is configured: it may be the staff card (slow check)."""

    card_number: str


@dataclass(frozen=True)
class Refuse:
    """The visit cannot start; ``notice`` says why, on the swipe screen."""

    notice: str


Step = AskPin | ChoosePin | OfferRegistration | CheckStaffCard | Refuse
"""What comes after a swipe."""


REPLACED = "This card was replaced by a new one. Please use your new card, or ask staff for help."
"""What a replaced card says when swiped: it offers nothing (not registration)."""


def locked_message(seconds: float) -> str:
    """What a locked customer is told (S9)."""
    return (
        f"Too many wrong PINs. This card is locked for {pin_locks.describe_wait(seconds)}. "
        "Please try again later or ask staff."
    )


def after_swipe(store: Store, card_number: str, *, now: float, staff_card: bool) -> Step:
    """The next step for ``card_number`` swiped at kiosk-clock time ``now``.

    Args:
        store: the local store.
        card_number: the card just swiped.
        now: kiosk-clock seconds (the store's clock), for the PIN lock.
        staff_card: a staff card is configured, so an unknown card may be it.

    Raises:
        StoreError: the database could not be read (the app shows a plain message).
    """
    try:
        customer = store.find_customer(card_number)
    except EditError as error:  # the card is shared by two customers (M4b)
        return Refuse(str(error))
    if customer is None:
        if store.replaced_card(card_number) is not None:
            return Refuse(REPLACED)
        return CheckStaffCard(card_number) if staff_card else OfferRegistration(card_number)
    code = customer["code"]
    state = pin_locks.lock_state(store.db, code)
    if state.is_locked(now):
        return Refuse(locked_message(state.remaining(now)))
    name = customer.get("first_name") or ""
    return AskPin(code, name) if customer["has_pin"] else ChoosePin(code, name)
