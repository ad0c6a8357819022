"""Inactivity (S11, issue 14): one timer that any key restarts, a "Still there? 10 s" countdown,
and the reset exactly at the configured timeout on every screen, staff screens included.

Time is the test's: the app runs on a fake timer source (tests/ui/conftest.py ``FakeClock``)
that moves only when a test says, so nothing else on the machine (a scrypt check in a thread,
other tests on 2 cores) can make these tests pass or fail.
"""

from __future__ import annotations

import pytest

from kiosk.demo import DEMO_CARDS, cheat_sheet
from kiosk.ui.app import build_app
from kiosk.ui.config import KioskConfig
from kiosk.ui.idle import AppTimers
from kiosk.ui.widgets.inputs import PinInput
from kiosk.ui.widgets.still_there import StillThere
from tests.ui.conftest import JANE, on_screen, swipe, wait_until
from tests.ui.journeys import EVERY_SCREEN, home_screen, staff_home

TIMEOUT = 30


def banner_text(app) -> str | None:
    found = list(app.screen.query(StillThere))
    return str(found[0].content) if found else None


def demo_app(make_app):
    cards = tuple((card.label, card.card_number) for card in DEMO_CARDS)
    return make_app(
        inactivity_timeout=TIMEOUT, demo=True, cheat_sheet=cheat_sheet(), demo_cards=cards
    )


@pytest.mark.parametrize("screen", sorted(EVERY_SCREEN))
async def test_every_screen_counts_down_the_last_10_seconds_and_resets_at_exactly_30(
    make_app, clock, screen
) -> None:
    """The 30 s setting fired between 31 and 56 s, and never on the sync queue screen."""
    app = demo_app(make_app)
    async with app.run_test(size=(80, 25)) as pilot:
        await EVERY_SCREEN[screen](pilot)
        clock.advance(TIMEOUT - 10 - 0.01)
        await pilot.pause()
        assert banner_text(app) is None
        for left in range(10, 0, -1):
            clock.advance(0.01 if left == 10 else 1)
            await pilot.pause()
            assert app.screen.id == screen
            assert banner_text(app) == f"Still there? {left} s\nPress any key to continue."
        clock.advance(0.99)
        await pilot.pause()
        assert app.screen.id == screen  # 29.99 s: not yet
        clock.advance(0.01)
        await on_screen(pilot, "swipe-screen")
        assert len(app.screen_stack) == 1 and app.current_mode == "kiosk"
        assert app.staff_actor is None
        assert banner_text(app) is None


async def test_a_key_answers_the_countdown_does_nothing_else_and_restarts_the_timer(
    make_app, clock
) -> None:
    app = make_app(inactivity_timeout=TIMEOUT)
    async with app.run_test(size=(80, 25)) as pilot:
        await home_screen(pilot)  # "Done" has the focus
        clock.advance(25)
        await pilot.pause()
        assert banner_text(app) == "Still there? 5 s\nPress any key to continue."
        await pilot.press("enter")  # "yes, still here": it must not press "Done"
        await pilot.pause()
        assert banner_text(app) is None and app.screen.id == "home-screen"
        clock.advance(TIMEOUT - 10 - 0.01)
        await pilot.pause()
        assert banner_text(app) is None
        clock.advance(10.01)
        await on_screen(pilot, "swipe-screen")


async def test_a_key_before_the_countdown_moves_the_reset(make_app, clock) -> None:
    app = make_app(inactivity_timeout=TIMEOUT)
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        clock.advance(15)
        await pilot.press("2")
        clock.advance(TIMEOUT - 0.01)
        await pilot.pause()
        assert app.screen.id == "pin-screen"
        assert app.screen.query_one(PinInput).value == "2"
        clock.advance(0.01)
        await on_screen(pilot, "swipe-screen")


async def test_inactivity_clears_the_pin_typed(make_app, clock) -> None:
    app = make_app(inactivity_timeout=TIMEOUT)
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        pin_field = app.screen.query_one(PinInput)
        await pilot.press("2", "4")
        clock.advance(TIMEOUT)
        await on_screen(pilot, "swipe-screen")
        assert pin_field.value == ""


async def test_inactivity_in_staff_mode_closes_staff_mode_and_clears_the_search(
    make_app, clock
) -> None:
    app = make_app(inactivity_timeout=TIMEOUT)
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_home(pilot)
        search = app.screen.query_one("#search")
        await pilot.press(*"Doe")
        clock.advance(TIMEOUT)
        await on_screen(pilot, "swipe-screen")
        assert search.value == ""
        assert app.current_mode == "kiosk" and app.staff_actor is None


async def test_the_idle_swipe_screen_shows_no_countdown(make_app, clock) -> None:
    app = make_app(inactivity_timeout=TIMEOUT)
    async with app.run_test(size=(80, 25)) as pilot:
        clock.advance(TIMEOUT - 5)
        await pilot.pause()
        assert banner_text(app) is None and app.screen.id == "swipe-screen"


async def test_a_short_timeout_counts_down_its_last_half(make_app, clock) -> None:
    app = make_app(inactivity_timeout=6)
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        clock.advance(3)
        await pilot.pause()
        assert banner_text(app) == "Still there? 3 s\nPress any key to continue."
        clock.advance(3)
        await on_screen(pilot, "swipe-screen")


async def test_the_real_timer_source_calls_back_on_the_app_and_can_be_stopped(store) -> None:
    """The production timer source (every other test drives a fake one)."""
    app = build_app(store, config=KioskConfig(cursor_blink=False))
    async with app.run_test(size=(80, 25)) as pilot:
        timers = AppTimers(app)
        fired: list[str] = []
        timers.call_after(0.05, lambda: fired.append("kept")).stop()
        timers.call_after(0.05, lambda: fired.append("due"))
        await wait_until(pilot, lambda: fired == ["due"], "the timer fired")
        await pilot.pause(0.1)
        assert fired == ["due"]
