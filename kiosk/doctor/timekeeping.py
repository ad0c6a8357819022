"""``kiosk doctor``'s check of the wall clock: is it synchronised with network time yet?

Provides :func:`wall_clock_synchronised` and ``DOCTOR_CHECKS`` (``check_clock_sync``). A Pi
without a battery clock boots with the time of its last shutdown and only learns the real time
from the network. Until then the times it shows and stores for people are wrong, and so is every
TLS certificate check against the central API. (Lockouts, retries and the age of queued changes
do not depend on it: they run on the kiosk's own clock, :mod:`kiosk.storage.clock`.)

The test is the one ``timedatectl`` uses for "System clock synchronized": the kernel's
``adjtimex()`` state, where a time daemon that has synchronised the clock keeps the maximum error
under 16 s. When ``adjtimex`` cannot be called, ``timedatectl`` itself is asked.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess
from collections.abc import Callable

from kiosk.doctor.checkup import Check, DoctorCheck, DoctorContext

MAX_ERROR_SYNCED_US = 16_000_000
"""systemd's threshold: a maximum error under 16 s means a time daemon disciplines the clock."""
TIME_ERROR = 5
"""``adjtimex``'s return value for an unsynchronised clock."""


class _Timex(ctypes.Structure):
    """The head of ``struct timex`` (the kernel writes more: room follows)."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("_rest", ctypes.c_byte * 512),
    ]


def _from_adjtimex() -> bool | None:
    """The kernel's answer (modes 0: only read), or None when it cannot be asked."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        state = libc.adjtimex(ctypes.byref(timex := _Timex()))
    except (OSError, AttributeError):
        return None
    if state < 0:  # EPERM under a system-call filter, say
        return None
    return state != TIME_ERROR and timex.maxerror < MAX_ERROR_SYNCED_US


def _from_timedatectl() -> bool | None:
    program = shutil.which("timedatectl")
    if program is None:
        return None
    try:
        result = subprocess.run(
            [program, "show", "--property=NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    answer = result.stdout.strip()
    return {"yes": True, "no": False}.get(answer) if result.returncode == 0 else None


def wall_clock_synchronised() -> bool | None:
    """True when the wall clock is synchronised with network time, False when not yet, None
    when this system cannot tell."""
    found = _from_adjtimex()
    return found if found is not None else _from_timedatectl()


PROBE: Callable[[], bool | None] = wall_clock_synchronised
"""What :func:`check_clock_sync` asks (tests replace it)."""


def check_clock_sync(ctx: DoctorContext) -> Check:
    """The wall clock is synchronised: shown times and TLS certificate checks are right."""
    name = "clock sync"
    synchronised = PROBE()
    if synchronised is None:
        return Check.skip(name, "this system cannot tell (no adjtimex, no timedatectl)")
    if synchronised:
        return Check(name, True, "the wall clock is synchronised with network time")
    return Check(
        name,
        False,
        "the wall clock is not synchronised with network time yet: times shown and stored for "
        "people may be wrong, and so may the central API's certificate check (lockouts, "
        "retries and queue ages run on the kiosk's own clock and stay right)",
        "let the Pi reach a time server: timedatectl status; "
        "systemctl status systemd-timesyncd (a firewall may block NTP, UDP port 123)",
    )


DOCTOR_CHECKS: list[DoctorCheck] = [check_clock_sync]
"""The wall-clock check, run after the built-in clock check."""
