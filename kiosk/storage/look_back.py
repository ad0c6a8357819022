"""Delivered credits to be looked at again at the central API (issue 12, items 3 and 6).

A tagged credit's receipt (or the check of its doubt) records the central transaction of each of
its tags. The sync sweep (:mod:`kiosk.sync.sweep`) looks at those transactions again later: an
original that landed after its resend shows up as a second copy of the tag, and a transaction
someone deleted at the central API shows up as a tag gone from the history. A profile update
sent more than once is looked at too: a copy of it that landed after a newer update of the same
fields shows up as the central record holding the older value (S3).

The plan for an entry is kept in its ``credit_baseline`` column (free once an entry is
delivered), so no migration is needed and an older release ignores it. Provides
:func:`look_back_plan` and :func:`profile_look_plan` (written with the delivery), :func:`due`,
:func:`looked`, :func:`deleted_centrally` and :func:`sent_values`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kiosk.storage.audit import record_audit
from kiosk.storage.database import Database, write_transaction

TRANSACTIONS = "transactions"
"""Key, in a delivered entry's plan, of tag -> central transaction id."""
FIELDS = "fields"
"""Key, in a delivered profile update's plan, of the fields it set."""
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
    fields: list[str] = field(default_factory=list)
    """For a profile update (no transactions): the fields it set."""


DUE_SQL = (
    "SELECT entry_id, customer_code, request, credit_baseline FROM outbox "
    "INDEXED BY outbox_look_back WHERE state = 'delivered' AND credit_baseline IS NOT NULL "
    "AND json_extract(credit_baseline, '$.look_at[0]') <= ? "
    "ORDER BY json_extract(credit_baseline, '$.look_at[0]') LIMIT ?"
)
"""Looks due, the longest due first. INDEXED BY: without statistics the planner prefers the
state index, which reads every delivered entry; the partial index (m010) holds only those with
a plan."""


def look_back_plan(transactions: dict[str, str], times: list[float]) -> str | None:
    """The plan to store with a delivered entry (None: nothing to look at)."""
    if not transactions or not times:
        return None
    return json.dumps({TRANSACTIONS: transactions, LOOKS: sorted(times)})


def profile_look_plan(fields: list[str], times: list[float]) -> str | None:
    """The plan to store with a delivered profile update (None: nothing to look at)."""
    if not fields or not times:
        return None
    return json.dumps({FIELDS: sorted(fields), LOOKS: sorted(times)})


def due(db: Database, now: float, limit: int = 100) -> list[LookBack]:
    """Delivered credits whose next look is due, the longest due first (index-backed: the
    partial index of migration m010)."""
    rows = db.conn.execute(DUE_SQL, (now, limit))
    found: list[LookBack] = []
    for entry_id, code, request, plan in rows:
        parsed: dict[str, Any] = json.loads(plan)
        campaign_id = json.loads(request).get("campaign_id", "")
        transactions = parsed.get(TRANSACTIONS) or {}
        fields = [str(name) for name in parsed.get(FIELDS) or []]
        looks = [float(t) for t in parsed.get(LOOKS) or []]
        if campaign_id and transactions and looks:
            found.append(LookBack(entry_id, code, campaign_id, dict(transactions), looks[1:]))
        elif fields and looks:
            found.append(LookBack(entry_id, code, "", {}, looks[1:], fields))
    return found


def sent_values(db: Database, code: str, name: str) -> list[str]:
    """The values this kiosk delivered for one field of one customer, oldest first."""
    rows = db.conn.execute(
        "SELECT json_extract(request, '$.' || ?) FROM outbox "
        "WHERE state = 'delivered' AND customer_code = ? "
        "AND json_extract(request, '$.' || ?) IS NOT NULL ORDER BY seq",
        (name, code, name),
    )
    return [str(row[0]) for row in rows]


def waiting_fields(db: Database, code: str) -> set[str]:
    """Fields that an undelivered entry of the customer sets (it will send them anyway)."""
    rows = db.conn.execute(
        "SELECT request FROM outbox WHERE state IN ('pending', 'attention') "
        "AND customer_code = ?",
        (code,),
    )
    return {name for (request,) in rows for name in json.loads(request)}


def looked(db: Database, item: LookBack, transactions: dict[str, str]) -> None:
    """Record one look: the transactions as now found, and the looks left (none: done)."""
    plan = (
        look_back_plan(transactions, item.later)
        if transactions
        else profile_look_plan(item.fields, item.later)
    )
    with write_transaction(db):
        db.conn.execute(
            "UPDATE outbox SET credit_baseline = ? WHERE entry_id = ? AND state = 'delivered'",
            (plan, item.entry_id),
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
