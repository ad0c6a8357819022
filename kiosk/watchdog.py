"""systemd notification (``sd_notify``) and a watchdog that pings only while the event loop runs.

Provides ``notify()``, ``ready()``, ``stopping()``, ``status()`` and ``Watchdog``. No dependency:
a datagram to the Unix socket named by ``$NOTIFY_SOCKET`` (``@name`` is an abstract address).
Everything is a no-op returning ``False`` when the variable is unset (not under systemd).

Why pings come from a task on the loop: ``WatchdogSec=`` exists to restart a kiosk whose UI is
frozen. A thread would keep pinging while the loop is stuck in a blocking call; a task on the
loop itself cannot run then, so the pings stop and systemd restarts the service.

Usage in the app (``kiosk run``)::

    watchdog = Watchdog.from_env()
    watchdog.start()          # in on_mount / once the loop runs
    ready()                   # the first frame is drawn: Type=notify start-up is complete
    ...
    stopping(); await watchdog.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


def _address(environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET", "")
    if not address or (address[0] not in "/@"):
        # vsock: addresses and relative paths are not for us; systemd never gives them to a unit.
        return None
    # A leading "@" is the text form of a Linux abstract socket, whose name starts with a NUL.
    return "\0" + address[1:] if address[0] == "@" else address


def notify(state: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``state`` (``READY=1``, ``WATCHDOG=1``, ...) to systemd; True when it was sent.

    Never blocks: the socket is non-blocking, so a full queue drops the message instead of
    stalling the event loop that calls us.
    """
    address = _address(environ)
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.setblocking(False)
            sock.sendto(state.encode("utf-8"), address)
    except OSError as error:
        log.debug("sd_notify %s failed: %s", state.split("=")[0], error)
        return False
    return True


def ready(environ: Mapping[str, str] | None = None) -> bool:
    """Tell systemd that start-up is complete (``Type=notify`` waits for this)."""
    return notify("READY=1", environ)


def stopping(environ: Mapping[str, str] | None = None) -> bool:
    """Tell systemd that we are shutting down on purpose."""
    return notify("STOPPING=1", environ)


def status(text: str, environ: Mapping[str, str] | None = None) -> bool:
    """Set the one-line status shown by ``systemctl status``."""
    # A newline would start a new assignment in the datagram (e.g. a forged READY=1).
    return notify("STATUS=" + " ".join(text.splitlines()), environ)


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between pings (half of ``$WATCHDOG_USEC``), or None when the watchdog is off.

    Off when ``$WATCHDOG_USEC`` is unset or invalid, or ``$WATCHDOG_PID`` names another process
    (the variables were inherited by a child of the service's main process).
    """
    env = os.environ if environ is None else environ
    pid = env.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    return usec / 2 / 1_000_000


class Watchdog:
    """Sends ``WATCHDOG=1`` every ``interval`` seconds from a task on the running event loop."""

    def __init__(
        self,
        interval: float | None,
        *,
        send: Callable[[str], bool] = notify,
    ) -> None:
        """Args:
        interval: seconds between pings; ``None`` makes every method a no-op.
        send: what sends a state (tests may pass a recorder).
        """
        self.interval = interval
        """Seconds between pings, or None when disabled."""
        self._send = send
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Watchdog:
        """A watchdog configured by systemd's ``$WATCHDOG_USEC``/``$WATCHDOG_PID``."""
        env = dict(os.environ if environ is None else environ)
        interval = watchdog_interval(env) if _address(env) else None
        return cls(interval, send=lambda state: notify(state, env))

    @property
    def enabled(self) -> bool:
        """True when pings will be sent."""
        return self.interval is not None

    @property
    def running(self) -> bool:
        """True while the ping task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[None] | None:
        """Start pinging from a task on the running loop; returns the task (None if disabled).

        Must be called from the loop's thread while the loop runs. Starting twice is harmless.
        """
        if not self.enabled:
            return None
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="watchdog")
        return self._task

    async def stop(self) -> None:
        """Stop pinging and wait for the task to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        assert self.interval is not None
        while True:
            self._send("WATCHDOG=1")
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> Watchdog:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
