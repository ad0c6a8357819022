"""Pictures of the rewards screens (issue 13) at the console's 80x25, the clock frozen at 09:30,
no cursor blink, the demo's data (and Jane's extra campaigns where said). Each docstring says
what the picture must show; review the report before updating."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.ui.conftest import JANE, on_screen
from tests.ui.journeys import home_screen, staff_home
from tests.ui.rewards_setup import every_campaign_type, purchase_screen, redeem_screen

SIZE = (80, 25)


def test_home_with_every_campaign_type(snap_compare, make_app, store) -> None:
    """ "Welcome back, Jane!", Coffee club 120 in large digits, "points", the green "Ready to
    redeem: Free coffee" and "40 points to Free muffin"; then Visits 3 visits (2 to Free drink),
    Free bagel 1 x Bagel (4 to a free Bagel), Gift card $20.00, Cashback 3.50 EUR, Tastings 2
    events (3 to Free tasting); buttons with "History"; nothing cut off."""
    every_campaign_type(store)
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=home_screen)


def test_staff_redeem_rewards(snap_compare, make_app) -> None:
    """ "Redeem - Jane Doe", "Coffee club: 120 points", the rewards Free coffee 100 points and
    Free muffin 160 points (40 short), the custom points field, Redeem / Back."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=redeem_screen)


def test_staff_redeem_confirmation(snap_compare, make_app) -> None:
    """The box "Redeem 'Free coffee' for 100 points: Jane Doe goes from 120 to 20. From Coffee
    club." with Redeem / No ("No" focused)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await redeem_screen(pilot)
        await pilot.press("enter")
        await on_screen(pilot, "confirm-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_redeem_refused(snap_compare, make_app) -> None:
    """Free muffin chosen: in red, "Not enough to redeem: it needs 160, the balance is 120 (40
    short)." and no confirmation."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await redeem_screen(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_gift_card_spend_confirmation(snap_compare, make_app) -> None:
    """The box "Spend $7.50 from Gift card: Jane Doe goes from $20.00 to $12.50." with
    Spend / No."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await redeem_screen(pilot, "4")
        await pilot.press(*"7.5", "enter")
        await on_screen(pilot, "confirm-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_purchase_confirmation(snap_compare, make_app) -> None:
    """The box "Record a purchase of $12.50 in Coffee club: expect 25 points: Jane Doe goes
    from 120 to 145." with Record / No."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await purchase_screen(pilot)
        await pilot.press(*"12.5", "enter")
        await on_screen(pilot, "confirm-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_history_with_a_queued_redemption(snap_compare, make_app, store) -> None:
    """ "History", Jane Doe, Coffee club chosen, 20 points; the Free coffee redemption marked
    "(not sent yet)" first."""
    code = store.find_customer(JANE.card_number)["code"]
    store.redeem(code, "1", reward_id="1", actor="test")
    with store.db.conn:  # the queue's real creation time, fixed so the picture stays the same
        store.db.conn.execute("UPDATE outbox SET created_at = '2025-03-14T09:25:00+00:00'")

    async def run_before(pilot: Pilot[Any]) -> None:
        await home_screen(pilot)
        await pilot.click("#history")
        await on_screen(pilot, "history-screen")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_staff_search_by_last_four_card_digits(snap_compare, make_app) -> None:
    """Search "0029" lists Bob Smith with his masked card (only the last 4 digits shown)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await staff_home(pilot)
        await pilot.press(*"0029", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
