"""Building the sync service from the settings: its one central API client, its timing.

Provides :func:`client_factory` and :func:`service_from_settings`, used by every entry point
(``kiosk run``, ``kiosk sync ...``) so that the client is configured in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.settings import Settings
from kiosk.storage.customer_store import Store
from kiosk.sync.intent import Backoff
from kiosk.sync.service import SyncService, SyncTiming

if TYPE_CHECKING:
    from kiosk.central.client import CentralClient


def client_factory(settings: Settings) -> Callable[[], CentralClient]:
    """A maker of the client for the configured central API; the API key is read now (S8).

    httpx is imported when the client is made, not now: ``kiosk run`` calls this before its
    first frame.

    Raises:
        ConfigError: the credentials file is missing, unsafe or empty.
    """
    central = settings.central
    api_key = central.read_api_key()
    pool = max(settings.sync.concurrency, 1) * 2

    def make() -> CentralClient:
        from kiosk.central.client import CentralClient, Credentials

        credentials = Credentials(
            account_id=central.account_id, user_id=central.user_id, api_key=api_key
        )
        return CentralClient(
            central.url, credentials, timeout=central.timeout_seconds, max_connections=pool
        )

    return make


def service_from_settings(
    settings: Settings, store: Store, *, backoff: Backoff | None = None
) -> SyncService:
    """The sync service for ``store`` as the settings configure it.

    Raises:
        ConfigError: the credentials file is missing, unsafe or empty.
    """
    return SyncService(
        store,
        client_factory(settings),
        concurrency=settings.sync.concurrency,
        backoff=backoff,
        timing=SyncTiming(
            pull_interval=settings.sync.pull_interval_minutes * 60.0,
            keep_delivered_days=float(settings.sync.keep_delivered_days),
        ),
        store_name=settings.store_name,
        kiosk_id=settings.kiosk_name or None,
    )
