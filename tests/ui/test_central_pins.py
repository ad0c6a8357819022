"""PINs of customers the central API knows (S9): the API never gives a PIN out, so a kiosk that
holds no hash checks the PIN online and keeps a hash; a card holder can never choose a new PIN
for such a customer; offline, they are told plainly; staff can set a new PIN, audited.

Against the reference server over HTTP on loopback, with a store filled by a real pull."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from kiosk.central.client import CentralClient
from kiosk.domain.fields import Campaign
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer, start_server
from kiosk.reference.store import ReferenceStore
from kiosk.storage import pin_locks
from kiosk.storage.audit import audit_rows
from kiosk.storage.customer_store import Store
from kiosk.storage.sync_state import SyncStatus
from kiosk.sync.pins import OnlinePins
from kiosk.sync.pull import pull
from kiosk.ui.app import KioskApp, build_app
from kiosk.ui.config import KioskConfig
from kiosk.ui.screens.choose_pin import STAFF_PIN_DETAIL
from kiosk.ui.visit import NO_PIN_OFFLINE
from tests.conftest import register_secret
from tests.ui.conftest import FakeClock, on_screen, swipe, text_of, wait_until
from tests.ui.test_staff import open_customer_by_swipe, staff_login

KIM_CARD, KIM_PIN = "6002000000000019", "4826"
LEE_CARD, LEE_PIN = "6002000000000027", "5937"
for secret in (KIM_PIN, LEE_PIN):
    register_secret(secret, pin=True)
register_secret(KIM_CARD)
register_secret(LEE_CARD)


@dataclass
class Line:
    """What the status reader says about the line (the app reads it on a timer)."""

    online: bool = True

    def status(self) -> SyncStatus:
        return SyncStatus(
            online=self.online,
            last_contact_at=None,
            last_failure="" if self.online else "unreachable",
            pending=0,
            attention=0,
            oldest_pending_at=None,
            stale=False,
        )


@pytest.fixture
async def central(tmp_path: Path) -> AsyncIterator[RunningServer]:
    running = start_server(tmp_path / "central.db")

    def seed(store: ReferenceStore) -> None:
        store.define_campaign(Campaign("1", "Points", "points"))
        for card, pin, name in ((KIM_CARD, KIM_PIN, "Kim"), (LEE_CARD, LEE_PIN, "Lee")):
            store.apply_edit({"card_number": card, "first_name": name, "customer_PIN": pin})

    running.read(seed)
    yield running
    running.stop()


@pytest.fixture
async def pulled(tmp_path: Path, central: RunningServer) -> AsyncIterator[Store]:
    """A new kiosk, filled from the central API: its customers arrive without PINs."""
    with Store(tmp_path / "kiosk.db") as store:
        async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as client:
            await pull(store, client)
        yield store


def kiosk_app(
    store: Store, central: RunningServer, line: Line, staff_pin_hash: str, **extra: Any
) -> tuple[KioskApp, OnlinePins]:
    pins = OnlinePins(lambda: CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=1.0))
    clock = FakeClock()
    config = KioskConfig(store_name="Test shop", cursor_blink=False, staff_pin_hash=staff_pin_hash)
    app = build_app(
        store,
        config=replace(config, **extra),
        clock=clock,
        timers=clock,
        survive_errors=False,
        status_reader=line.status,
        online_pins=pins.check,
    )
    return app, pins


def pin_error(app: KioskApp) -> str:
    return text_of(app, "#pin-error")


async def test_a_customer_from_the_central_api_cannot_choose_a_pin_and_signs_in_online_then_offline(
    pulled: Store, central: RunningServer, staff_pin_hash: str, tmp_path: Path
) -> None:
    kim = pulled.find_customer(KIM_CARD)
    assert kim is not None and not kim["has_pin"] and not kim["registered_here"]
    line = Line(online=True)
    app, pins = kiosk_app(pulled, central, line, staff_pin_hash)
    async with app.run_test(size=(80, 25)) as pilot:
        # Online: asked for the PIN (never offered to choose one); the central API checks it.
        swipe(app, KIM_CARD)
        await on_screen(pilot, "pin-screen")
        await pilot.press("1", "1", "1", "1", "enter")
        await wait_until(pilot, lambda: "Wrong PIN. 2 tries left." in pin_error(app), "wrong")
        assert pin_locks.lock_state(pulled.db, kim["code"]).failures == 1
        await pilot.press(*KIM_PIN, "enter")
        await on_screen(pilot, "home-screen")
        assert pulled.find_customer(KIM_CARD)["has_pin"]  # a hash kept for the next check
        assert pin_locks.lock_state(pulled.db, kim["code"]).failures == 0

        # Offline: the kept hash checks the real PIN locally.
        central.stop()
        line.online = False
        app.refresh_sync_status()  # read off the loop: the indicators follow a moment later
        await wait_until(pilot, lambda: not app.sync_status.online, "the line seen down")
        swipe(app, KIM_CARD)
        await on_screen(pilot, "pin-screen")
        await pilot.press(*KIM_PIN, "enter")
        await on_screen(pilot, "home-screen")

        # Offline, another customer of the central API whose PIN this kiosk never saw: a plain
        # message; no PIN is asked for and none can be chosen.
        swipe(app, LEE_CARD)
        await on_screen(pilot, "swipe-screen")
        await wait_until(pilot, lambda: NO_PIN_OFFLINE in _notice(app), "plain message")
    await pins.aclose()
    assert pulled.outbox.entries() == []  # no PIN was sent to the central API
    with ReferenceStore(tmp_path / "central.db") as after:
        code = after.view.codes_with_card(KIM_CARD)[0]
        assert after.verify_pin(code, KIM_PIN)  # the real PIN is still the real PIN


async def test_wrong_online_pins_lock_the_card_like_local_ones(
    pulled: Store, central: RunningServer, staff_pin_hash: str
) -> None:
    lee = pulled.find_customer(LEE_CARD)
    app, pins = kiosk_app(pulled, central, Line(online=True), staff_pin_hash)
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, LEE_CARD)
        await on_screen(pilot, "pin-screen")
        for _ in range(3):
            await pilot.press("0", "0", "0", "0", "enter")
            await wait_until(pilot, lambda: not app.pin_screen.checking, "checked")
        await on_screen(pilot, "swipe-screen")
        assert "Too many wrong PINs" in _notice(app)
        state = pin_locks.lock_state(pulled.db, lee["code"])
        assert state.lock_count == 1 and state.is_locked(app.elapsed())  # persisted in the file
        swipe(app, LEE_CARD)  # locked: refused at once, the right PIN is not even asked for
        await wait_until(pilot, lambda: "Too many wrong PINs" in _notice(app), "still locked")
        assert app.screen.id == "swipe-screen"
    await pins.aclose()
    assert not pulled.find_customer(LEE_CARD)["has_pin"]


async def test_when_the_central_api_cannot_answer_the_customer_is_told_and_nothing_counts(
    pulled: Store, central: RunningServer, staff_pin_hash: str
) -> None:
    app, pins = kiosk_app(pulled, central, Line(online=True), staff_pin_hash)
    central.stop()  # the status still says online: the check itself finds the line down
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, KIM_CARD)
        await on_screen(pilot, "pin-screen")
        await pilot.press(*KIM_PIN, "enter")
        await on_screen(pilot, "swipe-screen")
        await wait_until(pilot, lambda: NO_PIN_OFFLINE in _notice(app), "plain message")
    await pins.aclose()
    kim = pulled.find_customer(KIM_CARD)
    assert not kim["has_pin"] and pin_locks.lock_state(pulled.db, kim["code"]).failures == 0


async def test_staff_set_a_new_pin_after_checking_identity_and_it_is_audited(
    pulled: Store, central: RunningServer, staff_pin_hash: str
) -> None:
    kim = pulled.find_customer(KIM_CARD)
    app, pins = kiosk_app(pulled, central, Line(online=False), staff_pin_hash)
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_login(pilot)
        await open_customer_by_swipe(pilot, KIM_CARD)
        await pilot.click("#new-pin")
        await on_screen(pilot, "confirm-screen")
        assert "Check who they are first" in text_of(app, "#confirm-question")
        await pilot.click("#confirm-yes")
        await on_screen(pilot, "choose-pin-screen")
        await pilot.press("7", "3", "1", "9", "enter", "7", "3", "1", "9", "enter")
        await on_screen(pilot, "staff-customer-screen")
    await pins.aclose()
    assert pulled.verify_pin(kim["code"], "7319")
    [entry] = pulled.outbox.entries()
    assert entry.request == {"code": kim["code"], "customer_PIN": "7319"}
    [row] = audit_rows(pulled.db)
    assert (row["actor"], row["action"]) == ("staff (PIN)", "customer.pin_reset")
    assert STAFF_PIN_DETAIL in row["detail"] and "7319" not in row["detail"]


def _notice(app: KioskApp) -> str:
    return " ".join(str(w.content) for w in app.screen.query("#swipe-notice"))
