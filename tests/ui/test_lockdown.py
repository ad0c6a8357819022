"""Lock-down (S11), the sync indicator, sync/reader seams and error handling (S10)."""

from __future__ import annotations

import threading

from textual.command import CommandPalette

from device.swipe import Swipe
from kiosk.storage.sync_state import record_contact
from kiosk.ui.app import GENERIC_PROBLEM, build_app
from kiosk.ui.config import KioskConfig
from tests.ui.conftest import JANE, on_screen, swipe, text_of, wait_until
from tests.ui.journeys import staff_home

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


async def test_the_indicator_goes_from_offline_to_online_and_only_staff_see_the_queue(
    make_app, store
) -> None:
    """Issue 14: customers saw "Offline - 2 waiting"; the queue is staff business."""
    app = make_app(status_interval=0.05)
    async with app.run_test(size=(80, 25)) as pilot:
        record_contact(store.db, ok=False, failure="connection refused")
        await wait_until(pilot, lambda: text_of(app, "#sync-indicator") == "Offline", "offline")
        code = store.find_customer(JANE.card_number)["code"]
        store.apply_edit({"code": code, "city": "Faro"})
        # The status is read in a thread of its own (issue 15): it may not have come yet.
        await wait_until(
            pilot,
            lambda: app.sync_status is not None and app.sync_status.pending == 1,
            "the edit counted",
        )
        await pilot.pause()
        assert text_of(app, "#sync-indicator") == "Offline"
        assert app.screen.query_one("#sync-indicator").has_class("-offline")
        record_contact(store.db, ok=True)
        await wait_until(pilot, lambda: text_of(app, "#sync-indicator") == "Online", "online")
        assert app.screen.query_one("#sync-indicator").has_class("-online")
        await staff_home(pilot)
        await wait_until(
            pilot, lambda: text_of(app, "#sync-indicator") == "Online - 1 waiting", "staff view"
        )


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

