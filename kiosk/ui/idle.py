"""The one inactivity timer of the app: :class:`IdleTimer`, and the time it runs on.

Provides :class:`TimerSource` (what the timer needs from time: ``now`` and ``call_after``),
:class:`AppTimers` (the real one, on Textual's timers and the monotonic clock) and
:class:`IdleTimer`.

Why a timer source is injected: a timer on the wall clock races whatever else the machine is
doing (a scrypt check in a thread, another engineer's tests on 2 cores), so a test of "reset
after 30 s" either waits 30 s or flakes. Tests pass a fake source whose time moves only when
the test says, and the same code path runs as in production.

Why keys cost nothing: a key only records the time. The one pending alarm, when it fires, looks
at the time of the last activity and sleeps again if there was some; only a showing warning
is taken down (and the alarm re-armed) at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from textual.app import App

EPSILON = 1e-6
"""Timers may fire a hair early or late; differences below this count as "now"."""


class Alarm(Protocol):
    """A pending call that can be cancelled (Textual's ``Timer`` is one)."""

    def stop(self) -> None:
        """Cancel the call if it has not run yet."""
        ...


class TimerSource(Protocol):
    """Where the idle timer reads the time and schedules its next look."""

    def now(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def call_after(self, delay: float, callback: Callable[[], None]) -> Alarm:
        """Call ``callback`` on the app's thread once ``delay`` seconds have passed."""
        ...


class AppTimers:
    """The real timer source: the monotonic clock and the app's own timers."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app

    def now(self) -> float:
        """``time.monotonic()`` (the clock Textual's timers run on)."""
        return time.monotonic()

    def call_after(self, delay: float, callback: Callable[[], None]) -> Alarm:
        """A one-shot Textual timer on the app."""
        return self._app.set_timer(delay, callback, name="inactivity")


class IdleTimer:
    """Calls ``on_expired`` exactly ``timeout`` seconds after the last activity.

    During the last ``warning`` seconds (0: none) it calls ``on_countdown`` with the whole
    seconds left (``10``, ``9``, ... ``1``), once per second, and ``on_countdown(None)`` when
    activity takes the warning down. After it expires it stays quiet until the next activity.
    """

    def __init__(
        self,
        source: TimerSource,
        *,
        timeout: float,
        warning: float = 0.0,
        on_expired: Callable[[], None],
        on_countdown: Callable[[int | None], None] | None = None,
    ) -> None:
        self._source = source
        self.timeout = timeout
        """Seconds from the last activity to the reset."""
        self.warning = min(warning, timeout / 2)
        """Seconds of countdown before the reset (at most half the timeout)."""
        self._on_expired = on_expired
        self._on_countdown = on_countdown
        self._last_activity = source.now()
        self._alarm: Alarm | None = None
        self.shown: int | None = None
        """The seconds the countdown shows now, or None when no warning is up."""

    def start(self) -> None:
        """Arm the timer from now."""
        self.touch()

    def stop(self) -> None:
        """Disarm (the app is closing)."""
        if self._alarm is not None:
            self._alarm.stop()
            self._alarm = None

    def touch(self) -> None:
        """Activity: the reset moves to ``timeout`` seconds from now."""
        self._last_activity = self._source.now()
        if self.shown is not None:
            self._show(None)
            self._arm(self.timeout - self.warning)
        elif self._alarm is None:
            self._arm(self.timeout - self.warning)

    def remaining(self) -> float:
        """Seconds until the reset."""
        return self._last_activity + self.timeout - self._source.now()

    def _arm(self, delay: float) -> None:
        if self._alarm is not None:
            self._alarm.stop()
        self._alarm = self._source.call_after(max(delay, 0.0), self._look)

    def _look(self) -> None:
        self._alarm = None
        remaining = self.remaining()
        if remaining <= EPSILON:
            self._show(None)
            self._on_expired()
            return
        if remaining > self.warning + EPSILON:
            self._arm(remaining - self.warning)
            return
        seconds = math.ceil(remaining - EPSILON)
        self._show(seconds)
        # Wake when the count drops by one: at remaining == seconds - 1.
        self._arm(remaining - (seconds - 1))

    def _show(self, seconds: int | None) -> None:
        if seconds == self.shown:
            return
        self.shown = seconds
        if self._on_countdown is not None:
            self._on_countdown(seconds)
