"""HID (keyboard-wedge) card reader through evdev: find, grab, read, reconnect.

Provides ``DeviceSelector`` (by ``/dev/input/by-id/...`` path, name or USB ``vendor:product``),
``handle_events()`` (the one path from evdev events to swipes, shared with the tests),
``find_device()`` and ``EvdevReader``.

The I/O layer is thin on purpose; decoding lives in ``device.hid_decoder``. ``evdev`` is
imported only when a device is searched for or opened.

- Grab (``EVIOCGRAB``) so swipes never reach the console or another program, and only when no
  key is down (grabbing mid-keystroke leaves that key "stuck" for whoever had it). Another
  grabber gives EBUSY: status "another program holds the reader", retried with backoff.
- Read in a thread: ``select()`` with a short timeout, then ``read()``; so stopping never hangs
  (``close()`` does not end evdev's ``async_read_loop``, and a blocking read would not notice a
  stop). The device is closed in ``finally``: ``InputDevice`` has no context manager.
- Unplug shows up as ``OSError`` ENODEV: a half swipe is flushed as a bad swipe, the device is
  closed, and it is searched for again with a capped backoff; a replug needs a new grab.
- Timing comes from the kernel's event timestamps, switched to the monotonic clock
  (``EVIOCSCLOCKID``), the clock of the silence poll: a reading thread that stalls and then reads
  a burst still sees the gaps the reader really left. If the switch fails, reception time is
  used (event times would be wall-clock, which may jump).
- Discovery does not depend on write access: ``evdev.list_devices()`` lists only nodes it could
  open read-write, but reading and grabbing need only read access (the udev rule gives 0640), so
  ``/dev/input/event*`` is listed here and each node opened read-only for its name and ids.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import re
import select
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from device.hid_decoder import HidSwipeDecoder
from device.hid_keymap import EV_KEY, KEY_ENTER
from device.reader_base import EventCallback, ThreadedReader
from device.swipe import BadSwipe, Swipe

SELECT_TIMEOUT = 0.05
"""Seconds each wait for events lasts, so a stop request is seen quickly."""
GRAB_WAIT = 2.0
"""Seconds to wait for all keys to be released before grabbing anyway."""
EVIOCSCLKID = 0x400445A0
"""``_IOW('E', 0xa0, int)``: choose the clock of an evdev node's event timestamps."""
CLOCK_MONOTONIC = 1
INPUT_DIR = "/dev/input"


class InputDeviceLike(Protocol):
    """The part of ``evdev.InputDevice`` the reader uses (tests pass a fake)."""

    fd: int

    def read(self) -> Iterable[Any]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def close(self) -> None: ...
    def active_keys(self) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class DeviceSelector:
    """Which input device is the reader: exactly one of path, name or vendor+product."""

    path: str | None = None
    name: str | None = None
    vendor: int | None = None
    product: int | None = None

    @classmethod
    def parse(cls, text: str) -> DeviceSelector:
        """Parse ``/dev/input/...``, ``name=Some Reader`` or ``usb=0c2e:0b61``.

        Raises:
            ValueError: naming what is wrong.
        """
        if text.startswith("/"):
            return cls(path=text)
        if text.startswith("name="):
            name = text[len("name=") :].strip()
            if not name:
                raise ValueError("evdev reader: 'name=' needs the device name")
            return cls(name=name)
        if text.startswith("usb="):
            match = re.fullmatch(r"([0-9a-fA-F]{4}):([0-9a-fA-F]{4})", text[len("usb=") :])
            if match is None:
                raise ValueError("evdev reader: 'usb=' needs vendor:product as 4+4 hex digits")
            return cls(vendor=int(match[1], 16), product=int(match[2], 16))
        raise ValueError(
            "evdev reader: give a /dev/input/by-id/... path, name=DEVICE NAME "
            f"or usb=VVVV:PPPP, not {text!r}"
        )

    def describe(self) -> str:
        """Short text for status and logs."""
        if self.path:
            return self.path
        if self.name:
            return f"name={self.name}"
        return f"usb={self.vendor or 0:04x}:{self.product or 0:04x}"

    def matches(self, name: str, vendor: int, product: int) -> bool:
        """True if a device with this name and USB ids is the one selected."""
        if self.name is not None:
            return name.strip().casefold() == self.name.casefold()
        return vendor == self.vendor and product == self.product


def handle_events(
    decoder: HidSwipeDecoder, events: Iterable[Any], now: float, event_time: bool = False
) -> list[Swipe | BadSwipe]:
    """Feed evdev events (``InputEvent``-like: type, code, value, sec, usec) to the decoder.

    This is the reader's only path from events to swipes; tests and ``kiosk readers replay``
    drive it with built event sequences. Events are taken in kernel order: ``EV_MSC`` scan
    codes, ``EV_KEY``, ``SYN_REPORT``, and ``SYN_DROPPED`` when the kernel lost events.

    Args:
        now: reception time, used for every event unless ``event_time``.
        event_time: use each event's own timestamp (monotonic clock) instead.
    """
    results: list[Swipe | BadSwipe] = []
    for event in events:
        stamp = event.sec + event.usec / 1_000_000 if event_time else now
        results += decoder.event(event.type, event.code, event.value, stamp)
    return results


