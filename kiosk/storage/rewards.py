"""Rewards of the account's campaigns in the local store, as the pull brings them (S7).

Provides :func:`replace_rewards` (one campaign's rewards, replaced in one transaction) and
:func:`rewards`. A reward is read from anything with ``reward_id``, ``description`` and
``level`` (the central client's :class:`~kiosk.central.records.Reward`), so storage does not
depend on the client. A level the central API did not give is kept unknown (NULL), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from kiosk.domain.edit_rules import format_amount
from kiosk.storage.database import Database, write_transaction


class PulledReward(Protocol):
    """One reward as the central API described it."""

    @property
    def reward_id(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def level(self) -> Decimal | None: ...


def replace_rewards(db: Database, campaign_id: str, found: Iterable[PulledReward]) -> int:
    """Make ``found`` the rewards of one campaign; returns how many there are."""
    rows = [
        (
            campaign_id,
            r.reward_id,
            r.description,
            None if r.level is None else format_amount(r.level),
        )
        for r in found
        if r.reward_id
    ]
    with write_transaction(db):
        db.conn.execute("DELETE FROM rewards WHERE campaign_id = ?", (campaign_id,))
        db.conn.executemany(
            "INSERT OR REPLACE INTO rewards (campaign_id, reward_id, description, level) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def rewards(db: Database, campaign_id: str) -> list[dict[str, str | None]]:
    """One campaign's rewards, cheapest first (unknown levels last)."""
    found = db.conn.execute(
        "SELECT reward_id, description, level FROM rewards WHERE campaign_id = ? "
        "ORDER BY level IS NULL, CAST(level AS REAL), reward_id",
        (campaign_id,),
    )
    return [{"reward_id": r[0], "description": r[1], "level": r[2]} for r in found]
