"""The one sync service (issue 10): ``kiosk run`` pulls on its own, an edit wakes delivery at
once, and ``kiosk sync run`` logs through the masking filter like ``kiosk run``."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.central.client import CentralClient
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer
from kiosk.settings import DEMO_STAFF_PIN_HASH
from kiosk.storage.customer_store import Store
from kiosk.storage.sender_lock import SenderLock
from kiosk.sync.service import SyncService, SyncTiming
from tests.sync.conftest import FAST

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, central: RunningServer, *, pull_minutes: int = 60) -> Path:
    """A kiosk.toml pointing at the reference server, with its API key in a private file."""
    credentials = tmp_path / "credentials"
    credentials.write_text(DEFAULT_CREDENTIALS.api_key + "\n")
    credentials.chmod(0o600)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        'store_name = "Test shop"\n\n'
        f'[database]\npath = "{tmp_path / "kiosk.db"}"\n\n'
        '[reader]\nspec = "terminal"\n\n'
        "[central]\n"
        f'url = "{central.url}"\n'
        f'account_id = "{DEFAULT_CREDENTIALS.account_id}"\n'
        f'user_id = "{DEFAULT_CREDENTIALS.user_id}"\n'
        f'credentials_file = "{credentials}"\n\n'
        f"[sync]\npull_interval_minutes = {pull_minutes}\n\n"
        f'[ui]\nstaff_pin_hash = "{DEMO_STAFF_PIN_HASH}"\n'
    )
    return config


def wait_until(predicate: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Poll ``predicate`` up to a generous limit; never a fixed sleep before checking."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def customer_in(db: Path, card_number: str) -> bool:
    """Whether the kiosk's database holds a customer with this card (read-only, no locks)."""
    if not db.exists():
        return False
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT 1 FROM customers WHERE card_number = ?", (card_number,)
        ).fetchone()
    except sqlite3.OperationalError:  # the schema is not there yet
        return False
    finally:
        conn.close()
    return row is not None


def last_contact(db: Path) -> str | None:
    """When the kiosk last heard from the central API, as it recorded it."""
    if not db.exists():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM state WHERE key = 'sync.last_contact_at'").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def pending(db: Path) -> int:
    """Entries still waiting in the kiosk's database."""
    with Store(db) as store:
        return store.outbox.counts().get("pending", 0)


def create_centrally(central: RunningServer, card_number: str, first_name: str) -> None:
    """Another till (or the shop's website) creates a customer at the central API."""

    async def create() -> None:
        async with CentralClient(central.url, DEFAULT_CREDENTIALS) as api:
            await api.record_customer(
                {"card_number": card_number, "first_name": first_name}, action="new"
            )

    asyncio.run(create())


