"""One outbox entry as the rest of the kiosk sees it: :class:`OutboxEntry`, the columns it is read
from (:data:`ENTRY_COLUMNS`, turned into an entry by :func:`entry_of_row`), the states an entry
can be in, and :class:`CustomerRef`, what delivery knows of the entry's customer.

Plain records with no SQL of their own; :mod:`kiosk.storage.outbox` reads and writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kiosk.domain.fields import SECRET_FIELDS

ENTRY_COLUMNS = (
    "seq, entry_id, created_at, customer_code, action, local_status, request, state, attempts, "
    "next_attempt_at, last_error, delivered_at, central_code, in_doubt, credit_baseline"
)
"""The ``outbox`` columns an entry is read from, in :func:`entry_of_row`'s order."""

STATES = ("pending", "delivered", "attention", "discarded")
"""Every state an entry can be in."""


@dataclass(frozen=True)
class OutboxEntry:
    """One queued request, in whatever state it is."""

    seq: int
    """Order of creation; per customer, entries are delivered in this order (S3)."""
    entry_id: str
    created_at: str
    customer_code: str
    """The customer's code in the local store (renamed when the central code is adopted)."""
    action: str
    """``edit`` or ``new``: the ``customer_action`` the request is sent with."""
    local_status: str
    """``new`` or ``update``, as the local store resolved it."""
    request: dict[str, str]
    """The request as asked (S4), without credentials."""
    state: str
    """``pending``, ``delivered``, ``attention`` or ``discarded``."""
    attempts: int
    next_attempt_at: float
    last_error: str | None
    delivered_at: str | None
    central_code: str | None
    in_doubt: bool
    """A send began and no answer decided it: check before resending (S5)."""
    credit_baseline: dict[str, Any] | None
    """For a credit in doubt: the central balance read just before the send."""

    def safe_request(self) -> dict[str, str]:
        """The request with PIN and password replaced by ``***`` for display (S8)."""
        return {
            name: ("***" if name in SECRET_FIELDS else value)
            for name, value in self.request.items()
        }


@dataclass(frozen=True)
class CustomerRef:
    """What delivery knows of the customer an entry belongs to."""

    code: str
    """The code in the local store: the central one once adopted."""
    card_number: str | None
    central_known: bool
    """The central API has confirmed this code (a delivered entry or a pull)."""


def entry_of_row(row: tuple[Any, ...]) -> OutboxEntry:
    """An entry from a row of :data:`ENTRY_COLUMNS`."""
    (seq, entry_id, created_at, code, action, local_status, request, state, attempts) = row[:9]
    next_at, last_error, delivered_at, central_code, in_doubt, baseline = row[9:]
    return OutboxEntry(
        seq=seq,
        entry_id=entry_id,
        created_at=created_at,
        customer_code=code,
        action=action,
        local_status=local_status,
        request=json.loads(request),
        state=state,
        attempts=attempts,
        next_attempt_at=next_at,
        last_error=last_error,
        delivered_at=delivered_at,
        central_code=central_code,
        in_doubt=bool(in_doubt),
        credit_baseline=json.loads(baseline) if baseline else None,
    )
