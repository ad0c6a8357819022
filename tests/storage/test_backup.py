"""Backups to a second medium and restores (issue 16, :mod:`kiosk.storage.backup`): the copy is
a sound database, the medium must be another disk, every outcome is recorded for ``kiosk
doctor``, a restore keeps what was there and knows whether the lost kiosk sent anything after the
copy. The "USB stick" is a folder under /dev/shm: another file system than the test's database.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.doctor import backup as doctor_backup
from kiosk.doctor.checkup import DoctorContext
from kiosk.settings import load_settings
from kiosk.storage.backup import (
    BACKUP_NAME,
    MARKER_NAME,
    BackupError,
    BackupSchedule,
    SendMarker,
    back_up,
    last_backup,
    restore,
)
from kiosk.storage.customer_store import Store
from kiosk.storage.schema_version import OLDEST_READER_KEY, SCHEMA_VERSION
from kiosk.storage.sender_lock import SenderLock
from tests.machine import Machine
from tests.system.conftest import config_text

SHM = Path("/dev/shm")


@pytest.fixture
def stick(tmp_path: Path) -> Iterator[Path]:
    """A folder on another file system than ``tmp_path`` (where the databases are)."""
    place = Path(tempfile.mkdtemp(prefix="kiosk-stick-", dir=SHM))
    assert place.stat().st_dev != tmp_path.stat().st_dev, "the stick must be another disk"
    try:
        yield place
    finally:
        shutil.rmtree(place, ignore_errors=True)


@pytest.fixture
def queued(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "kiosk.db", clock_source=Machine().source) as store:
        store.apply_edit({"card_number": "4000111122223333", "first_name": "Queued"})
        store.apply_edit({"card_number": "4000111122223333", "phone": "555-0199"})
        yield store


def marker(stick: Path) -> str:
    return (stick / MARKER_NAME).read_text()


def test_a_backup_is_a_sound_copy_recorded_in_the_database(queued: Store, stick: Path) -> None:
    target = back_up(queued, stick)
    assert target == stick / BACKUP_NAME
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM outbox").fetchone() == (2,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
    copy.close()
    assert target.stat().st_mode & 0o077 == 0, "the copy holds queued PINs: private (S9)"
    record = last_backup(queued.db.conn)
    assert record.place == str(target) and record.error == "" and record.clock is not None
    assert '"sent_since": false' in marker(stick)
    assert sorted(p.name for p in stick.iterdir()) == [BACKUP_NAME, MARKER_NAME]


def test_a_folder_on_the_same_disk_is_refused_and_the_failure_recorded(
    queued: Store, tmp_path: Path
) -> None:
    """An unmounted stick's mount point is a folder of the SD card: a copy there is no backup."""
    mount_point = tmp_path / "media"
    mount_point.mkdir()
    with pytest.raises(BackupError, match="same disk as the database"):
        back_up(queued, mount_point)
    assert list(mount_point.iterdir()) == []
    assert "USB stick is not mounted" in last_backup(queued.db.conn).error
    with pytest.raises(BackupError, match="does not exist"):
        back_up(queued, tmp_path / "no-stick")


def test_a_send_after_the_copy_marks_it_once(queued: Store, stick: Path) -> None:
    back_up(queued, stick)
    mark = SendMarker(queued, stick)
    queued.outbox.sending_listeners.append(mark)
    entry = queued.outbox.entries(state="pending")[0]
    queued.outbox.begin_send(entry, None)
    assert '"sent_since": true' in marker(stick)
    back_up(queued, stick)  # a new copy: clean again, and marked again at the next send
    assert '"sent_since": false' in marker(stick)
    queued.outbox.begin_send(entry, None)
    assert '"sent_since": true' in marker(stick)