@pytest.fixture
def kiosk_in_a_terminal(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``kiosk run`` on a real pseudo-terminal (80x25, TERM=linux), drained in a thread,
    and stop it with SIGTERM afterwards."""
    started: list[tuple[subprocess.Popen[bytes], int]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
        env = {**os.environ, "TERM": "linux", "KIOSK_LOG_LEVEL": "DEBUG"}
        env.pop("COLORTERM", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "run", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        os.close(slave)

        screen = (tmp_path / "screen.out").open("ab")

        def drain() -> None:  # the app blocks if nobody reads its screen; kept for failures
            try:
                while chunk := os.read(master, 65536):
                    screen.write(chunk)
                    screen.flush()
            except OSError:
                pass

        threading.Thread(target=drain, daemon=True).start()
        started.append((process, master))
        return process

    yield start
    for process, master in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        os.close(master)


def test_kiosk_run_pulls_a_customer_created_centrally_on_its_own(
    tmp_path: Path,
    central: RunningServer,
    kiosk_in_a_terminal: Callable[..., subprocess.Popen[bytes]],
) -> None:
    """S7 under ``kiosk run``: with a short pull interval, a customer created at the central API
    after the kiosk started appears in the kiosk's database without any other command."""
    config = write_config(tmp_path, central)
    db = tmp_path / "kiosk.db"
    process = kiosk_in_a_terminal("--config", str(config), "--pull-every", "0.5")
    wait_until(lambda: last_contact(db) is not None, "the kiosk's first contact with the API")
    assert not customer_in(db, "6001000000000771")
    create_centrally(central, "6001000000000771", "Wanda")
    wait_until(lambda: customer_in(db, "6001000000000771"), "the pulled customer in the kiosk")
    assert process.poll() is None, "the kiosk must still be running"


def test_without_a_pull_interval_kiosk_run_only_delivers(
    tmp_path: Path,
    central: RunningServer,
    kiosk_in_a_terminal: Callable[..., subprocess.Popen[bytes]],
) -> None:
    """The counter-check: with ``pull_interval_minutes = 0`` nothing is pulled, so the test
    above shows the periodic pull and not something else filling the database."""
    config = write_config(tmp_path, central, pull_minutes=0)
    db = tmp_path / "kiosk.db"
    kiosk_in_a_terminal("--config", str(config))
    wait_until(lambda: last_contact(db) is not None, "the kiosk's first contact with the API")
    create_centrally(central, "6001000000000789", "Xavier")
    time.sleep(2.0)  # four pull periods of the test above: long enough for a pull to show
    assert not customer_in(db, "6001000000000789")


async def test_an_edit_wakes_delivery_at_once(kiosk: Store, central: RunningServer) -> None:
    """The store tells the service after each queued edit: with a 60 s idle poll and a 60 s
    heartbeat, an edit made in another thread is still delivered within seconds."""
    service = SyncService(
        kiosk,
        lambda: CentralClient(central.url, DEFAULT_CREDENTIALS, timeout=2.0),
        backoff=FAST,
        timing=SyncTiming(pull_interval=0, heartbeat=60.0, idle_poll=60.0),
    )
    kiosk.queued_listeners.append(service.wake)
    stop = asyncio.Event()
    running = asyncio.create_task(service.run(stop))
    await asyncio.sleep(0.5)  # the service has made its first pass and now idles

    def edit_elsewhere() -> None:
        with Store(kiosk.path) as own:
            own.queued_listeners.extend(kiosk.queued_listeners)
            own.apply_edit({"card_number": "6001000000000813", "first_name": "Yara"})

    await asyncio.to_thread(edit_elsewhere)
    deadline = time.monotonic() + 10.0
    while kiosk.outbox.counts().get("delivered", 0) < 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await running
    assert kiosk.outbox.counts().get("delivered", 0) == 1
    assert central.read(lambda store: store.view.codes_with_card("6001000000000813")) != []


def test_sync_run_logs_level_logger_message_through_the_masking_filter(
    tmp_path: Path, central: RunningServer
) -> None:
    """``kiosk sync run`` sets up logging like ``kiosk run``: ``LEVEL logger: message`` lines
    at the level of $KIOSK_LOG_LEVEL, and a card number in a message is masked (S8)."""
    config = write_config(tmp_path, central)
    with Store(tmp_path / "kiosk.db") as store:
        store.apply_edit({"card_number": "6001000000000821", "first_name": "Zoe"})
    central.control.set(FaultConfig(garbage=1.0))  # every answer garbled: retries are logged
    env = {**os.environ, "KIOSK_LOG_LEVEL": "DEBUG"}
    env.pop("JOURNAL_STREAM", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sync", "run", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
        text=True,
    )
    try:
        time.sleep(3.0)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "sync run logged nothing"
    assert any(line.startswith("DEBUG ") for line in lines), err
    assert all(
        line.split(" ", 1)[0] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"} and ": " in line
        for line in lines
        if not line.startswith((" ", "Traceback", "\t"))
    ), err
    assert "6001000000000821" not in err
    assert DEFAULT_CREDENTIALS.api_key not in err


def test_the_sender_lock_admits_one_holder_and_frees_on_release(tmp_path: Path) -> None:
    first, second = SenderLock(tmp_path / "kiosk.db"), SenderLock(tmp_path / "kiosk.db")
    assert first.try_acquire() and first.held
    assert not second.try_acquire()
    assert second.holder() == f"pid {os.getpid()}"
    first.release()
    assert second.try_acquire()
    second.release()
    assert (tmp_path / "kiosk.db.sender").stat().st_mode & 0o777 == 0o600


def test_a_killed_sender_frees_the_lock_at_once(tmp_path: Path) -> None:
    """The kernel drops the lock with the process: SIGKILL leaves nothing to expire."""
    code = (
        "import sys, time; from pathlib import Path; "
        "from kiosk.storage.sender_lock import SenderLock; "
        f"lock = SenderLock(Path({str(tmp_path / 'kiosk.db')!r})); "
        "assert lock.try_acquire(); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=ROOT)
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    lock = SenderLock(tmp_path / "kiosk.db")
    assert not lock.try_acquire()
    holder.kill()
    holder.wait()
    assert lock.try_acquire()
    lock.release()


def test_sync_once_beside_sync_run_sends_nothing_and_says_why(
    tmp_path: Path, central: RunningServer
) -> None:
    """Issue 12, scenario 2: ``kiosk sync once`` (which ``status`` and ``doctor`` suggest) run
    while ``kiosk sync run`` works the same database once sent the same queue twice. Now the
    second sender refuses, and every credit lands exactly once."""
    config = write_config(tmp_path, central)
    db = tmp_path / "kiosk.db"
    with Store(db) as store:
        for campaign in central.read(lambda ref: ref.campaigns()):
            store.define_campaign(campaign)
    central.control.set(FaultConfig(latency_ms=200))
    run = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sync", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        wait_until(lambda: SenderLock(db).path.exists() and last_contact(db) is not None, "run")
        with Store(db) as store:
            code = store.apply_edit({"card_number": "6001000000000961", "first_name": "Ida"})
            for _ in range(5):
                store.apply_edit({"code": code.plan.code, "campaign_id": "1", "auto_add": "3"})
        once = subprocess.run(
            [sys.executable, "-m", "kiosk", "sync", "once", "--config", str(config)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert once.returncode == 2
        assert "another sender" in once.stderr and "nothing was done" in once.stderr
        wait_until(lambda: pending(db) == 0, "delivery by sync run")
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=20)
    balances = central.read(
        lambda ref: ref.balances(ref.view.codes_with_card("6001000000000961")[0])
    )
    assert [b["balance"] for b in balances if b["campaign_id"] == "1"] == ["15"]
