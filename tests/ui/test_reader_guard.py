"""An evdev reader that is not grabbed (yet, or any more) types into the terminal: swipe-like
bursts are caught as swipes and never reach a PIN field; once grabbed, keys pass as typed."""

from __future__ import annotations

from typing import Any

from kiosk.ui.app import build_app
from kiosk.ui.config import KioskConfig
from kiosk.ui.messages import ReaderStatusChanged
from tests.ui.conftest import JANE, on_screen, wait_until

KEYS = {";": "semicolon", "?": "question_mark", "=": "equals_sign", "%": "percent_sign"}


class IdleReader:
    """Stands in for the evdev reader thread: it only reports a status."""

    name = "evdev fake"
    status = "not found, retrying"

    def start(self) -> None: ...

    def stop(self) -> None: ...


def guarded_app(store: Any, clock: Any) -> Any:
    return build_app(
        store,
        config=KioskConfig(store_name="Test shop", cursor_blink=False),
        reader_spec="evdev:name=Fake Reader",
        reader_opener=lambda spec, on_event: IdleReader(),
        clock=clock,
        timers=clock,
        survive_errors=False,
    )


async def type_fast(pilot: Any, text: str) -> None:
    await pilot.press(*[KEYS.get(c, c) for c in text])


async def test_an_ungrabbed_reader_swipe_is_caught_and_never_reaches_the_pin_field(store, clock):
    app = guarded_app(store, clock)
    async with app.run_test(size=(80, 25)) as pilot:
        app.post_message(ReaderStatusChanged("another program holds the reader"))
        await type_fast(pilot, f";{JANE.card_number}=2512?")
        await pilot.press("enter")
        await on_screen(pilot, "pin-screen")
        # A second swipe while the PIN screen is up: its keys must not land in the PIN field.
        await type_fast(pilot, f";{JANE.card_number}?")
        await pilot.press("enter")
        await pilot.pause(0.3)
        values = [getattr(w, "value", "") for w in app.screen.query("Input")]
        assert all(JANE.card_number[:4] not in value for value in values), values


async def test_once_grabbed_the_guard_lets_typed_keys_through(store, clock):
    app = guarded_app(store, clock)
    async with app.run_test(size=(80, 25)) as pilot:
        app.post_message(ReaderStatusChanged("connected"))
        await wait_until(pilot, lambda: app.reader_status == "connected", "the grab")
        assert app.wedge is not None and app.wedge.guard
        await type_fast(pilot, f";{JANE.card_number}?")
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert not app.wedge.active
        assert app.screen.id != "pin-screen"