def test_restore_gives_the_queue_back_and_keeps_what_was_there(
    queued: Store, stick: Path, tmp_path: Path
) -> None:
    back_up(queued, stick)
    fresh = tmp_path / "fresh" / "kiosk.db"
    with Store(fresh) as other:  # a database already there (and its WAL): kept aside
        other.apply_edit({"first_name": "Other"})
    report = restore(stick / BACKUP_NAME, fresh)
    assert (report.pending, report.attention, report.sent_since) == (2, 0, False)
    assert report.kept_aside is not None and report.kept_aside.exists()
    with Store(report.kept_aside) as kept:
        assert kept.count_customers() == 1
    with Store(fresh) as restored:
        assert restored.find_customer("4000111122223333") is not None
        in_doubt = restored.db.conn.execute("SELECT count(*) FROM outbox WHERE in_doubt = 1")
        assert in_doubt.fetchone() == (0,)  # nothing was sent after the copy
        assert restored.db.conn.execute(
            "SELECT actor, action FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone() == ("kiosk restore", "backup.restore")


def test_restore_checks_everything_when_the_lost_kiosk_sent_after_the_copy(
    queued: Store, stick: Path, tmp_path: Path
) -> None:
    back_up(queued, stick)
    queued.outbox.sending_listeners.append(SendMarker(queued, stick))
    queued.outbox.begin_send(queued.outbox.entries(state="pending")[0], None)
    report = restore(stick / BACKUP_NAME, tmp_path / "b" / "kiosk.db")
    assert report.sent_since and "checked with the central API" in report.summary()
    with Store(tmp_path / "b" / "kiosk.db") as restored:
        rows = restored.db.conn.execute("SELECT in_doubt FROM outbox WHERE state = 'pending'")
        assert [row[0] for row in rows] == [1, 1]


def test_restore_refuses_what_is_not_a_sound_kiosk_database(
    tmp_path: Path, stick: Path, queued: Store
) -> None:
    target = tmp_path / "new.db"
    (stick / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not a readable SQLite database"):
        restore(stick / "junk.db", target)
    with sqlite3.connect(stick / "other.db") as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(BackupError, match="not a kiosk database"):
        restore(stick / "other.db", target)
    back_up(queued, stick)
    with sqlite3.connect(stick / BACKUP_NAME) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.execute(
            "UPDATE state SET value = ? WHERE key = ?", (str(SCHEMA_VERSION + 1), OLDEST_READER_KEY)
        )
    conn.close()
    with pytest.raises(BackupError, match="newer kiosk release"):
        restore(stick / BACKUP_NAME, target)
    assert not target.exists()


async def test_the_schedule_copies_at_once_then_every_interval(
    queued: Store, stick: Path
) -> None:
    made: list[Path] = []

    def copy(store: Store, directory: Path) -> Path:
        made.append(back_up(store, directory))
        return made[-1]

    stop = asyncio.Event()
    schedule = BackupSchedule(queued, stick, 0.05, copy=copy)
    job = asyncio.create_task(schedule.run(stop))
    while len(made) < 3:
        await asyncio.sleep(0.01)
    stop.set()
    await job
    schedule.final()
    assert len(made) >= 4 and (stick / BACKUP_NAME).exists()


def write_backup_config(tmp_path: Path, db: Path, place: Path, warn_hours: int = 24) -> Path:
    credentials = tmp_path / "credentials"
    credentials.write_text("k3y\n")
    credentials.chmod(0o600)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        config_text(
            credentials,
            database=f'[database]\npath = "{db}"',
            backup=f'[backup]\npath = "{place}"\ninterval_minutes = 5\n'
            f"warn_after_hours = {warn_hours}",
        )
    )
    return config


def doctor_says(config: Path) -> tuple[bool, str, str]:
    settings = load_settings(config, check_credentials=False)
    check = doctor_backup.check_backup(DoctorContext(config, settings))
    return check.ok, check.detail, check.fix


def test_doctor_warns_when_the_stick_is_missing_or_the_copy_old(
    tmp_path: Path, stick: Path
) -> None:
    """The age is on the kiosk's clock: here the doctor reads the time the kiosk last wrote
    down (another boot than this test's pretend machine)."""
    machine = Machine()
    db = tmp_path / "kiosk.db"
    config = write_backup_config(tmp_path, db, stick, warn_hours=24)
    store = Store(db, clock_source=machine.source)
    ok, detail, fix = doctor_says(config)
    assert not ok and "none made yet" in detail and "kiosk backup" in fix
    back_up(store, stick)
    ok, detail, _ = doctor_says(config)
    assert ok and detail.startswith("the last copy 0 s old (") and detail.endswith("(limit 24 h)")
    machine.advance(25 * 3600)
    store.close()  # a clean stop writes the kiosk's time down
    ok, detail, fix = doctor_says(config)
    assert not ok and "the last copy 1 day 1 h old" in detail
    assert "past backup.warn_after_hours = 24" in detail and "kiosk backup" in fix
    missing = write_backup_config(tmp_path, db, tmp_path / "unplugged")
    ok, detail, fix = doctor_says(missing)
    assert not ok and detail.startswith("the backup medium is missing: ")
    assert "mount" in fix


def test_kiosk_backup_and_restore_by_hand(
    tmp_path: Path, stick: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kiosk.db"
    with Store(db) as store:
        store.apply_edit({"card_number": "4000999988887777", "first_name": "Hand"})
    config = write_backup_config(tmp_path, db, stick)
    assert main(["backup", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: copied {db} to {stick / BACKUP_NAME} (")

    lock = SenderLock(db)  # a kiosk still running refuses the restore
    assert lock.try_acquire()
    try:
        assert main(["restore", "--config", str(config)]) == 1
        assert "stop it first" in capsys.readouterr().err
    finally:
        lock.release()
    assert main(["restore", "--config", str(config), "--from", str(stick)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: restored {stick / BACKUP_NAME} (copied ")
    assert "1 changes waiting" in out and "kept as" in out
    assert main(["backup", "--db", str(db)]) == 2  # no --to and no backup.path
    assert "no backup place" in capsys.readouterr().err


async def test_kiosk_run_runs_the_backups_beside_the_sync_service() -> None:
    """``kiosk run`` gives the app one background job: sync and backups side by side; when one
    fails, both stop (the app then starts them again), and ``--offline`` still backs up."""
    from kiosk.cli.app import with_backups

    ran: list[str] = []

    async def sync() -> None:
        ran.append("sync")
        await asyncio.sleep(3600)

    async def backups() -> None:
        ran.append("backups")
        raise BackupError("the stick fell out")

    assert with_backups(None, backups) is backups and with_backups(sync, None) is sync
    both = with_backups(sync, backups)
    assert both is not None
    with pytest.raises(ExceptionGroup) as failed:
        await asyncio.wait_for(both(), timeout=5)
    assert sorted(ran) == ["backups", "sync"]
    assert isinstance(failed.value.exceptions[0], BackupError)
