"""The PIN screen is shown again without Textual's restyle of every widget on it, and still looks
exactly as a full restyle would make it (``PinEntryScreen.on_screen_resume``, issue 15's CPU per
swipe). These tests fail if Textual stops honouring ``ScreenResume.refresh_styles``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.dom import DOMNode

from kiosk.ui.app import KioskApp
from tests.ui.conftest import JANE, on_screen, screen_svg, swipe, text_of, wait_until


def count_screen_restyles(app: KioskApp) -> list[int]:
    """Spy on the app's stylesheet: one count per pass that restyles the PIN screen whole
    (the screen and every node under it), which is what ``refresh_styles`` asks for."""
    passes = [0]
    update_nodes = app.stylesheet.update_nodes

    def spy(nodes: Iterable[DOMNode], animate: bool = False) -> None:
        nodes = list(nodes)
        if nodes and nodes[0] is app.pin_screen:
            passes[0] += 1
        update_nodes(nodes, animate=animate)

    app.stylesheet.update_nodes = spy  # type: ignore[method-assign]
    return passes


async def visit(pilot: Any, app: KioskApp) -> None:
    """Swipe Jane's card, reach the PIN screen, and go back to the swipe screen."""
    swipe(app, JANE.card_number)
    await on_screen(pilot, "pin-screen")
    await pilot.press("escape")
    await on_screen(pilot, "swipe-screen")


async def test_a_repeat_visit_does_not_restyle_the_pin_screen_unless_the_theme_changed(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await on_screen(pilot, "swipe-screen")
        await visit(pilot, app)
        passes = count_screen_restyles(app)
        for _ in range(3):
            await visit(pilot, app)
        assert passes[0] == 0, "a repeat visit restyled the whole PIN screen"

        app.theme = "textual-dark"  # changed while the PIN screen is hidden
        await pilot.pause()
        await visit(pilot, app)
        assert passes[0] == 1, "a theme change must restyle the PIN screen on its next visit"

        await pilot.resize_terminal(100, 30)
        await visit(pilot, app)
        assert passes[0] == 2, "a new terminal size must restyle the PIN screen"


async def test_the_pin_screen_shown_again_looks_as_a_full_restyle_makes_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await on_screen(pilot, "swipe-screen")
        swipe(app, JANE.card_number)
        await on_screen(pilot, "pin-screen")
        await pilot.press("9", "9", "9", "9", "enter")  # a wrong PIN: the red line, then gone
        await wait_until(pilot, lambda: "2 tries left" in text_of(app, "#pin-error"), "2 left")
        await pilot.press("escape")
        await on_screen(pilot, "swipe-screen")
        app.theme = "textual-light"
        await pilot.pause()
        await visit(pilot, app)  # restyled once for the new theme
        swipe(app, JANE.card_number)  # then shown again without a restyle
        await on_screen(pilot, "pin-screen")
        await pilot.press("1")
        await pilot.pause()
        shown = screen_svg(app)

        app.screen.update_node_styles(animate=False)
        app.screen.refresh()
        await pilot.pause()
        assert screen_svg(app) == shown
        assert text_of(app, "#pin-error") == ""
