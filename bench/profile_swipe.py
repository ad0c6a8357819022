"""Where the CPU of a swipe goes: swipe -> PIN screen in a headless app, split into Textual's
style re-application on the pushed screen, its compositing and rendering, and the rest.

Not a benchmark of the whole process (``bench_swipe_cpu`` is): this one runs in-process under
Textual's headless driver, wraps three Textual methods with a CPU timer, and prints, per swipe,
the process CPU from the reader's callback to the PIN screen mounted and painted, and how much
of it each wrapped method took. The demo store; Jane's card; Escape back after each swipe.

Run: ``.venv/bin/python -m bench.profile_swipe [--swipes 200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import textual.dom  # noqa: E402
from textual._compositor import Compositor  # noqa: E402

from device.swipe import Swipe  # noqa: E402
from kiosk.demo import DEMO_CARDS, seed_demo_store  # noqa: E402
from kiosk.storage.customer_store import Store  # noqa: E402
from kiosk.ui.app import KioskApp, build_app  # noqa: E402
from kiosk.ui.config import KioskConfig  # noqa: E402
from kiosk.ui.reader_link import reader_callback  # noqa: E402

SPENT: dict[str, float] = {}
"""CPU seconds inside each wrapped method, while counting."""
COUNTING = [False]


def timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper that adds its CPU time to ``SPENT[label]``."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not COUNTING[0]:
            return original(*args, **kwargs)
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[label] = SPENT.get(label, 0.0) + time.process_time() - started

    setattr(owner, name, wrapper)
    SPENT[label] = 0.0  # printed even when never called (the PIN screen's style pass is skipped)


async def until(app: KioskApp, screen: str) -> None:
    while not (app.screen.id == screen and app.screen.is_mounted):
        await asyncio.sleep(0.001)


async def measure(swipes: int) -> None:
    directory = Path(tempfile.mkdtemp(prefix="kiosk-profile-"))
    store = Store(directory / "kiosk.db")
    seed_demo_store(store)
    app = build_app(store, config=KioskConfig(store_name="Profile", cursor_blink=False))
    card = DEMO_CARDS[0].card_number
    async with app.run_test(size=(80, 25)) as pilot:
        swipe = reader_callback(app)
        for _ in range(20):  # warm up: screens built, caches filled
            swipe(Swipe(card))
            await until(app, "pin-screen")
            await pilot.press("escape")
            await until(app, "swipe-screen")
        total = 0.0
        for _ in range(swipes):
            await pilot.pause()
            await asyncio.sleep(0.05)  # let timers and the status read settle
            COUNTING[0] = True
            started = time.process_time()
            swipe(Swipe(card))
            await until(app, "pin-screen")
            await pilot.pause()
            total += time.process_time() - started
            COUNTING[0] = False
            await pilot.press("escape")
            await until(app, "swipe-screen")
    store.close()
    per_swipe = total / swipes * 1e3
    print(f"CPU per swipe, callback -> PIN screen painted (headless): {per_swipe:.2f} ms")
    for label, seconds in SPENT.items():
        print(f"  of which {label:<44} {seconds / swipes * 1e3:6.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swipes", type=int, default=200)
    args = parser.parse_args()
    timed(textual.dom.DOMNode, "update_node_styles", "Textual: styles re-applied on the push")
    timed(Compositor, "render_update", "Textual: compositing and rendering")
    timed(Compositor, "reflow", "Textual: layout")
    asyncio.run(measure(args.swipes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
