"""Building the sync worker's parts from the settings: the central API client."""

from __future__ import annotations

from kiosk.central.client import CentralClient, Credentials
from kiosk.settings import Settings


def client_from_settings(settings: Settings) -> CentralClient:
    """A client for the configured central API (reads the API key from its file, S8).

    Raises:
        ConfigError: the credentials file is missing, unsafe or empty.
        ValueError: the address is not https:// and not loopback.
    """
    central = settings.central
    credentials = Credentials(
        account_id=central.account_id, user_id=central.user_id, api_key=central.read_api_key()
    )
    return CentralClient(
        central.url,
        credentials,
        timeout=central.timeout_seconds,
        max_connections=max(settings.sync.concurrency, 1) * 2,
    )
