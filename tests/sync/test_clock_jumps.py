"""A clock that jumps (issue 16): the wall clock is set back and forward by a day and a year
around a PIN lockout, a retry backoff and the offline-age warning, and each behaves as
configured, across restarts and reboots too. The wall clock is the pretend machine's (the
process's ``time.time`` and ``utc_now`` follow it); the store's clock reads the machine's boot
clock, which no one sets (:mod:`kiosk.storage.clock`). The central API is the reference server
on loopback.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.central.client import CentralClient
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer
from kiosk.storage import pin_locks
from kiosk.storage.customer_store import Store
from kiosk.storage.sync_state import read_status
from kiosk.sync.intent import Backoff
from kiosk.sync.worker import SyncWorker
from tests.machine import DAY, JUMPS, Machine, wall_clock_of
from tests.sync.conftest import seed

CARD = "4111000011110000"
LOCK = pin_locks.DEFAULT_LOCK_SECONDS
BACKOFF = Backoff(base_seconds=60.0, cap_seconds=300.0)
STALE_AFTER = dt.timedelta(hours=24)

jumps = pytest.mark.parametrize("jump", list(JUMPS.values()), ids=list(JUMPS))


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> Machine:
    pi = Machine()
    wall_clock_of(pi, monkeypatch)
    return pi


@pytest.fixture
def pi_store(tmp_path: Path, machine: Machine) -> Iterator[Store]:
    with Store(tmp_path / "kiosk.db", clock_source=machine.source) as store:
        seed(store)
        yield store


def reopen(store: Store, machine: Machine) -> Store:
    """A restart of the kiosk: the store closed and opened again on the same file."""
    store.close()
    return Store(store.path, clock_source=machine.source)


def lock_card(store: Store) -> str:
    code = store.apply_edit({"card_number": CARD, "first_name": "Lu"}).plan.code
    for _ in range(pin_locks.DEFAULT_MAX_TRIES):
        state = pin_locks.record_failure(store.db, code, now=store.clock.now())
    assert state.is_locked(store.clock.now())
    return code


@jumps
def test_a_lockout_lasts_as_configured_whatever_the_wall_clock_does(
    pi_store: Store, machine: Machine, jump: float
) -> None:
    """S9: 30 s after three wrong PINs the card opens again, not a year later, not at once;
    a restart in the middle changes nothing."""
    code = lock_card(pi_store)
    machine.advance(10)
    machine.jump(jump)
    store = reopen(pi_store, machine)
    with store:
        state = pin_locks.lock_state(store.db, code)
        assert state.remaining(store.clock.now()) == pytest.approx(LOCK - 10)
        machine.advance(LOCK - 10 - 0.5)
        assert state.is_locked(store.clock.now())
        machine.advance(1.0)
        assert not state.is_locked(store.clock.now())


@jumps
def test_a_lockout_is_never_longer_across_a_reboot_with_a_wrong_wall_clock(
    pi_store: Store, machine: Machine, jump: float
) -> None:
    """A power cut 5 s into the lock; the Pi comes back with its wall clock off by the jump.
    The lock runs out at most 30 s of kiosk time after it began (time switched off is not
    counted: it cannot be known), and never by the wall clock."""
    code = lock_card(pi_store)
    machine.advance(5)
    pi_store.db.close()  # the plug pulled: no clean close writes the clock down
    machine.reboot(off_for=600, wall_after=machine.wall + jump)
    with Store(pi_store.path, clock_source=machine.source) as store:
        state = pin_locks.lock_state(store.db, code)
        remaining = state.remaining(store.clock.now())
        assert 0 < remaining <= LOCK
        machine.advance(remaining + 0.1)
        assert not state.is_locked(store.clock.now())


@jumps
async def test_a_backoff_neither_storms_nor_waits_for_ever_when_the_wall_clock_jumps(
    pi_store: Store, machine: Machine, central: RunningServer, jump: float
) -> None:
    """S2: a failed send waits its backoff (at most the cap), then is sent; a jump of the wall
    clock in between neither sends it again at once nor pushes it a year away."""
    pi_store.apply_edit({"card_number": CARD, "first_name": "Lu"})
    central.control.set(FaultConfig(http_503=1.0))
    async with CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0) as client:
        worker = SyncWorker(pi_store, client, backoff=BACKOFF, rng=random.Random(4))
        first = await worker.drain()
        assert (first.requests, first.retried, first.delivered) == (1, 1, 0)
        wait = pi_store.outbox.next_due() - pi_store.clock.now()  # type: ignore[operator]
        assert BACKOFF.base_seconds <= wait <= 2 * BACKOFF.base_seconds

        machine.jump(jump)
        for _ in range(3):  # however often the worker looks, nothing is due yet: no storm
            again = await worker.drain()
            assert again.requests == 0
        due = pi_store.outbox.next_due()
        assert due is not None and due - pi_store.clock.now() == pytest.approx(wait)

        central.control.set(FaultConfig())
        machine.advance(wait + 0.1)  # the backoff passes, as configured
        done = await worker.drain()
        # Sent once more: after the 503 it first asks whether the registration arrived (S5).
        assert (done.delivered, done.checks, done.requests) == (1, 1, 2)
    assert pi_store.outbox.counts() == {"delivered": 1}


@jumps
def test_the_offline_age_warning_stays_true_whatever_the_wall_clock_does(
    pi_store: Store, machine: Machine, jump: float
) -> None:
    """api-notes/S2: a change waiting 23 h is not stale, one waiting 25 h is, whether the wall
    clock was set a year forward (no false alarm) or back (no missing warning); a restart and
    a reboot keep the age."""
    pi_store.apply_edit({"card_number": CARD, "first_name": "Lu"})
    machine.advance(3600)
    machine.jump(jump)

    def status(store: Store) -> tuple[bool, float | None]:
        found = read_status(store.db, stale_after=STALE_AFTER, clock=store.clock.now)
        return found.stale, found.oldest_pending_age

    assert status(pi_store) == (False, pytest.approx(3600))
    machine.advance(22 * 3600)
    store = reopen(pi_store, machine)
    assert status(store) == (False, pytest.approx(23 * 3600))
    store.close()  # a clean shutdown at 23 h, then a reboot with the wall clock jumped again
    machine.reboot(off_for=DAY, wall_after=machine.wall - jump)
    with Store(store.path, clock_source=machine.source) as rebooted:
        assert status(rebooted) == (False, pytest.approx(23 * 3600))
        machine.advance(2 * 3600)
        assert status(rebooted) == (True, pytest.approx(25 * 3600))
