"""Checking a PIN this kiosk does not hold with the central API (S9).

The central API never returns a PIN (api-notes.md): a customer pulled from it arrives without
one. :class:`OnlinePins` asks ``validate_customer_password`` instead, and says one of three
things: ``right``, ``wrong`` (the customer's PIN is not this one: counted toward the same lock as
a wrong local PIN), or ``unavailable`` (the line is down, the answer got lost, or the API refused
the account: nobody can tell, so nothing is counted and the customer is told plainly). The
caller keeps a salted slow hash after a ``right`` so the next check works offline.

The client is made on first use and kept (one small pool of its own): a PIN check is a read, not
a delivery, so it does not wait for the outbox's sender lock. httpx is imported only then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kiosk.central.client import CentralClient

log = logging.getLogger(__name__)

PinVerdict = Literal["right", "wrong", "unavailable"]
"""What the central API said of a PIN."""


class OnlinePins:
    """``await pins.check(code, pin)``: a PIN checked by the central API (module docstring)."""

    def __init__(self, client_factory: Callable[[], CentralClient]) -> None:
        self._factory = client_factory
        self._client: CentralClient | None = None

    async def check(self, code: str, pin: str) -> PinVerdict:
        """Ask the central API whether ``pin`` is the PIN of the customer with central ``code``."""
        from kiosk.central.client import ApiError, CentralError, NotFound

        try:
            if self._client is None:
                self._client = self._factory()
            right = await self._client.validate_customer_password(code=code, customer_PIN=pin)
        except NotFound:
            log.warning("online PIN check: the central API does not know this customer")
            return "unavailable"
        except ApiError as error:
            log.warning("online PIN check refused: %s", error.message)
            return "unavailable"
        except CentralError as error:
            log.info("online PIN check not possible: %s", error)
            return "unavailable"
        except ValueError as error:  # a client that cannot be made (address, credentials)
            log.warning("online PIN check not possible: %s", error)
            return "unavailable"
        return "right" if right else "wrong"

    async def aclose(self) -> None:
        """Close the client, if one was made."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
