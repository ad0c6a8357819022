"""Pictures of every screen at the console's 80x25, with the clock frozen at 09:30 and no cursor
blink. Each docstring says what the picture must show; review the report before updating."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.demo import DEMO_CARDS, cheat_sheet
from tests.ui.conftest import (
    ANA,
    BOB,
    JANE,
    NEW_CARD,
    bad_swipe,
    on_screen,
    swipe,
    text_of,
    wait_until,
)
from tests.ui.journeys import (
    card_hand_over,
    credit_confirmation,
    edit_form,
    home_screen,
    pin_screen,
    register_form,
    staff_customer,
    staff_home,
    sync_queue,
)

SIZE = (80, 25)


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
    """The short form: first name, last name, phone, e-mail; Next (the PIN comes before
    anything is saved), More details, Cancel."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=register_form)


def test_edit_form_with_errors(snap_compare, make_app) -> None:
    """Edit form with the phone and e-mail errors in red right under their fields, in words for
    customers ("Please check the phone number: ...")."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await edit_form(pilot)
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
    """The confirmation box "Add 25 points to Coffee club for Jane Doe?" and its exact effect
    "Coffee club: 120 -> 145 points", with Add / No ("No" focused)."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=credit_confirmation)


def test_staff_customer(snap_compare, make_app) -> None:
    """Jane Doe, masked card, three balances, campaign picker, amount with the campaign's rule
    under it, and staff buttons."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=staff_customer)


def test_staff_amount_refused_as_typed(snap_compare, make_app) -> None:
    """Visits chosen, "abc" typed: in red under the field, "'abc' is not a number. Visits: a
    whole number from 1 to 1,000,000." No confirmation."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await staff_customer(pilot)
        pilot.app.screen.query_one("#campaign").value = "2"
        pilot.app.screen.query_one("#amount", Input).focus()
        await pilot.press(*"abc", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_new_card_hand_over(snap_compare, make_app) -> None:
    """Staff only, once: "New card for Jane Doe", the full new number in groups of four, the two
    steps, the old card ending 0011 no longer works, "Card handed over"."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=card_hand_over)


def test_swipe_screen_after_a_replaced_card(snap_compare, make_app, store) -> None:
    """The old card of a customer who got a new one: "This card was replaced by a new one...",
    and nothing offered."""
    code = store.find_customer(BOB.card_number)["code"]
    store.apply_edit({"code": code, "card_number_generate": "16"})

    async def run_before(pilot: Pilot[Any]) -> None:
        swipe(pilot.app, BOB.card_number)
        await wait_until(pilot, lambda: "replaced" in pilot.app.screen.notice, "the notice")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_still_there_countdown(snap_compare, make_app, clock) -> None:
    """The home screen with the yellow "Still there? 7 s / Press any key to continue." box over
    it, 23 s after the last key (timeout 30 s)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await home_screen(pilot)
        clock.advance(23)
        await pilot.pause()

    app = make_app(inactivity_timeout=30)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_home_after_registration(snap_compare, make_app) -> None:
    """A new customer is greeted "Welcome, Maya!" (not "Welcome back"), with no points yet."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await register_form(pilot)
        await pilot.press(*"Maya")
        await pilot.click("#next")
        await on_screen(pilot, "choose-pin-screen")
        await pilot.press("5", "5", "6", "6", "enter", "5", "5", "6", "6", "enter")
        await on_screen(pilot, "home-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_home_after_an_edit(snap_compare, make_app) -> None:
    """ "Welcome back, Jane!" and a green "Saved" under the card line."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await edit_form(pilot)
        pilot.app.screen.query_one("#field-city", Input).value = "Lisbon"
        await pilot.click("#save")
        await on_screen(pilot, "home-screen")
        await wait_until(pilot, lambda: pilot.app.screen.notice == "Saved", "Saved")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def queue_with_three_states(store) -> None:
    """Bob's city change refused (needs attention) with his PIN change held behind it, and
    Jane's credit waiting."""
    bob = store.find_customer(BOB.card_number)["code"]
    jane = store.find_customer(JANE.card_number)["code"]
    refused = store.apply_edit({"code": bob, "city": "Porto"})
    store.outbox.needs_attention(store.outbox.entry(refused.entry_id), "Unknown city")
    store.apply_edit({"code": bob, "customer_PIN": "5566"})
    store.apply_edit({"code": jane, "campaign_id": "1", "auto_add": "25"})


async def hide_queue_time(pilot: Pilot[Any]) -> None:
    # The creation time is real; hide it so the picture stays the same.
    detail = pilot.app.screen.query_one("#entry-detail")
    detail.update(str(detail.content).split(". ", 1)[1])
    await pilot.pause()


def test_sync_queue(snap_compare, make_app, store) -> None:
    """Title "Sync queue - 2 waiting, 1 needs attention", the same counts on the top line;
    ATTENTION / held / waiting entries named "Bob Smith ************0029: Details changed:
    city" etc.; the highlighted entry's problem; reason field; Retry, Discard, Back."""
    queue_with_three_states(store)

    async def run_before(pilot: Pilot[Any]) -> None:
        await sync_queue(pilot)
        await hide_queue_time(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_discard_registration_confirmation(snap_compare, make_app, store) -> None:
    """Discarding Maya's waiting registration: the box says the central system will never hear
    of her, that the 2 later changes depending on it go too (named), and offers "Discard all"."""
    code = store.apply_edit(
        {"card_number": NEW_CARD.card_number, "first_name": "Maya", "customer_PIN": "5566"}
    ).plan.code
    store.apply_edit({"code": code, "city": "Porto"})
    store.apply_edit({"code": code, "campaign_id": "1", "auto_add": "5"})

    async def run_before(pilot: Pilot[Any]) -> None:
        await sync_queue(pilot)
        pilot.app.screen.query_one("#reason", Input).value = "customer left"
        await pilot.click("#discard")
        await on_screen(pilot, "confirm-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_demo_cheat_sheet(snap_compare, make_app) -> None:
    """The cheat sheet table (cards, swipe text, PINs) and a swipe button per card."""
    app = make_app(
        demo=True,
        cheat_sheet=cheat_sheet(),
        demo_cards=tuple((card.label, card.card_number) for card in DEMO_CARDS),
    )
    assert snap_compare(app, terminal_size=SIZE, press=["f1"])


def test_the_readme_shows_only_snapshots_that_exist_and_the_new_screens() -> None:
    """The README's screenshots are these SVGs: a renamed or dropped snapshot must not leave a
    dead picture behind, and the screens issue 14 added must be shown."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"tests/ui/__snapshots__/test_snapshots/(\w+\.svg)", readme))
    on_disk = {path.name for path in (Path(__file__).parent / "__snapshots__").rglob("*.svg")}
    assert linked and linked <= on_disk, linked - on_disk
    for name in ("test_new_card_hand_over", "test_still_there_countdown", "test_sync_queue"):
        assert f"{name}.svg" in linked
