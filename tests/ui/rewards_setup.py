"""Shared set-ups of the rewards screens' tests (issue 13): a customer with every campaign type,
and the ways to reach the staff reward screens."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from textual.pilot import Pilot

from kiosk.domain.fields import Campaign
from kiosk.domain.rewards import RewardLevel
from kiosk.storage.customer_store import Store
from kiosk.storage.rewards import replace_rewards
from tests.ui.conftest import JANE, on_screen
from tests.ui.journeys import staff_customer


def every_campaign_type(store: Store) -> str:
    """Give Jane (points, visits, buy-X, gift card from the demo) an earned-value and an events
    balance too; returns her code."""
    code = store.find_customer(JANE.card_number)["code"]
    store.define_campaign(Campaign("5", "Cashback", "earned", "EUR"))
    store.define_campaign(Campaign("6", "Tastings", "events"))
    replace_rewards(store.db, "6", [RewardLevel("7", "Free tasting", Decimal(5))])
    store.seed_synced({"code": code, "campaign_id": "5", "auto_add": "3.5"})
    store.seed_synced({"code": code, "campaign_id": "6", "auto_add": "2"})
    return code


async def choose_campaign(pilot: Pilot[Any], campaign_id: str) -> None:
    pilot.app.screen.query_one("#campaign").value = campaign_id
    await pilot.pause()


async def redeem_screen(pilot: Pilot[Any], campaign_id: str = "1") -> None:
    """Staff, Jane's screen, the campaign chosen, "Redeem / spend"."""
    await staff_customer(pilot)
    await choose_campaign(pilot, campaign_id)
    await pilot.click("#redeem")
    await on_screen(pilot, "redeem-screen")


async def purchase_screen(pilot: Pilot[Any]) -> None:
    """Staff, Jane's screen, Coffee club, "Purchase"."""
    await staff_customer(pilot)
    await choose_campaign(pilot, "1")
    await pilot.click("#purchase")
    await on_screen(pilot, "purchase-screen")
