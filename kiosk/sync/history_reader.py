"""The central history for the counter screens, read on demand: :class:`CentralHistory`.

``await history.read(code, campaign_id, limit)`` reads ``customer_balance`` now through
:func:`kiosk.sync.history.fetch_history` (which keeps it in the store, so it is there offline
next time) and returns the store's history lines; ``None`` when the central API cannot be read,
so the screen keeps what the kiosk knows and says so. Like :class:`~kiosk.sync.pins.OnlinePins`
it is a read, not a delivery: its client is made on first use and kept (one small pool of its
own), and it does not wait for the outbox's sender lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.storage.customer_store import Store
from kiosk.storage.lookup import HistoryLine

if TYPE_CHECKING:
    from kiosk.central.client import CentralClient

log = logging.getLogger(__name__)


class CentralHistory:
    """Reads one customer's central history in one campaign when a screen asks."""

    def __init__(self, client_factory: Callable[[], CentralClient], store: Store) -> None:
        self._factory = client_factory
        self._store = store
        self._client: CentralClient | None = None

    async def read(self, code: str, campaign_id: str, limit: int) -> list[HistoryLine] | None:
        """The latest ``limit`` lines (queued here first, then central), or None when the
        central API could not be read."""
        from kiosk.central.client import CentralError
        from kiosk.sync.history import fetch_history

        try:
            if self._client is None:
                self._client = self._factory()
            return await fetch_history(self._client, self._store, code, campaign_id, limit)
        except CentralError as error:
            log.info("central history not read: %s", type(error).__name__)
            return None
        except ValueError as error:  # a client that cannot be made (address, credentials)
            log.warning("central history not read: %s", error)
            return None

    async def aclose(self) -> None:
        """Close the client, if one was made."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
