"""Fixtures for the interface tests: a real SQLite store with the demo data, a frozen clock,
an app factory, helpers that swipe through the reader's own callback and poll for state, and the
screen recorder that feeds the S8 leak test (every frame any app in these tests draws)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.strip import Strip

from device.swipe import BadSwipe, Swipe
from kiosk.demo import DEMO_CARDS, seed_demo_store
from kiosk.domain.secrets import hash_secret
from kiosk.storage.clock import ClockSource
from kiosk.storage.customer_store import Store
from kiosk.ui.app import KioskApp, build_app
from kiosk.ui.config import KioskConfig
from kiosk.ui.reader_link import reader_callback
from kiosk.ui.screens.card_issued import CardIssuedScreen
from kiosk.ui.screens.cheat_sheet import CheatSheetScreen
from tests.conftest import record_text, register_secret

STAFF_PIN = "9999"
register_secret(STAFF_PIN, pin=True)
JANE, BOB, ANA, NEW_CARD = DEMO_CARDS
FROZEN_AT = dt.datetime(2025, 3, 14, 9, 30).timestamp()
"""The frozen wall clock of every test (shown as 09:30)."""


class FakeAlarm:
    """A call the app asked for at ``due`` on the fake clock."""

    def __init__(self, due: float, callback: Callable[[], None]) -> None:
        self.due = due
        self.callback = callback
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class FakeClock:
    """Time that moves only when the test says: the wall clock (called) and the app's timer
    source (``now``/``call_after``, kiosk.ui.idle.TimerSource). ``advance`` runs every call
    that falls due on the way, in order, at its due time."""

    def __init__(self) -> None:
        self.time = FROZEN_AT
        self.alarms: list[FakeAlarm] = []

    def __call__(self) -> float:
        return self.time

    def now(self) -> float:
        return self.time

    def call_after(self, delay: float, callback: Callable[[], None]) -> FakeAlarm:
        alarm = FakeAlarm(self.time + delay, callback)
        self.alarms.append(alarm)
        return alarm

    def advance(self, seconds: float) -> None:
        end = self.time + seconds
        while True:
            due = [a for a in self.alarms if not a.stopped and a.due <= end]
            if not due:
                break
            alarm = min(due, key=lambda a: a.due)
            self.alarms.remove(alarm)
            self.time = max(self.time, alarm.due)
            alarm.callback()
        self.alarms = [a for a in self.alarms if not a.stopped]
        self.time = end


def frame_text(update: Any) -> str:
    """The text of a frame as Textual hands it to the terminal (a full or a partial update)."""
    if hasattr(update, "strips"):  # LayoutUpdate (lines of strips), InlineUpdate (strips)
        return "\n".join(
            line.text if isinstance(line, Strip) else "".join(strip.text for strip in line)
            for line in update.strips
        )
    if hasattr(update, "chops"):  # ChopsUpdate: the changed fragments of some lines
        return "\n".join(
            "".join(strip.text for strip in line.values() if strip is not None)
            for line in update.chops
        )
    return str(update)


@pytest.fixture(autouse=True, scope="session")
def _record_every_frame() -> Iterator[None]:
    """Record the text of every frame an app draws, for the S8 leak test.

    Headless apps still compose each frame (only the terminal write is skipped), so this sees
    exactly what a terminal would show. Left out: the demo cheat sheet, which shows the demo's
    fake cards and PINs on purpose (kiosk/demo.py), and the staff hand-over of a new card, the
    one screen meant to show a full card number (kiosk/ui/screens/card_issued.py).
    ``tests/ui/test_collectors.py`` checks that this recorder still sees frames.
    """
    display = KioskApp._display

    def recording_display(self: KioskApp, screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is not None and not isinstance(screen, CheatSheetScreen | CardIssuedScreen):
            record_text(f"screen {screen.id}", frame_text(renderable))

    KioskApp._display = recording_display  # type: ignore[method-assign]
    yield
    KioskApp._display = display  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def staff_pin_hash() -> str:
    return hash_secret(STAFF_PIN)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kiosk.db"


def boot_clock(clock: FakeClock) -> ClockSource:
    """The machine's boot clock as the fake clock: the store's kiosk clock (PIN locks, queue
    ages) moves when the test advances it. Give it to every store a test opens."""
    return ClockSource(boottime=clock.now, boot_id=lambda: "ui-test-boot")


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Store:
    # A seeded generator: customer codes (shown masked on some screens) are the same every run.
    with Store(db_path, rng=random.Random(7), clock_source=boot_clock(clock)) as opened:
        seed_demo_store(opened)
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


AppFactory = Callable[..., KioskApp]


@pytest.fixture
def make_app(store: Store, clock: FakeClock, staff_pin_hash: str) -> AppFactory:
    """Build an app on the test store; keyword arguments override the configuration."""

    def make(*, on_store: Store | None = None, **overrides: Any) -> KioskApp:
        values: dict[str, Any] = {
            "store_name": "Test shop",
            "cursor_blink": False,
            "staff_pin_hash": staff_pin_hash,
        }
        values.update(overrides)
        return build_app(
            on_store or store,
            config=KioskConfig(**values),
            clock=clock,
            timers=clock,
            survive_errors=False,
        )

    return make


def swipe(app: KioskApp, card_number: str) -> None:
    """Swipe a card the way a reader thread reports it."""
    reader_callback(app)(Swipe(card_number))


def bad_swipe(app: KioskApp) -> None:
    """A swipe the reader could not decode."""
    reader_callback(app)(BadSwipe.of("read_error"))


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], bool], what: str) -> None:
    """Let the app run until ``predicate`` holds (polling, no fixed sleeps)."""
    for _ in range(500):
        if predicate():
            return
        # Short pauses let timers (inactivity, status) run in real time; bounded, not timed.
        await pilot.pause(0.01)
    raise AssertionError(f"the app never reached: {what}")


def screen_id(app: KioskApp) -> str | None:
    return app.screen.id


async def on_screen(pilot: Pilot[Any], screen: str) -> None:
    """Wait until the screen with this id is shown and mounted."""
    app = pilot.app
    await wait_until(pilot, lambda: app.screen.id == screen and app.screen.is_mounted, screen)
    await pilot.pause()


def text_of(app: KioskApp, selector: str) -> str:
    """The text a Static shows."""
    return str(app.screen.query_one(selector).content)


def screen_svg(app: KioskApp) -> str:
    """The screen as the snapshot plugin sees it (SVG text), to check what is visible."""
    return app.export_screenshot()
