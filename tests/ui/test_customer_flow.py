"""A customer's visit: swipe, PIN, home; wrong PINs and the lock (S9); bad swipes (S10)."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Digits

from kiosk.storage import pin_locks
from kiosk.ui.messages import SessionEnded
from kiosk.ui.screens.home import GOODBYE
from kiosk.ui.screens.pin_entry import PinEntryScreen
from kiosk.ui.widgets.inputs import PinInput
from kiosk.ui.widgets.keypad import Keypad, key_offset
from tests.ui.conftest import (
    ANA,
    BOB,
    JANE,
    NEW_CARD,
    bad_swipe,
    boot_clock,
    on_screen,
    screen_svg,
    swipe,
    text_of,
    wait_until,
)


async def test_a_known_card_and_its_pin_open_the_home_screen_with_balances(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        await pilot.press(*JANE.pin, "enter")
        await on_screen(pilot, "home-screen")
        assert app.screen.query_one("#main-balance", Digits).value == "120"
        lines = [str(w.content) for w in app.screen.query(".balance-line")]
        assert lines == ["Visits: 3 visits", "Free bagel: 1 x Bagel", "Gift card: $20.00"]
        assert "Welcome back, Jane!" in text_of(app, ".title")


async def test_the_pin_is_masked_and_the_card_number_shows_only_its_last_four_digits(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        await pilot.press(*JANE.pin)
        svg = screen_svg(app)
        assert JANE.pin not in svg
        assert "••••" in svg
        await pilot.press("enter")
        await on_screen(pilot, "home-screen")
        svg = screen_svg(app)
        assert JANE.card_number not in svg
        assert "0011" in svg


async def test_a_swipe_typed_into_the_terminal_goes_through_the_wedge_to_the_pin_screen(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await pilot.press(*JANE.swipe_text, "enter")
        await on_screen(pilot, "pin-screen")
        # The swipe's characters were swallowed, not typed into the PIN field.
        assert app.screen.query_one(PinInput).value == ""


async def test_a_bad_swipe_says_please_swipe_again_on_the_swipe_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        bad_swipe(app)
        await on_screen(pilot, "swipe-screen")
        assert "Please swipe again" in app.screen.notice


async def test_three_wrong_pins_lock_the_card_and_a_new_app_on_the_same_file_is_locked_too(
    make_app, db_path, clock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, BOB.card_number)
        await on_screen(pilot, "pin-screen")
        await pilot.press("0", "0", "0", "0", "enter")
        await wait_until(pilot, lambda: "2 tries left" in text_of(app, "#pin-error"), "2 left")
        await pilot.press("1", "1", "1", "1", "enter")
        await wait_until(pilot, lambda: "1 try left" in text_of(app, "#pin-error"), "1 left")
        await pilot.press("2", "2", "2", "2", "enter")
        await on_screen(pilot, "swipe-screen")
        assert "locked for 30 seconds" in app.screen.notice

    from kiosk.storage.customer_store import Store

    # A restart: a new store and a new app on the same file, in the same boot.
    with Store(db_path, clock_source=boot_clock(clock)) as reopened:
        again = make_app(on_store=reopened)
        async with again.run_test(size=(80, 25)) as pilot:
            swipe(again, BOB.card_number)
            await wait_until(pilot, lambda: "locked" in again.screen.notice, "locked notice")
            assert again.screen.id == "swipe-screen"
            # Even the right PIN is refused while locked; after the lock, it works.
            clock.advance(31)
            swipe(again, BOB.card_number)
            await on_screen(pilot, "pin-screen")
            await pilot.press(*BOB.pin, "enter")
            await on_screen(pilot, "home-screen")
            assert pin_locks.lock_state(reopened.db, again.screen.code).lock_count == 0


async def test_the_lock_doubles_after_three_more_wrong_pins(make_app, store, clock) -> None:
    code = store.find_customer(BOB.card_number)["code"]
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        for _round in range(2):
            swipe(app, BOB.card_number)
            await on_screen(pilot, "pin-screen")
            for left in ("2 tries left", "1 try left"):
                await pilot.press("0", "0", "0", "0", "enter")
                await wait_until(pilot, lambda left=left: left in text_of(app, "#pin-error"), left)
            await pilot.press("0", "0", "0", "0", "enter")
            await on_screen(pilot, "swipe-screen")
            clock.advance(31)
        assert pin_locks.lock_state(store.db, code).lock_count == 2
        assert "locked for 60 seconds" in app.screen.notice


async def test_a_customer_without_a_pin_chooses_one_typed_twice(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, ANA.card_number)
        await on_screen(pilot, "choose-pin-screen")
        await pilot.press("4", "3", "2", "1", "enter", "4", "3", "2", "2", "enter")
        await wait_until(pilot, lambda: "not the same" in text_of(app, "#pin-error"), "mismatch")
        assert not store.find_customer(ANA.card_number)["has_pin"]
        await pilot.press("4", "3", "2", "1", "enter", "4", "3", "2", "1", "enter")
        await on_screen(pilot, "home-screen")
        code = store.find_customer(ANA.card_number)["code"]
        assert store.verify_pin(code, "4321")


async def test_change_pin_from_home_replaces_the_pin_and_says_so(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        await pilot.press(*JANE.pin, "enter")
        await on_screen(pilot, "home-screen")
        await pilot.click("#change-pin")
        await on_screen(pilot, "choose-pin-screen")
        await pilot.press("7", "7", "8", "8", "enter", "7", "7", "8", "8", "enter")
        await on_screen(pilot, "home-screen")
        # Issue 14: there was no "PIN changed" feedback.
        await wait_until(pilot, lambda: app.screen.notice == "PIN changed", "PIN changed")
        code = store.find_customer(JANE.card_number)["code"]
        assert store.verify_pin(code, "7788")
        assert not store.verify_pin(code, JANE.pin)


async def test_the_on_screen_keypad_types_the_pin(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        # Taps land on the middle of each key's label, as a finger on a touch screen would.
        for key in (*JANE.pin, "ok"):
            await pilot.click(Keypad, offset=key_offset(key))
        await on_screen(pilot, "home-screen")


async def test_done_returns_to_the_swipe_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        await pilot.press(*JANE.pin, "enter")
        await on_screen(pilot, "home-screen")
        await pilot.press("enter")  # "Done" has the focus
        await on_screen(pilot, "swipe-screen")
        assert len(app.screen_stack) == 1


async def test_an_unknown_card_is_offered_registration(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, NEW_CARD.card_number)
        await on_screen(pilot, "register-offer-screen")
        assert NEW_CARD.card_number not in screen_svg(app)


async def test_screens_report_what_happened_with_typed_messages(make_app) -> None:
    """Screens post messages (the app moves on); none of them calls back into the app."""
    seen: list[Message] = []
    app = make_app()
    async with app.run_test(size=(80, 25), message_hook=seen.append) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        await pilot.press(*JANE.pin, "enter")
        await on_screen(pilot, "home-screen")
        await pilot.press("enter")  # "Done"
        await on_screen(pilot, "swipe-screen")
    unique = list({id(m): m for m in seen}.values())  # the hook sees each hop of a bubble
    [verified] = [m for m in unique if isinstance(m, PinEntryScreen.Verified)]
    assert verified.control is app.pin_screen
    assert verified.code == app.store.find_customer(JANE.card_number)["code"]
    assert [m.notice for m in unique if isinstance(m, SessionEnded)] == [GOODBYE]
