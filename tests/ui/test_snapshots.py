"""Pictures of every screen at the console's 80x25, with the clock frozen at 09:30 and no cursor
blink. Each docstring says what the picture must show; review the report before updating."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.demo import DEMO_CARDS, cheat_sheet
from tests.ui.conftest import (
    ANA,
    JANE,
    NEW_CARD,
    STAFF_PIN,
    bad_swipe,
    on_screen,
    swipe,
    text_of,
    wait_until,
)

SIZE = (80, 25)


async def pin_screen(pilot: Pilot[Any]) -> None:
    swipe(pilot.app, JANE.card_number)
    await on_screen(pilot, "pin-screen")


async def home_screen(pilot: Pilot[Any]) -> None:
    await pin_screen(pilot)
    await pilot.press(*JANE.pin, "enter")
    await on_screen(pilot, "home-screen")


async def staff_home(pilot: Pilot[Any]) -> None:
    await pilot.press("f9")
    await on_screen(pilot, "staff-login-screen")
    await pilot.press(*STAFF_PIN, "enter")
    await on_screen(pilot, "staff-home-screen")


def test_swipe_screen(snap_compare, make_app) -> None:
    """Store name and "Offline" on the blue top line, 09:30, the boxed "Swipe your card"."""
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_swipe_screen_after_a_bad_swipe(snap_compare, make_app) -> None:
    """The yellow-boxed "Could not read the card. Please swipe again." under the prompt."""

    async def run_before(pilot: Pilot[Any]) -> None:
        bad_swipe(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_pin_entry_with_two_digits_typed(snap_compare, make_app) -> None:
    """ "Hello Jane!", the PIN field showing two bullets (never digits), keypad, Cancel."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pin_screen(pilot)
        await pilot.press("2", "4")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_pin_entry_after_a_wrong_pin(snap_compare, make_app) -> None:
    """Red "Wrong PIN. 2 tries left." under an empty PIN field."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pin_screen(pilot)
        await pilot.press("0", "0", "0", "0", "enter")
        # The PIN is checked in a worker thread: wait for its answer, then for the repaint.
        await wait_until(pilot, lambda: "Wrong PIN" in text_of(pilot.app, "#pin-error"), "answer")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_choose_pin(snap_compare, make_app) -> None:
    """ "Choose a PIN" with two PIN fields (new, again) and the keypad."""

    async def run_before(pilot: Pilot[Any]) -> None:
        swipe(pilot.app, ANA.card_number)
        await on_screen(pilot, "choose-pin-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_home_with_balances(snap_compare, make_app) -> None:
    """ "Welcome back, Jane!", masked card ending 0011, 120 in large digits, two more balances,
    and the three buttons with "Done" focused."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=home_screen)


def test_register_offer(snap_compare, make_app) -> None:
    """ "This card is not registered yet", masked card ending 0045, Register / No thanks."""

    async def run_before(pilot: Pilot[Any]) -> None:
        swipe(pilot.app, NEW_CARD.card_number)
        await on_screen(pilot, "register-offer-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_register_form(snap_compare, make_app) -> None:
    """The short form: first name, last name, phone, e-mail; Save, More details, Cancel."""

    async def run_before(pilot: Pilot[Any]) -> None:
        swipe(pilot.app, NEW_CARD.card_number)
        await on_screen(pilot, "register-offer-screen")
        await pilot.press("enter")
        await on_screen(pilot, "register-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_edit_form_with_errors(snap_compare, make_app) -> None:
    """Edit form with the phone and e-mail errors in red right under their fields."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await home_screen(pilot)
        await pilot.click("#edit")
        await on_screen(pilot, "edit-screen")
        pilot.app.screen.query_one("#field-phone", Input).value = "call me"
        pilot.app.screen.query_one("#field-email", Input).value = "jane@"
        await pilot.click("#save")
        await pilot.pause()
        pilot.app.screen.query_one("#field-first_name", Input).focus()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_login(snap_compare, make_app) -> None:
    """ "Staff" and the staff PIN field with the keypad."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press("f9")
        await on_screen(pilot, "staff-login-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_home_with_search_results(snap_compare, make_app) -> None:
    """Search "Doe" lists Jane Doe with a masked card; reader and sync lines below."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await staff_home(pilot)
        await pilot.press(*"Doe", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_credit_confirmation(snap_compare, make_app) -> None:
    """The confirmation box "Add 25 points to Coffee club for Jane Doe?" with Add / No."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await staff_home(pilot)
        swipe(pilot.app, JANE.card_number)
        await on_screen(pilot, "staff-customer-screen")
        await pilot.press("2", "5", "enter")
        await on_screen(pilot, "confirm-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_customer(snap_compare, make_app) -> None:
    """Jane Doe, masked card, three balances, campaign picker, amount, and staff buttons."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await staff_home(pilot)
        swipe(pilot.app, JANE.card_number)
        await on_screen(pilot, "staff-customer-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_sync_queue(snap_compare, make_app, store) -> None:
    """One waiting entry (masked customer, "city"), its detail line, reason field, buttons."""
    code = store.find_customer(JANE.card_number)["code"]
    store.apply_edit({"code": code, "city": "Faro"})

    async def run_before(pilot: Pilot[Any]) -> None:
        await staff_home(pilot)
        await pilot.click("#queue")
        await on_screen(pilot, "sync-queue-screen")
        # The creation time is real; hide it so the picture stays the same.
        detail = pilot.app.screen.query_one("#entry-detail")
        detail.update(str(detail.content)[20:])

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_demo_cheat_sheet(snap_compare, make_app) -> None:
    """The cheat sheet table (cards, swipe text, PINs) and a swipe button per card."""
    app = make_app(
        demo=True,
        cheat_sheet=cheat_sheet(),
        demo_cards=tuple((card.label, card.card_number) for card in DEMO_CARDS),
    )
    assert snap_compare(app, terminal_size=SIZE, press=["f1"])
