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
    online: bool = False
    """This kiosk holds no hash of the PIN: the central API checks it (S9)."""


@dataclass(frozen=True)
class ChoosePin:
    """A card registered on this kiosk whose customer has no PIN yet: let them choose one."""

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
NO_PIN_OFFLINE = (
    "We know your card, but this kiosk cannot check your PIN right now. "
    "Please try again later, or ask staff to help you."
)
"""What a customer the central API knows is told when this kiosk holds no hash of their PIN and
cannot ask the central API (S9): never an offer to choose a new PIN."""


def locked_message(seconds: float) -> str:
    """What a locked customer is told (S9)."""
    return (
        f"Too many wrong PINs. This card is locked for {pin_locks.describe_wait(seconds)}. "
        "Please try again later or ask staff."
    )


def after_swipe(
    store: Store, card_number: str, *, now: float, staff_card: bool, online: bool = False
) -> Step:
    """The next step for ``card_number`` swiped at kiosk-clock time ``now``.

    A PIN is checked here when this kiosk holds its hash; otherwise, for a card registered on
    this kiosk, the customer chooses one; for any other customer (one the central API knows:
    the API never gives out PINs) the central API checks it when it can be asked, and
    otherwise the customer is told plainly (S9). Choosing a PIN there would let anyone holding
    the card replace the real one.

    Args:
        store: the local store.
        card_number: the card just swiped.
        now: kiosk-clock seconds (the store's clock), for the PIN lock.
        staff_card: a staff card is configured, so an unknown card may be it.
        online: a PIN can be checked with the central API now.

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
    if customer["has_pin"]:
        return AskPin(code, name)
    if customer["registered_here"]:
        return ChoosePin(code, name)
    return AskPin(code, name, online=True) if online else Refuse(NO_PIN_OFFLINE)
