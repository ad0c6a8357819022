"""Checkpoints off the edit path (issue 15): while a background checkpoint runs, the process's
connections never checkpoint in a commit, and the WAL is still copied back once edits pause;
stopped, SQLite's own automatic checkpoint is back."""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.storage.checkpoint import BackgroundCheckpoint
from kiosk.storage.customer_store import Store


def autocheckpoint(store: Store) -> int:
    return int(store.db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def test_edits_leave_checkpoints_to_the_background_and_it_catches_up_when_idle(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.db"
    with Store(path) as first:
        assert autocheckpoint(first) == 1000  # SQLite's own, before
        background = BackgroundCheckpoint(path, poll=0.3).start(first.db.conn)
        try:
            assert autocheckpoint(first) == 0
            with Store(path) as other:  # a connection opened later (an edit off the loop)
                assert autocheckpoint(other) == 0
                for i in range(50):
                    other.apply_edit({"card_number": f"60010000000{i:05d}", "first_name": "A"})
                    if i == 0:
                        checked = background.checkpoints  # the start-up writes were idle
                written = path.stat().st_size  # the edits are in the WAL, not yet in the file
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not (
                path.stat().st_size > written and background.checkpoints > checked
            ):
                time.sleep(0.05)
            assert path.stat().st_size > written  # copied into the database file
            assert background.checkpoints > checked
        finally:
            background.stop()
        with Store(path) as after:
            assert autocheckpoint(after) == 1000
            assert len(after.outbox.entries()) == 50  # nothing lost on the way
