"""What the kiosk app tells systemd: :class:`SystemdHooks`.

``ready`` after the first frame is on the terminal (``Type=notify`` start-up is complete),
``stopping`` on exit, and watchdog pings from a task on the app's own event loop (see
:mod:`kiosk.watchdog` for why a task and not a thread). Kept apart from the app so that tests
can pass recorders, and the app never imports the socket code unless it is asked to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.watchdog import Watchdog


@dataclass
class SystemdHooks:
    """The three notifications; every one is a no-op outside systemd."""

    watchdog: Watchdog
    """Started on mount (on the app's loop), stopped on unmount."""
    ready: Callable[[], bool]
    """Sends ``READY=1``."""
    stopping: Callable[[], bool]
    """Sends ``STOPPING=1``."""

    @classmethod
    def from_env(cls) -> SystemdHooks:
        """Hooks configured by ``$NOTIFY_SOCKET``/``$WATCHDOG_USEC`` (no-ops without them)."""
        from kiosk import watchdog

        return cls(watchdog.Watchdog.from_env(), watchdog.ready, watchdog.stopping)