def find_device(
    selector: DeviceSelector,
    input_dir: str = INPUT_DIR,
    opener: Callable[[str], InputDeviceLike] | None = None,
) -> str | None:
    """Return the device node for the selector, or None if it is not plugged in.

    Every ``event*`` node is opened read-only (see the module docstring); nodes that cannot be
    opened at all (no permission, gone) are skipped.
    """
    if selector.path is not None:
        return selector.path if os.path.exists(selector.path) else None
    opener = opener or open_device
    for path in sorted(glob.glob(os.path.join(input_dir, "event*"))):
        try:
            device: Any = opener(path)
        except OSError:
            continue  # no permission or gone: not ours to use
        try:
            info = device.info
            keys = device.capabilities().get(EV_KEY, [])
            # A reader often has several nodes (keyboard, consumer keys): want the one with Enter.
            if KEY_ENTER in keys and selector.matches(device.name, info.vendor, info.product):
                return path
        except OSError:
            continue
        finally:
            _close_quietly(device, ungrab=False)
    return None


def open_device(path: str) -> InputDeviceLike:
    """Open an input device node with evdev, read-only: reading and grabbing need no more."""
    import evdev  # lazy: only reader modules import evdev, and only when used

    return evdev.InputDevice(path, readonly=True)


def use_monotonic_clock(device: InputDeviceLike) -> bool:
    """Switch the node's event timestamps to the monotonic clock; True when that worked."""
    try:
        fcntl.ioctl(device.fd, EVIOCSCLKID, struct.pack("i", CLOCK_MONOTONIC))
    except (OSError, ValueError, TypeError):
        return False
    return True


class EvdevReader(ThreadedReader):
    """Reads a HID card reader through evdev in a daemon thread."""

    def __init__(
        self,
        selector: DeviceSelector,
        on_event: EventCallback,
        decoder: HidSwipeDecoder | None = None,
        finder: Callable[[DeviceSelector], str | None] = find_device,
        opener: Callable[[str], InputDeviceLike] = open_device,
    ) -> None:
        super().__init__(f"evdev {selector.describe()}", on_event)
        self.selector = selector
        self.decoder = decoder or HidSwipeDecoder()
        self._finder = finder
        self._opener = opener
        self._event_time = False

    def _run(self) -> None:
        delay = self.backoff_start
        was_connected = False
        while not self._stop.is_set():
            path = self._finder(self.selector)
            if path is None:
                self._set_status("unplugged, retrying" if was_connected else "not found, retrying")
                delay = self._wait(delay)
                continue
            try:
                device = self._opener(path)
            except OSError as error:
                self._set_status(_open_error_text(error))
                delay = self._wait(delay)
                continue
            try:
                if not self._grab(device):
                    delay = self._wait(delay)
                    continue
                self._event_time = use_monotonic_clock(device)
                self._set_status("connected")
                was_connected, delay = True, self.backoff_start
                self._read_loop(device)
            except OSError as error:
                for result in self.decoder.flush(time.monotonic()):
                    self._emit(result)  # a half swipe when unplugged is a bad swipe (S10)
                if error.errno == errno.ENODEV:
                    self._set_status("unplugged, retrying")
                else:
                    self._set_status(f"read error ({error.strerror or 'unknown'}), retrying")
                delay = self._wait(delay)
            finally:
                _close_quietly(device)

    def _grab(self, device: InputDeviceLike) -> bool:
        deadline = time.monotonic() + GRAB_WAIT
        held = list(device.active_keys())
        while held and time.monotonic() < deadline and not self._stop.is_set():
            self._stop.wait(0.02)
            held = list(device.active_keys())
        if self._stop.is_set():
            return False
        try:
            device.grab()
        except OSError as error:
            if error.errno == errno.EBUSY:
                self._set_status("another program holds the reader")
                return False
            raise
        # Keys still held are seen only as repeats and releases: they type nothing.
        self.decoder.reset(held)
        return True

    def _read_loop(self, device: InputDeviceLike) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([device.fd], [], [], SELECT_TIMEOUT)
            now = time.monotonic()
            results: list[Swipe | BadSwipe] = []
            if ready:
                try:
                    events = list(device.read())
                except BlockingIOError:
                    events = []
                results = handle_events(self.decoder, events, now, self._event_time)
                if self.decoder.needs_resync:
                    # Key releases may have been lost with the dropped events.
                    self.decoder.resync(device.active_keys())
            results += self.decoder.poll(now)
            for result in results:
                self._emit(result)


def _open_error_text(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        return "no permission to read the reader (check the udev rule), retrying"
    if error.errno in (errno.ENOENT, errno.ENODEV):
        return "not found, retrying"
    return f"cannot open the reader ({error.strerror or 'unknown'}), retrying"


def _close_quietly(device: Any, ungrab: bool = True) -> None:
    # Either may fail when the device is already gone or was never grabbed.
    if ungrab:
        with contextlib.suppress(OSError):
            device.ungrab()
    with contextlib.suppress(OSError):
        device.close()
