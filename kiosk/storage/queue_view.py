"""What staff see of the queue: :class:`QueueView` and :func:`read_queue_view`.

The entries that need attention and those waiting, with how many there are of each, read in
one snapshot of the file, so the counts above the list and the list itself describe the same
moment even while the sync service (another connection, another thread) delivers entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.storage.database import read_snapshot
from kiosk.storage.outbox import Outbox
from kiosk.storage.outbox_entry import OutboxEntry


@dataclass(frozen=True)
class QueueView:
    """The first entries of each state staff see, and the counts of all of them."""

    entries: tuple[OutboxEntry, ...]
    """Those needing attention first, then those waiting, each in creation order."""
    attention: int
    pending: int


def read_queue_view(outbox: Outbox, *, limit: int) -> QueueView:
    """At most ``limit`` entries of each state, and the counts, from one snapshot."""
    with read_snapshot(outbox.db):
        entries = outbox.entries(state="attention", limit=limit) + outbox.entries(
            state="pending", limit=limit
        )
        counts = outbox.counts(("pending", "attention"))
    return QueueView(
        entries=tuple(entries),
        attention=counts.get("attention", 0),
        pending=counts.get("pending", 0),
    )
