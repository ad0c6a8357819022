"""The history screen reads the central history when it can (issue 13 item 5): against the
reference server over HTTP on loopback with the demo's data, and against an address nothing
answers on, where it keeps what the kiosk knows and says so."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from kiosk.central.client import CentralClient
from kiosk.demo import DemoSetup, prepare_demo
from kiosk.reference.server import DEFAULT_CREDENTIALS
from kiosk.sync.history_reader import CentralHistory
from kiosk.ui.app import build_app
from kiosk.ui.config import KioskConfig
from kiosk.ui.screens.history import NOT_READ
from tests.ui.conftest import JANE, FakeClock, on_screen, wait_until
from tests.ui.journeys import home_screen


@pytest.fixture
def demo() -> Iterator[DemoSetup]:
    setup = prepare_demo(with_central=True)
    assert setup.server is not None, setup.notes
    yield setup
    setup.close()


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_central_history_replaces_what_the_kiosk_knows(demo: DemoSetup) -> None:
    clock = FakeClock()
    code = demo.store.find_customer(JANE.card_number)["code"]
    demo.store.redeem(code, "1", reward_id="1", actor="test")  # queued, not sent (no sync runs)
    app = build_app(
        demo.store,
        config=KioskConfig(cursor_blink=False),
        clock=clock,
        timers=clock,
        survive_errors=False,
        history_reader=demo.history_reader,
    )
    async with app.run_test(size=(80, 25)) as pilot:
        await home_screen(pilot)
        await pilot.click("#history")
        await on_screen(pilot, "history-screen")
        screen = app.screen
        await wait_until(pilot, lambda: "Earned" in screen.shown_lines, "the central history")
        lines = screen.shown_lines.splitlines()
        assert "Redeemed -100 points" in lines[0] and "(not sent yet)" in lines[0]
        assert "Earned   +120 points" in lines[1] and "not sent" not in lines[1]
        assert screen.source_note == ""
    # Kept: the central lines are there offline next time.
    assert any(not line.pending for line in demo.store.history(code, "1", 10))


async def test_unreachable_central_history_keeps_what_the_kiosk_knows(demo: DemoSetup) -> None:
    clock = FakeClock()
    url = f"http://127.0.0.1:{unused_port()}/"
    nowhere = CentralHistory(
        lambda: CentralClient(url, DEFAULT_CREDENTIALS, timeout=1.0), demo.store
    )
    code = demo.store.find_customer(JANE.card_number)["code"]
    demo.store.redeem(code, "1", reward_id="1", actor="test")
    app = build_app(
        demo.store,
        config=KioskConfig(cursor_blink=False),
        clock=clock,
        timers=clock,
        survive_errors=False,
        history_reader=nowhere.read,
    )
    async with app.run_test(size=(80, 25)) as pilot:
        await home_screen(pilot)
        await pilot.click("#history")
        await on_screen(pilot, "history-screen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.source_note == NOT_READ, "the note")
        assert "(not sent yet)" in screen.shown_lines
    await nowhere.aclose()
