"""Shared set-ups of the rewards screens' tests (issue 13): a customer with every campaign type,
and (from journeys.py) the ways to reach the staff reward screens."""

from __future__ import annotations

from decimal import Decimal

from kiosk.domain.fields import Campaign
from kiosk.domain.rewards import RewardLevel
from kiosk.storage.customer_store import Store
from kiosk.storage.rewards import replace_rewards
from tests.ui.conftest import JANE
from tests.ui.journeys import purchase_screen, redeem_screen

__all__ = ["every_campaign_type", "purchase_screen", "redeem_screen"]


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
