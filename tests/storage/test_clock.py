"""The kiosk's clock (issue 16, :mod:`kiosk.storage.clock`): one time for every process in a
boot, continued across restarts and reboots, never moved by the wall clock; the wall-clock
deadlines of release 0.1.0 carried over by the migration; ``kiosk doctor``'s wall-clock check."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk.doctor import timekeeping
from kiosk.doctor.checkup import DoctorContext
from kiosk.storage.clock import LAST_KEY, KioskClock
from kiosk.storage.customer_store import Store
from kiosk.storage.migrations import LONGEST_RETRY_SECONDS
from tests.machine import YEAR, Machine, wall_clock_of

FIXTURE = Path(__file__).parents[1] / "upgrade/fixtures/release-0.1.0.db"


def last_written(path: Path) -> float:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT value FROM state WHERE key = ?", (LAST_KEY,)).fetchone()
    conn.close()
    return float(row[0])


def test_every_store_on_a_file_reads_the_same_time_within_a_boot(tmp_path: Path) -> None:
    machine = Machine()
    with Store(tmp_path / "k.db", clock_source=machine.source) as kiosk:
        machine.advance(500)
        with Store(tmp_path / "k.db", clock_source=machine.source) as cli:  # another process
            assert cli.clock.now() == kiosk.clock.now()
            machine.advance(7)
            assert cli.clock.now() == kiosk.clock.now()


def test_a_reboot_continues_from_the_last_time_written_down(tmp_path: Path) -> None:
    machine = Machine()
    path = tmp_path / "k.db"
    with Store(path, clock_source=machine.source) as store:
        start = store.clock.now()
        machine.advance(1000)
        store.apply_edit({"first_name": "Mo"})  # writing an entry writes the time down
        machine.advance(30)  # then the plug is pulled: these 30 s are never written down
        store.db.close()
    machine.reboot(off_for=3 * 3600)
    with Store(path, clock_source=machine.source) as store:
        assert store.clock.now() == pytest.approx(start + 1000)  # neither 0 nor 3 h more
        machine.advance(60)
        assert store.clock.now() == pytest.approx(start + 1060)
        store.close()
    assert last_written(path) == pytest.approx(start + 1060)  # a clean close writes it down


def test_the_wall_clock_never_moves_the_kiosk_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = Machine()
    wall_clock_of(machine, monkeypatch)
    with Store(tmp_path / "k.db", clock_source=machine.source) as store:
        before = store.clock.now()
        for jump in (YEAR, -2 * YEAR, YEAR):
            machine.jump(jump)
            assert store.clock.now() == before


def test_a_reader_sees_the_running_clock_or_the_last_time_written(tmp_path: Path) -> None:
    machine = Machine()
    path = tmp_path / "k.db"
    with Store(path, clock_source=machine.source) as store:
        machine.advance(40)
        conn = sqlite3.connect(path)
        try:
            assert KioskClock.reading(conn, machine.source).now() == store.clock.now()
            machine.reboot(off_for=10)  # nothing started the clock in this boot yet
            stopped = KioskClock.reading(conn, machine.source)
            machine.advance(100)
            assert stopped.now() == last_written(path)
        finally:
            conn.close()


def test_writing_the_time_down_never_moves_it_back(tmp_path: Path) -> None:
    machine = Machine()
    path = tmp_path / "k.db"
    with Store(path, clock_source=machine.source) as store:
        machine.advance(100)
        with store.db.conn:
            store.clock.mark(store.db.conn)
        high = last_written(path)
        with store.db.conn:
            KioskClock(-1e6, machine.source).mark(store.db.conn)  # a clock far behind
        assert last_written(path) == high


def test_release_0_1_0_deadlines_carry_over_within_their_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its wall-clock retry times become waits of at most the longest backoff; its queue keeps
    the age the wall clock gave it; a running lock keeps what is left of it."""
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    with sqlite3.connect(path) as conn:
        newest = max(float(row[0]) for row in conn.execute("SELECT next_attempt_at FROM outbox"))
        made = conn.execute("SELECT min(created_at) FROM outbox WHERE state = 'pending'")
        created = made.fetchone()[0]
        lock_ends = float(conn.execute("SELECT max(locked_until) FROM pin_locks").fetchone()[0])
    conn.close()
    machine = Machine(wall=newest - 100)  # upgraded while a retry still had 100 s to go
    wall_clock_of(machine, monkeypatch)
    with Store(path, clock_source=machine.source) as store:
        now = store.clock.now()
        due = store.outbox.next_due()
        assert due is not None and now <= due <= now + LONGEST_RETRY_SECONDS
        waits = [
            row[0] - now
            for row in store.db.conn.execute(
                "SELECT retry_at_clock FROM outbox WHERE state = 'pending'"
            )
        ]
        assert max(waits) == pytest.approx(100, abs=1) and min(waits) <= 0
        wall_age = machine.wall - dt.datetime.fromisoformat(created).timestamp()
        assert store.outbox.oldest_pending_age() == pytest.approx(wall_age, abs=1)
        locked = store.db.conn.execute("SELECT max(locked_until_clock) FROM pin_locks")
        left = max(0.0, lock_ends - machine.wall)
        assert locked.fetchone()[0] - now == pytest.approx(left, abs=1)


def test_doctor_says_when_the_wall_clock_is_not_synchronised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = DoctorContext(Path("kiosk.toml"), None)
    monkeypatch.setattr(timekeeping, "PROBE", lambda: False)
    check = timekeeping.check_clock_sync(ctx)
    assert not check.ok and "not synchronised with network time yet" in check.detail
    assert "timedatectl status" in check.fix
    monkeypatch.setattr(timekeeping, "PROBE", lambda: True)
    assert timekeeping.check_clock_sync(ctx).ok
    monkeypatch.setattr(timekeeping, "PROBE", lambda: None)
    assert timekeeping.check_clock_sync(ctx).skipped


def test_the_kernel_says_whether_this_machine_is_synchronised() -> None:
    """The real adjtimex() call: it answers (this machine's state is whatever it is), and the
    answer follows systemd's rule."""
    answer = timekeeping._from_adjtimex()
    assert answer in (True, False)
