"""Ways to reach each screen from a fresh app, shared by the inactivity, staff and snapshot
tests. Each takes the Pilot and returns once the screen is shown and mounted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from tests.ui.conftest import ANA, JANE, NEW_CARD, STAFF_PIN, on_screen, swipe

Journey = Callable[[Pilot[Any]], Awaitable[None]]


async def pin_screen(pilot: Pilot[Any]) -> None:
    swipe(pilot.app, JANE.card_number)
    await on_screen(pilot, "pin-screen")


async def choose_pin(pilot: Pilot[Any]) -> None:
    swipe(pilot.app, ANA.card_number)
    await on_screen(pilot, "choose-pin-screen")


async def register_offer(pilot: Pilot[Any]) -> None:
    swipe(pilot.app, NEW_CARD.card_number)
    await on_screen(pilot, "register-offer-screen")


async def register_form(pilot: Pilot[Any]) -> None:
    await register_offer(pilot)
    await pilot.press("enter")  # "Register" has the focus
    await on_screen(pilot, "register-screen")


async def home_screen(pilot: Pilot[Any]) -> None:
    await pin_screen(pilot)
    await pilot.press(*JANE.pin, "enter")
    await on_screen(pilot, "home-screen")


async def edit_form(pilot: Pilot[Any]) -> None:
    await home_screen(pilot)
    await pilot.click("#edit")
    await on_screen(pilot, "edit-screen")


async def staff_login(pilot: Pilot[Any]) -> None:
    await pilot.press("f9")
    await on_screen(pilot, "staff-login-screen")


async def staff_home(pilot: Pilot[Any]) -> None:
    await staff_login(pilot)
    await pilot.press(*STAFF_PIN, "enter")
    await on_screen(pilot, "staff-home-screen")


async def staff_customer(pilot: Pilot[Any], card: str = JANE.card_number) -> None:
    await staff_home(pilot)
    swipe(pilot.app, card)
    await on_screen(pilot, "staff-customer-screen")


async def credit_confirmation(pilot: Pilot[Any]) -> None:
    await staff_customer(pilot)
    await pilot.press("2", "5", "enter")
    await on_screen(pilot, "confirm-screen")


async def card_hand_over(pilot: Pilot[Any]) -> None:
    await staff_customer(pilot)
    await pilot.click("#new-card")
    await on_screen(pilot, "confirm-screen")
    await pilot.click("#confirm-yes")
    await on_screen(pilot, "card-issued-screen")


async def sync_queue(pilot: Pilot[Any]) -> None:
    await staff_home(pilot)
    await pilot.click("#queue")
    await on_screen(pilot, "sync-queue-screen")


async def choose_campaign(pilot: Pilot[Any], campaign_id: str) -> None:
    pilot.app.screen.query_one("#campaign").value = campaign_id
    await pilot.pause()


async def redeem_screen(pilot: Pilot[Any], campaign_id: str = "1") -> None:
    """Staff, Jane's screen, the campaign chosen, "Redeem / spend"."""
    await staff_customer(pilot)
    await choose_campaign(pilot, campaign_id)
    await pilot.click("#redeem")
    await on_screen(pilot, "redeem-screen")


async def purchase_screen(pilot: Pilot[Any]) -> None:
    """Staff, Jane's screen, Coffee club, "Purchase"."""
    await staff_customer(pilot)
    await choose_campaign(pilot, "1")
    await pilot.click("#purchase")
    await on_screen(pilot, "purchase-screen")


async def history_screen(pilot: Pilot[Any]) -> None:
    """Jane's history, from her home screen."""
    await home_screen(pilot)
    await pilot.click("#history")
    await on_screen(pilot, "history-screen")


async def unknown_card(pilot: Pilot[Any]) -> None:
    """Staff swipe a card nobody has."""
    await staff_home(pilot)
    swipe(pilot.app, NEW_CARD.card_number)
    await on_screen(pilot, "unknown-card-screen")


async def cheat_sheet(pilot: Pilot[Any]) -> None:
    await pilot.press("f1")
    await on_screen(pilot, "cheat-sheet-screen")


EVERY_SCREEN: dict[str, Journey] = {
    "pin-screen": pin_screen,
    "choose-pin-screen": choose_pin,
    "register-offer-screen": register_offer,
    "register-screen": register_form,
    "home-screen": home_screen,
    "edit-screen": edit_form,
    "staff-login-screen": staff_login,
    "staff-home-screen": staff_home,
    "staff-customer-screen": staff_customer,
    "confirm-screen": credit_confirmation,
    "card-issued-screen": card_hand_over,
    "sync-queue-screen": sync_queue,
    "cheat-sheet-screen": cheat_sheet,
    "redeem-screen": redeem_screen,
    "purchase-screen": purchase_screen,
    "history-screen": history_screen,
    "unknown-card-screen": unknown_card,
}
"""Every screen past the swipe screen, by id, with the way to reach it."""
