"""A customer's central history for the counter screens (issue 13 item 5).

Provides :func:`fetch_history`: reads ``customer_balance`` for one campaign, keeps it in the
local store (so the history is there offline too) and returns the store's
:meth:`~kiosk.storage.lookup.LookupDesk.history`: what is still queued here, then the central
lines.
"""

from __future__ import annotations

from kiosk.central.client import CentralClient
from kiosk.storage.customer_store import Store
from kiosk.storage.lookup import HistoryLine


async def fetch_history(
    client: CentralClient, store: Store, code: str, campaign_id: str, limit: int = 10
) -> list[HistoryLine]:
    """The latest ``limit`` lines of one customer's campaign, read from the central API now.

    Raises:
        CentralError: the central API could not be read (the cached history stays; the caller
            may show :meth:`Store.history` instead).
    """
    found = await client.customer_balance(campaign_id, code=code, transactions=limit)
    store.cache_history(code, campaign_id, found.transactions)
    return store.history(code, campaign_id, limit)
