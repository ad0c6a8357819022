"""Staff's view of the queue (:mod:`kiosk.storage.queue_view`): the list and its counts come
from one snapshot, whatever another connection (the sync service, a second process) commits
between the reads, and :func:`read_snapshot` holds that snapshot on a real WAL file."""

from __future__ import annotations

import pytest

from kiosk.storage.customer_store import Store
from kiosk.storage.database import StoreError, read_snapshot
from kiosk.storage.outbox import Outbox
from kiosk.storage.queue_view import read_queue_view


def test_a_snapshot_does_not_see_what_another_connection_commits_until_it_ends(
    store: Store,
) -> None:
    store.apply_edit({"card_number": "4000111122223333", "first_name": "Ada"})
    with Store(store.path) as other:  # its own connection, as the sync service has
        with read_snapshot(store.db):
            before = store.outbox.counts(("pending",))
            other.apply_edit({"card_number": "4000555566667777", "first_name": "Bea"})
            assert store.outbox.counts(("pending",)) == before == {"pending": 1}
        assert store.outbox.counts(("pending",)) == {"pending": 2}
        assert not store.db.conn.in_transaction


def test_the_list_and_its_counts_describe_the_same_moment(store: Store) -> None:
    """The counts are read after the entries: a commit in between (the second kiosk process
    here) must not make them disagree."""
    code = store.apply_edit({"card_number": "4000111122223333", "first_name": "Ada"}).plan.code
    parked = store.apply_edit({"code": code, "city": "Porto"})
    store.outbox.needs_attention(store.outbox.entry(parked.entry_id), "Unknown campaign")
    with Store(store.path) as other:
        entries = Outbox.entries

        def entries_then_a_commit(self: Outbox, **kwargs: object) -> list:
            found = entries(self, **kwargs)  # type: ignore[arg-type]
            if kwargs.get("state") == "pending":
                other.apply_edit({"card_number": "4000555566667777", "first_name": "Bea"})
            return found

        Outbox.entries = entries_then_a_commit  # type: ignore[method-assign]
        try:
            view = read_queue_view(store.outbox, limit=50)
        finally:
            Outbox.entries = entries  # type: ignore[method-assign]
    states = [entry.state for entry in view.entries]
    assert states == ["attention", "pending"]
    assert (view.attention, view.pending) == (1, 1) == (
        states.count("attention"),
        states.count("pending"),
    )
    assert read_queue_view(store.outbox, limit=50).pending == 2  # the next read sees Bea


def test_the_list_is_limited_per_state_but_the_counts_are_not(store: Store) -> None:
    for n in range(5):
        store.apply_edit({"card_number": f"400011112222{n:04d}", "first_name": "Ada"})
    view = read_queue_view(store.outbox, limit=3)
    assert len(view.entries) == 3 and view.pending == 5 and view.attention == 0


def test_a_failed_read_in_a_snapshot_is_a_store_error_and_ends_the_snapshot(store: Store) -> None:
    with pytest.raises(StoreError, match="no_such_table"), read_snapshot(store.db):
        store.db.execute("SELECT * FROM no_such_table")
    assert not store.db.conn.in_transaction
