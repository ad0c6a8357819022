"""sd_notify and the watchdog, against a real Unix datagram socket standing in for systemd."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import watchdog
from kiosk.watchdog import Watchdog

DEADLINE_SECONDS = 10.0
"""Upper bound for waiting on pings that must come; a failure, never a pass, if it is reached."""


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A bound datagram socket, as systemd's notify socket, and its path."""
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setblocking(False)
    yield sock, path
    sock.close()


def drain(sock: socket.socket) -> list[str]:
    """Every datagram waiting on ``sock``, without waiting."""
    received = []
    while True:
        try:
            received.append(sock.recv(4096).decode())
        except BlockingIOError:
            return received


async def wait_for_pings(sock: socket.socket, count: int) -> list[str]:
    """Yield to the loop until ``count`` datagrams arrived (the watchdog task runs meanwhile)."""
    received: list[str] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    while len(received) < count:
        assert time.monotonic() < deadline, f"only {received} arrived"
        await asyncio.sleep(0.005)
        received += drain(sock)
    return received


def test_notify_sends_the_state_to_the_socket(notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    env = {"NOTIFY_SOCKET": path}
    assert watchdog.ready(env)
    assert watchdog.status("syncing\nREADY=1", env)
    assert watchdog.stopping(env)
    assert drain(sock) == ["READY=1", "STATUS=syncing READY=1", "STOPPING=1"]


def test_notify_reaches_an_abstract_socket() -> None:
    name = f"kiosk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        assert watchdog.notify("READY=1", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(100) == b"READY=1"


def test_everything_is_a_no_op_outside_systemd() -> None:
    assert watchdog.notify("READY=1", {}) is False
    assert watchdog.ready({}) is False
    dog = Watchdog.from_env({"WATCHDOG_USEC": "1000"})
    assert not dog.enabled

    async def start() -> object:
        return dog.start()

    assert asyncio.run(start()) is None


def test_a_gone_socket_makes_notify_return_false(tmp_path: Path) -> None:
    assert watchdog.notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")}) is False


def test_the_interval_is_half_of_watchdog_usec_and_only_for_our_pid() -> None:
    pid = str(os.getpid())
    assert watchdog.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": pid}) == 15.0
    other = {"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)}
    assert watchdog.watchdog_interval(other) is None
    assert watchdog.watchdog_interval({"WATCHDOG_USEC": "soon"}) is None
    assert watchdog.watchdog_interval({}) is None


def test_pings_stop_while_the_event_loop_is_blocked_and_resume_after(
    notify_socket: tuple[socket.socket, str],
) -> None:
    sock, path = notify_socket
    # 20 ms watchdog: a ping every 10 ms while the loop runs.
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "20000", "WATCHDOG_PID": str(os.getpid())}

    async def scenario() -> tuple[list[str], list[str], list[str]]:
        dog = Watchdog.from_env(env)
        assert dog.interval == 0.01
        dog.start()
        before = await wait_for_pings(sock, 3)
        drain(sock)
        # Block the loop for 30 intervals, as a stuck synchronous call in the UI would.
        time.sleep(0.3)
        # Read before yielding to the loop: whatever arrived was sent during the block.
        during = drain(sock)
        after = await wait_for_pings(sock, 3)
        await dog.stop()
        assert not dog.running
        return before, during, after

    before, during, after = asyncio.run(scenario())
    assert set(before) == {"WATCHDOG=1"}
    assert during == []
    assert set(after) == {"WATCHDOG=1"}


def test_the_watchdog_stops_pinging_once_stopped(notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "20000"}

    async def scenario() -> list[str]:
        async with Watchdog.from_env(env) as dog:
            assert dog.running
            await wait_for_pings(sock, 2)
        drain(sock)
        for _ in range(5):  # give a stray task every chance to run
            await asyncio.sleep(0.02)
        return drain(sock)

    assert asyncio.run(scenario()) == []
