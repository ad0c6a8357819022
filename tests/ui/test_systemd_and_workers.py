"""The app and its surroundings: systemd notifications after the first frame, log lines kept off
the app's terminal, the prebuilt PIN screen, and PIN checks that never freeze the interface."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli.app import LOG_FILE_NAME, log_stream
from kiosk.storage import pin_locks
from kiosk.ui.app import build_app
from kiosk.ui.config import KioskConfig
from kiosk.ui.screens import pin_entry
from kiosk.ui.systemd_hooks import SystemdHooks
from kiosk.ui.widgets.inputs import PinInput
from tests.ui.conftest import BOB, JANE, on_screen, swipe, text_of, wait_until


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A datagram socket standing in for systemd's, named by ``$NOTIFY_SOCKET``."""
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield sock
    sock.close()


def drain(sock: socket.socket) -> list[str]:
    received = []
    while True:
        try:
            received.append(sock.recv(4096).decode())
        except BlockingIOError:
            return received


async def test_ready_is_sent_after_the_first_frame_then_pings_then_stopping(
    store: Any, notify_socket: socket.socket
) -> None:
    app = build_app(store, config=KioskConfig(cursor_blink=False), systemd=SystemdHooks.from_env())
    # Everything systemd received, in order, with a marker where each frame was drawn.
    events: list[str] = []
    display = app._display

    def spy(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None:
            events.extend(drain(notify_socket))
            events.append("frame")

    app._display = spy  # type: ignore[method-assign]
    async with app.run_test(size=(80, 25)) as pilot:

        def seen(state: str) -> bool:
            events.extend(drain(notify_socket))
            return state in events

        await wait_until(pilot, lambda: seen("READY=1"), "READY=1")
        await wait_until(pilot, lambda: seen("WATCHDOG=1"), "a watchdog ping")
        assert events.index("frame") < events.index("READY=1")
        assert events.count("READY=1") == 1
    assert drain(notify_socket)[-1:] == ["STOPPING=1"]


def test_logs_never_go_to_the_terminal_the_app_draws_on(tmp_path: Path) -> None:
    primary, secondary = os.openpty()
    with open(secondary, "w") as terminal:
        stream = log_stream(tmp_path / "data", terminal, environ={})
        try:
            assert stream is not terminal
            stream.write("a line\n")
            assert (tmp_path / "data" / LOG_FILE_NAME).read_text() == "a line\n"
            assert (tmp_path / "data" / LOG_FILE_NAME).stat().st_mode & 0o077 == 0
        finally:
            stream.close()
    os.close(primary)


def test_logs_go_to_stderr_when_it_is_the_journal_or_a_pipe(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    with open(write_end, "w") as pipe:
        info = os.fstat(pipe.fileno())
        journal = {"JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"}
        assert log_stream(tmp_path, pipe, environ=journal) is pipe
        assert log_stream(tmp_path, pipe, environ={}) is pipe
    os.close(read_end)
    assert not (tmp_path / LOG_FILE_NAME).exists()


async def test_the_pin_screen_is_built_once_and_reset_for_every_visit(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        # Built after the first frame, before any swipe, and never shown meanwhile.
        await wait_until(pilot, lambda: app.pin_screen.is_mounted, "the PIN screen built")
        assert app.screen.id == "swipe-screen" and len(app.screen_stack) == 1
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        first = app.screen
        assert first is app.pin_screen
        await pilot.press("1", "2")
        swipe(app, BOB.card_number)  # a new card while Jane's PIN is half typed
        await wait_until(pilot, lambda: "Bob" in text_of(app, "#pin-greeting"), "Bob's visit")
        assert app.screen is first
        assert app.screen.query_one(PinInput).value == ""
        await pilot.press("escape")
        await on_screen(pilot, "swipe-screen")
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        assert app.screen is first and "Hello Jane!" in text_of(app, "#pin-greeting")


async def test_while_a_pin_is_checked_input_is_off_and_the_app_stays_live(
    make_app, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scrypt check runs off the UI thread; a wrong PIN counts even if the visit ends."""
    release = asyncio.Event()
    checked: list[str] = []

    async def slow_verify(store: Any, code: str, pin: str) -> bool:
        checked.append(code)
        await release.wait()  # stands in for a slow scrypt on a Pi
        return False

    monkeypatch.setattr(pin_entry, "verify_pin_off_thread", slow_verify)
    code = store.find_customer(JANE.card_number)["code"]
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        await pilot.press("0", "0", "0", "0", "enter")
        await wait_until(pilot, lambda: bool(checked), "the check started")
        field = app.screen.query_one(PinInput)
        assert field.disabled
        assert text_of(app, "#pin-error") == pin_entry.CHECKING
        await pilot.press("5")  # typing meanwhile goes nowhere
        assert field.value == ""
        await pilot.press("escape")  # the interface still answers: the visit ends
        await on_screen(pilot, "swipe-screen")
        release.set()
        await wait_until(
            pilot, lambda: pin_locks.lock_state(store.db, code).failures == 1, "failure counted"
        )
        assert app.screen.id == "swipe-screen"
        assert not field.disabled
