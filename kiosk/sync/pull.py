"""Pull (S7): fill or refresh the local store from the central API, keeping local edits.

Campaigns come from ``campaigns_list``, each campaign's rewards from ``campaign_rewards``, custom
fields from ``manage_fields``, and the customers with their balances from one search of every
customer, read as it arrives (:meth:`~kiosk.central.client.CentralClient.iter_customers`) and
written in batches: an account of any size fills a new kiosk in bounded memory, with no cap on
the whole answer. The store (:mod:`kiosk.storage.refresh`) decides what each batch changes,
keeping every field and credit that still has a queued local edit and every value the answer did
not give; this module only fetches and hands over.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.central.client import CentralClient, CentralCustomer
from kiosk.storage.customer_store import Store
from kiosk.storage.refresh import RefreshCounts, refresh_customers
from kiosk.storage.rewards import replace_rewards

BATCH = 500
"""Customers written per transaction, so the kiosk stays responsive during a large pull."""


@dataclass
class PullReport(RefreshCounts):
    """What a pull changed."""

    campaigns: int = 0
    rewards: int = 0
    custom_fields: int = 0

    def summary(self) -> str:
        """One line for ``kiosk sync pull``."""
        return (
            f"{self.customers} customers ({self.new_customers} new), {self.campaigns} "
            f"campaigns, {self.custom_fields} custom fields; {self.kept_local_fields} fields "
            f"kept for queued local edits; {self.skipped_unsent_cards} cards wait for their "
            f"registration; {self.rewards} rewards"
        )


async def pull(store: Store, client: CentralClient) -> PullReport:
    """Refresh the local store from the central API; see the module docstring.

    Customers written before a failure stay written (each batch is one transaction); the next
    pull refreshes them again.
    """
    campaigns = await client.list_campaigns()
    custom_fields = await client.list_custom_fields()
    for campaign in campaigns:
        store.define_campaign(campaign)
    for definition in custom_fields:
        store.define_custom_field(definition)
    report = PullReport(campaigns=len(campaigns), custom_fields=len(custom_fields))
    for campaign in campaigns:
        found = await client.campaign_rewards(campaign.campaign_id)
        report.rewards += replace_rewards(store.db, campaign.campaign_id, found)
    batch: list[CentralCustomer] = []
    async for customer in client.iter_customers(include_balances=True):
        batch.append(customer)
        if len(batch) >= BATCH:
            refresh_customers(store.outbox, store.view, batch, report)
            batch = []
    if batch:
        refresh_customers(store.outbox, store.view, batch, report)
    return report
