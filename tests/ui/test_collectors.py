"""The UI conftest records every frame through Textual's private ``App._display`` for the S8
leak test: this test fails loudly the day a Textual upgrade makes that patch collect nothing."""

from __future__ import annotations

from pathlib import Path

from kiosk.storage.customer_store import Store
from kiosk.ui.app import KioskApp, build_app
from kiosk.ui.config import KioskConfig
from tests.conftest import LEAKS


async def test_every_frame_an_app_draws_is_recorded(tmp_path: Path, staff_pin_hash: str) -> None:
    """Textual's private ``App._display`` is where the UI conftest records frames."""
    assert hasattr(KioskApp, "_display"), "Textual no longer has App._display"
    before = sum(1 for source, _ in LEAKS.texts if source.startswith("screen "))
    with Store(tmp_path / "kiosk.db") as store:
        app = build_app(store, config=KioskConfig(staff_pin_hash=staff_pin_hash))
        async with app.run_test(size=(80, 25)) as pilot:
            await pilot.pause()
    after = sum(1 for source, _ in LEAKS.texts if source.startswith("screen "))
    assert after > before, "the frame recorder saw no frame: the _display patch stopped working"
