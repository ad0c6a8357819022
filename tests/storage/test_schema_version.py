"""Opening a current file needs neither sqlite-utils nor the migrations (issue 15: they were
about 90 ms of the path to the first frame), and a file that is behind in any way is still
migrated on open, exactly as before."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from kiosk.storage import migrations
from kiosk.storage.customer_store import Store
from kiosk.storage.schema_version import (
    KNOWN_MIGRATIONS,
    OLDEST_READER,
    OLDEST_READER_KEY,
    SCHEMA_VERSION,
    is_current,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_known_names_are_the_migration_set_in_the_order_it_runs() -> None:
    assert tuple(m.name for m in migrations.MIGRATIONS._migrations) == KNOWN_MIGRATIONS
    assert len(KNOWN_MIGRATIONS) == SCHEMA_VERSION


def test_a_current_file_opens_without_importing_sqlite_utils_or_the_migrations(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.db"
    Store(path).close()  # created and migrated here
    probe = (
        "import sys\n"
        "from kiosk.storage.customer_store import Store\n"
        "import kiosk.ui.app, kiosk.cli.app, kiosk.sync.own_thread\n"
        f"store = Store({str(path)!r})\n"
        "store.apply_edit({'card_number': '6001000000000099', 'first_name': 'Ann'})\n"
        "store.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlite_utils', 'click', 'dateutil', 'pluggy') or m == 'kiosk.storage.migrations'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_a_new_file_is_created_current(tmp_path: Path) -> None:
    with Store(tmp_path / "kiosk.db") as store:
        assert is_current(store.db.conn)
        assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_file_missing_a_migration_or_its_records_is_brought_up_to_date_on_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kiosk.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    with conn:  # as a file an older release left: no oldest reader, no header version
        conn.execute("DELETE FROM state WHERE key = ?", (OLDEST_READER_KEY,))
        conn.execute("PRAGMA user_version = 0")
    assert not is_current(conn)
    conn.close()
    with Store(path) as store:
        assert is_current(store.db.conn)
        row = store.db.conn.execute(
            "SELECT value FROM state WHERE key = ?", (OLDEST_READER_KEY,)
        ).fetchone()
        assert row == (str(OLDEST_READER),)



def test_a_file_of_an_older_release_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    shutil.copyfile(ROOT / "tests/upgrade/fixtures/release-0.1.0.db", path)
    conn = sqlite3.connect(path)
    assert not is_current(conn)
    conn.close()
    with Store(path) as store:
        assert is_current(store.db.conn)
        applied = [row[0] for row in store.db.conn.execute("SELECT name FROM _sqlite_migrations")]
        assert set(KNOWN_MIGRATIONS) <= set(applied)
