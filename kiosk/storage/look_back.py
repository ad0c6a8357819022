"""Delivered credits to be looked at again at the central API (issue 12, items 3 and 6).

A tagged credit's receipt (or the check of its doubt) records the central transaction of each of
its tags. The sync sweep (:mod:`kiosk.sync.sweep`) looks at those transactions again later: an
original that landed after its resend shows up as a second copy of the tag, and a transaction
someone deleted at the central API shows up as a tag gone from the history.

The plan for an entry is kept in its ``credit_baseline`` column (free once an entry is
delivered), so no migration is needed and an older release ignores it. Provides
:func:`look_back_plan` (written with the delivery), :func:`due`, :func:`looked` and
:func:`deleted_centrally`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from kiosk.storage.audit import record_audit
from kiosk.storage.database import write_transaction

TRANSACTIONS = "transactions"
"""Key, in a delivered entry's plan, of tag -> central transaction id."""
LOOKS = "look_at"
"""Key of the kiosk-clock times still to look at the entry, earliest first."""


@dataclass(frozen=True)
class LookBack:
    """One delivered credit to look at again."""

    entry_id: str
    customer_code: str
    """The customer's code now (codes adopted since are followed by the outbox)."""
    campaign_id: str
    transactions: dict[str, str]
    """Tag -> central transaction id recorded when it was delivered."""
    later: list[float]
    """Times of the looks after this one."""


def look_back_plan(transactions: dict[str, str], times: list[float]) -> str | None:
    """The plan to store with a delivered entry (None: nothing to look at)."""
    if not transactions or not times:
        return None
    return json.dumps({TRANSACTIONS: transactions, LOOKS: sorted(times)})


def due(db: Database, now: float, limit: int = 100) -> list[LookBack]:
    """Delivered credits whose next look is due, oldest delivery first."""
    rows = db.conn.execute(
        "SELECT entry_id, customer_code, request, credit_baseline FROM outbox "
        "WHERE state = 'delivered' AND credit_baseline IS NOT NULL "
        "AND json_extract(credit_baseline, '$.look_at[0]') <= ? ORDER BY seq LIMIT ?",
        (now, limit),
    )
    found: list[LookBack] = []
    for entry_id, code, request, plan in rows:
        parsed: dict[str, Any] = json.loads(plan)
        campaign_id = json.loads(request).get("campaign_id", "")
        transactions = parsed.get(TRANSACTIONS) or {}
        looks = [float(t) for t in parsed.get(LOOKS) or []]
        if campaign_id and transactions and looks:
            found.append(LookBack(entry_id, code, campaign_id, dict(transactions), looks[1:]))
    return found


def looked(db: Database, item: LookBack, transactions: dict[str, str]) -> None:
    """Record one look: the transactions as now found, and the looks left (none: done)."""
    with write_transaction(db):
        db.conn.execute(
            "UPDATE outbox SET credit_baseline = ? WHERE entry_id = ? AND state = 'delivered'",
            (look_back_plan(transactions, item.later), item.entry_id),
        )


def deleted_centrally(db: Database, item: LookBack, message: str) -> None:
    """The credit's transaction is gone from the central API: park the entry for staff.

    It goes back to needs-attention, not to the queue: someone removed it there on purpose
    perhaps, so only staff may send it again (retry, with the same tag) or accept it (discard).
    """
    with write_transaction(db):
        db.conn.execute(
            "UPDATE outbox SET state = 'attention', in_doubt = 0, last_error = ?, "
            "credit_baseline = NULL, attempts = 0 WHERE entry_id = ? AND state = 'delivered'",
            (message, item.entry_id),
        )
        record_audit(db, "sync", "outbox.deleted_centrally", f"entry {item.entry_id[:8]}")
