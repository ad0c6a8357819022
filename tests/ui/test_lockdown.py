"""Lock-down (S11), inactivity clearing, sync/reader seams and error handling (S10)."""

from __future__ import annotations

import threading

from textual.command import CommandPalette

from device.swipe import Swipe
from kiosk.storage.sync_state import record_contact
from kiosk.ui.app import GENERIC_PROBLEM, build_app
from kiosk.ui.config import KioskConfig
from kiosk.ui.idle import AppTimers
from kiosk.ui.widgets.inputs import PinInput
from tests.ui.conftest import JANE, STAFF_PIN, on_screen, swipe, text_of, wait_until

ESCAPE_KEYS = ("ctrl+c", "ctrl+q", "ctrl+z", "ctrl+backslash", "ctrl+p")


async def test_no_key_combination_quits_suspends_or_opens_a_palette(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        for screen in ("swipe-screen", "pin-screen"):
            if screen == "pin-screen":
                swipe(app, JANE.card_number)
                await on_screen(pilot, "pin-screen")
            await pilot.press(*ESCAPE_KEYS)
            await pilot.pause()
            assert app.is_running and app.return_code is None
            assert not isinstance(app.screen, CommandPalette)
            assert app.screen.id == screen


async def test_inactivity_returns_to_the_swipe_screen_and_clears_the_pin_typed(
    make_app, clock
) -> None:
    """Time is the test's (a fake timer source): nothing else on the machine can move it."""
    app = make_app(inactivity_timeout=30)
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        pin_field = app.screen.query_one(PinInput)
        await pilot.press("2", "4")
        clock.advance(29.9)
        await pilot.pause()
        assert app.screen.id == "pin-screen" and pin_field.value == "24"
        clock.advance(0.1)
        await on_screen(pilot, "swipe-screen")
        assert pin_field.value == ""
        assert len(app.screen_stack) == 1


async def test_a_key_restarts_the_inactivity_timer(make_app, clock) -> None:
    app = make_app(inactivity_timeout=30)
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        clock.advance(20)
        await pilot.press("2")
        clock.advance(29)
        await pilot.pause()
        assert app.screen.id == "pin-screen"
        clock.advance(1)
        await on_screen(pilot, "swipe-screen")


async def test_inactivity_in_staff_mode_closes_staff_mode_and_clears_the_search(
    make_app, clock
) -> None:
    app = make_app(inactivity_timeout=30)
    async with app.run_test(size=(80, 25)) as pilot:
        await pilot.press("f9")
        await on_screen(pilot, "staff-login-screen")
        await pilot.press(*STAFF_PIN, "enter")
        await on_screen(pilot, "staff-home-screen")
        search = app.screen.query_one("#search")
        await pilot.press(*"Doe")
        clock.advance(30)
        await on_screen(pilot, "swipe-screen")
        assert search.value == ""
        assert app.current_mode == "kiosk" and app.staff_actor is None


async def test_the_indicator_goes_from_offline_to_online_with_the_number_waiting(
    make_app, store
) -> None:
    app = make_app(status_interval=0.05)
    async with app.run_test(size=(80, 25)) as pilot:
        record_contact(store.db, ok=False, failure="connection refused")
        await wait_until(pilot, lambda: text_of(app, "#sync-indicator") == "Offline", "offline")
        code = store.find_customer(JANE.card_number)["code"]
        store.apply_edit({"code": code, "city": "Faro"})
        await wait_until(
            pilot, lambda: text_of(app, "#sync-indicator") == "Offline - 1 waiting", "1 waiting"
        )
        assert app.screen.query_one("#sync-indicator").has_class("-offline")
        record_contact(store.db, ok=True)
        await wait_until(
            pilot, lambda: text_of(app, "#sync-indicator") == "Online - 1 waiting", "online"
        )
        assert app.screen.query_one("#sync-indicator").has_class("-online")


async def test_a_failing_sync_worker_never_exits_the_app(store, clock) -> None:
    calls: list[int] = []

    async def broken_sync() -> None:
        calls.append(1)
        raise ConnectionError("central API unreachable")

    app = build_app(store, config=KioskConfig(cursor_blink=False), sync_runner=broken_sync)
    async with app.run_test(size=(80, 25)) as pilot:
        await wait_until(pilot, lambda: bool(calls), "sync worker ran")
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        assert app.is_running


async def test_a_reader_thread_swipe_reaches_the_pin_screen(store) -> None:
    class ThreadReader:
        """Stands in for device.readers: reports one swipe from its own thread."""

        status = "connected"
        name = "test reader"

        def __init__(self, spec: str, on_event) -> None:
            self.on_event = on_event
            self.stopped = False

        def start(self) -> None:
            threading.Thread(target=self.on_event, args=(Swipe(JANE.card_number),)).start()

        def stop(self) -> None:
            self.stopped = True

    opened: list[ThreadReader] = []

    def opener(spec: str, on_event) -> ThreadReader:
        opened.append(ThreadReader(spec, on_event))
        return opened[-1]

    app = build_app(
        store,
        config=KioskConfig(cursor_blink=False),
        reader_spec="serial:/dev/ttyUSB0",
        reader_opener=opener,
    )
    async with app.run_test(size=(80, 25)) as pilot:
        await on_screen(pilot, "pin-screen")
        assert app.reader_status == "connected"
        assert app.wedge is None
    assert opened[0].stopped


async def test_an_unexpected_error_shows_a_plain_message_not_a_traceback(store) -> None:
    def broken_find(card: str) -> None:
        raise RuntimeError("disk on fire /secret/path")

    store.find_customer = broken_find  # type: ignore[method-assign]
    app = build_app(store, config=KioskConfig(cursor_blink=False))
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await wait_until(pilot, lambda: app.screen.notice == GENERIC_PROBLEM, "plain message")
        assert app.is_running
        assert "secret" not in app.export_screenshot()


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
