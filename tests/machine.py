"""A pretend machine for clock tests: a wall clock that people and network time may set, and a
boot clock that only moves forward and starts again at each boot (issue 16).

``Machine.source`` is the :class:`~kiosk.storage.clock.ClockSource` a store is given;
:func:`wall_clock_of` makes the process's wall clock (``time.time`` and the ``utc_now`` of the
storage layer) follow the machine's, so a jump is seen by everything that reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
import time
import types
from dataclasses import dataclass, field

import pytest

import kiosk.storage.database
from kiosk.storage.clock import ClockSource

DAY = 86400.0
YEAR = 365 * DAY
JUMPS = {"back a year": -YEAR, "back a day": -DAY, "forward a day": DAY, "forward a year": YEAR}
"""The wall-clock jumps every clock test goes through."""


@dataclass
class Machine:
    """Wall clock, boot clock and boot id of a pretend Pi."""

    wall: float = field(default_factory=time.time)
    boot: float = 120.0
    boots: int = 1

    @property
    def source(self) -> ClockSource:
        return ClockSource(boottime=lambda: self.boot, boot_id=lambda: f"boot-{self.boots}")

    def advance(self, seconds: float) -> None:
        """Real time passes: both clocks move."""
        self.wall += seconds
        self.boot += seconds

    def jump(self, seconds: float) -> None:
        """Someone (or network time) sets the wall clock; the boot clock does not move."""
        self.wall += seconds

    def reboot(self, *, off_for: float, wall_after: float | None = None) -> None:
        """Switched off for ``off_for`` seconds and on again: a new boot id, the boot clock from
        a few seconds; the wall clock comes back as the Pi has it (``wall_after``: no battery
        clock, the time of the last shutdown, say)."""
        self.boots += 1
        self.boot = 8.0
        self.wall = self.wall + off_for if wall_after is None else wall_after


def wall_clock_of(machine: Machine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process's wall clock the machine's (``time.time``, ``utc_now``)."""

    class _Wall(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> _Wall:  # type: ignore[override]
            moment = dt.datetime.fromtimestamp(machine.wall, tz)
            return cls(*moment.timetuple()[:6], moment.microsecond, moment.tzinfo)

    monkeypatch.setattr(time, "time", lambda: machine.wall)
    shim = types.SimpleNamespace(datetime=_Wall, UTC=dt.UTC, timedelta=dt.timedelta)
    monkeypatch.setattr(kiosk.storage.database, "dt", shim)
