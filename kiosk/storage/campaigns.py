"""Campaign rows of the local store: the columns read and the :class:`Campaign` they make.

Provides :data:`CAMPAIGN_COLUMNS` and :func:`campaign_of`, shared by the store, its edit-engine
view and the rewards queries, so a campaign is read the same way everywhere. The currency and
points ratio are NULL until a pull brings them (unknown, never a default).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from kiosk.domain.fields import Campaign, CampaignKind

CAMPAIGN_COLUMNS = "campaign_id, name, kind, currency, points_ratio"
"""The columns :func:`campaign_of` reads, in its order."""


def campaign_of(row: Sequence[Any]) -> Campaign:
    """A campaign from a row of :data:`CAMPAIGN_COLUMNS`."""
    campaign_id, name, kind, currency, ratio_text = row
    ratio: Decimal | None = None
    if ratio_text:
        try:
            ratio = Decimal(ratio_text)
        except InvalidOperation:
            ratio = None
    return Campaign(campaign_id, name, cast(CampaignKind, kind), currency or None, ratio)
