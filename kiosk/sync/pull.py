"""Pull (S7): fill or refresh the local store from the central API, keeping local edits.

Customers, balances, campaigns and custom field definitions come from the central API; the store
(:mod:`kiosk.storage.refresh`) decides nothing here but writes them keeping every field and credit
that still has a queued local edit. This module only fetches and hands over in batches.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.central.client import CentralClient
from kiosk.storage.customer_store import Store
from kiosk.storage.refresh import RefreshCounts, refresh_customers

BATCH = 500
"""Customers written per transaction, so the kiosk stays responsive during a large pull."""


@dataclass
class PullReport(RefreshCounts):
    """What a pull changed."""

    campaigns: int = 0
    custom_fields: int = 0

    def summary(self) -> str:
        """One line for ``kiosk sync pull``."""
        return (
            f"{self.customers} customers ({self.new_customers} new), {self.campaigns} "
            f"campaigns, {self.custom_fields} custom fields; {self.kept_local_fields} fields "
            f"kept for queued local edits; {self.skipped_unsent_cards} cards wait for their "
            "registration"
        )


async def pull(store: Store, client: CentralClient) -> PullReport:
    """Refresh the local store from the central API; see the module docstring."""
    campaigns = await client.list_campaigns()
    custom_fields = await client.list_custom_fields()
    customers = await client.customer_search(include_balances=True)
    for campaign in campaigns:
        store.define_campaign(campaign)
    for definition in custom_fields:
        store.define_custom_field(definition)
    report = PullReport(campaigns=len(campaigns), custom_fields=len(custom_fields))
    for start in range(0, len(customers), BATCH):
        refresh_customers(store.outbox, store.view, customers[start : start + BATCH], report)
    return report
