"""Pure decisions of the sync worker: what to send for a queued entry, and when to try again.

Replay of intent (S4): the central API receives what the person asked for, with identifiers
mapped. A customer the central API knows is named by its central code; a customer created on this
kiosk and not yet known there is named by its card number, never by a code only the kiosk knows.
A card number this kiosk generated offline is sent as that number (it is already on the customer's
card), not as a new ``card_number_generate`` that would give the customer a different number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from kiosk.domain.fields import OUTPUT_FIELDS
from kiosk.storage.outbox import CustomerRef


class Undeliverable(Exception):
    """The entry cannot be sent as it stands; the message explains why, for staff (S6)."""


class Retry(Exception):
    """Stop this attempt and try the entry again later.

    ``in_doubt``: the request may have been applied, so the next attempt checks first (S5).
    ``not_before``: the earliest time to try again (a lost request's settle time), if any.
    """

    def __init__(self, reason: str, *, in_doubt: bool, not_before: float | None = None) -> None:
        super().__init__(reason)
        self.in_doubt = in_doubt
        self.not_before = not_before


class Attention(Exception):
    """Park the entry for staff with this message (S5, S6).

    ``refused``: the central API answered the send itself with an error, so nothing was applied
    and the entry is no longer in doubt (a staff retry sends it at once).
    """

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


def prepare_request(
    request: dict[str, str], customer: CustomerRef, *, local_status: str
) -> dict[str, str]:
    """The fields to send for one queued request (S4); see the module docstring.

    Raises:
        Undeliverable: the customer is unknown to the central API and has no card number, and
            the request has nothing that could name it there.
    """
    fields = {k: v for k, v in request.items() if k not in OUTPUT_FIELDS}
    if "card_number_generate" in fields and customer.card_number:
        # The number made offline is on the customer's card already: keep it (our choice).
        del fields["card_number_generate"]
        fields["card_number"] = customer.card_number
    if customer.central_known:
        fields["code"] = customer.code
        fields.pop("new_code", None)  # the customer exists: nothing new to code
        return fields
    if "code" in fields and local_status == "new":
        return fields  # rule M2: the person proposed this code for a new customer
    fields.pop("code", None)  # a code only this kiosk knows would create a duplicate (S4)
    if "card_number" not in fields:
        if customer.card_number:
            fields["card_number"] = customer.card_number
        elif local_status != "new":
            raise Undeliverable(
                "This customer is not known to the central API yet and has no card number, "
                "so the change cannot be matched to them; issue a card or discard it"
            )
    return fields


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with full jitter (S2)."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Seconds to wait before attempt number ``attempts + 1``."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2 ** min(attempts, 30)))
        return rng.uniform(ceiling / 2, ceiling)


def credit_outcome(baseline: Decimal, now: Decimal, amount: Decimal) -> str:
    """Decide an in-doubt credit from balances before and after (S5).

    Returns ``applied`` (the balance moved by exactly the amount), ``not_applied`` (it did not
    move) or ``unknown`` (it moved by something else: another till, a manual change).
    """
    if now == baseline + amount:
        return "applied"
    if now == baseline:
        return "not_applied"
    return "unknown"
