"""The evdev reader's I/O loop: find, wait for keys up, grab, read, EBUSY, unplug, reconnect.

There is no /dev/uinput and no input device on the build machine, so the reader runs against a
fake device: a pipe supplies the file descriptor for ``select()``, and ``read()`` returns
hand-built ``evdev.InputEvent`` sequences or raises the ``OSError`` the kernel gives (ENODEV on
unplug, EBUSY from ``grab``). Events take the reader's real path: ``select`` -> ``read`` ->
``handle_events`` -> ``HidSwipeDecoder``. Waits poll with a timeout; nothing sleeps blindly.
"""

from __future__ import annotations

import errno
import os
import threading
import time

import evdev
import pytest
from evdev import ecodes

from device.evdev_reader import DeviceSelector, EvdevReader
from device.hid_keymap import encode_text, get_layout
from device.reader_base import ReaderStatus
from device.swipe import BadSwipe, Swipe, encode_swipe

PAN = "6001234567890123"


def typed(text: str) -> list[evdev.InputEvent]:
    events = []
    for code, shift, _ in encode_text(text, get_layout("us")):
        pressed = [ecodes.KEY_LEFTSHIFT, code] if shift else [code]
        events += [evdev.InputEvent(0, 0, ecodes.EV_KEY, c, 1) for c in pressed]
        events += [evdev.InputEvent(0, 0, ecodes.EV_KEY, c, 0) for c in reversed(pressed)]
    return events


class FakeDevice:
    """Stands in for ``evdev.InputDevice``: readable when a batch of events is queued."""

    def __init__(self, batches, held=(), grab_error: int | None = None) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.fd = self.read_fd
        self.batches = list(batches)
        self.held = list(held)
        self.grab_error = grab_error
        self.grabbed = self.closed = False
        self.lock = threading.Lock()
        if self.batches:
            os.write(self.write_fd, b"x")

    def active_keys(self):
        keys, self.held = self.held, []  # released right after the first look
        return keys

    def grab(self):
        if self.grab_error is not None:
            raise OSError(self.grab_error, os.strerror(self.grab_error))
        self.grabbed = True

    def ungrab(self):
        self.grabbed = False

    def read(self):
        os.read(self.read_fd, 1)
        batch = self.batches.pop(0)
        if self.batches:
            os.write(self.write_fd, b"x")
        if isinstance(batch, OSError):
            raise batch
        return iter(batch)

    def close(self):
        if not self.closed:
            self.closed = True
            os.close(self.read_fd)
            os.close(self.write_fd)


class Recorder:
    def __init__(self) -> None:
        self.events: list = []
        self.cond = threading.Condition()

    def __call__(self, event) -> None:
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def wait_for(self, predicate, timeout: float = 3.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.events):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; events so far: {self.events}")
                self.cond.wait(remaining)

    def swipes(self):
        return [e for e in self.events if isinstance(e, Swipe | BadSwipe)]

    def statuses(self):
        return [e.text for e in self.events if isinstance(e, ReaderStatus)]


@pytest.fixture
def make_reader():
    readers = []

    def make(devices, finder=lambda selector: "/dev/input/fake"):
        recorder = Recorder()
        queue = list(devices)

        def opener(path):
            if not queue:
                raise OSError(errno.ENOENT, "gone")
            return queue.pop(0)

        reader = EvdevReader(DeviceSelector(path="/dev/input/fake"), recorder, None, finder, opener)
        reader.backoff_start = 0.01
        readers.append(reader)
        return reader, recorder

    yield make
    for reader in readers:
        reader.stop()
        assert not reader.running


def test_the_reader_grabs_the_device_and_delivers_swipes(make_reader):
    device = FakeDevice([typed(encode_swipe(PAN, "DOE/JANE", "2512") + "\r")])
    reader, recorder = make_reader([device])
    reader.start()
    recorder.wait_for(lambda events: any(isinstance(e, Swipe) for e in events))
    assert recorder.swipes() == [Swipe(PAN, "DOE/JANE", "2512", 2)]
    assert device.grabbed and reader.status == "connected"
    reader.stop()
    assert device.closed and not device.grabbed


def test_keys_held_when_grabbing_type_nothing(make_reader):
    # KEY_4 was down at grab time; its repeats and release arrive in the middle of a swipe.
    held = [evdev.InputEvent(0, 0, ecodes.EV_KEY, ecodes.KEY_4, v) for v in (2, 2, 0)]
    events = typed(f";{PAN[:6]}") + held + typed(f"{PAN[6:]}=2512?\r")
    device = FakeDevice([events], held=[ecodes.KEY_4])
    reader, recorder = make_reader([device])
    reader.start()
    recorder.wait_for(lambda events: len([e for e in events if isinstance(e, Swipe)]) == 1)
    assert recorder.swipes() == [Swipe(PAN, None, "2512", 2)]


def test_another_grabber_gives_a_clear_status_and_is_retried(make_reader):
    busy = FakeDevice([], grab_error=errno.EBUSY)
    free = FakeDevice([typed(f";{PAN}=2512?\r")])
    reader, recorder = make_reader([busy, free])
    reader.start()
    recorder.wait_for(lambda events: any(isinstance(e, Swipe) for e in events))
    assert recorder.statuses()[:2] == ["another program holds the reader", "connected"]
    assert busy.closed


def test_an_unplug_mid_swipe_reports_a_bad_swipe_then_reconnects(make_reader):
    unplug = OSError(errno.ENODEV, "No such device")
    first = FakeDevice([typed(f";{PAN}=25"), unplug])
    second = FakeDevice([typed(f";{PAN}=2512?\r")])
    present = {"n": 0}

    def finder(selector):
        present["n"] += 1
        return None if present["n"] in (2, 3) else "/dev/input/fake"  # gone for a moment

    reader, recorder = make_reader([first, second], finder)
    reader.start()
    recorder.wait_for(lambda events: any(isinstance(e, Swipe) for e in events))
    swipes = recorder.swipes()
    assert isinstance(swipes[0], BadSwipe) and swipes[0].code == "truncated"
    assert swipes[1] == Swipe(PAN, None, "2512", 2)
    assert recorder.statuses()[:3] == ["connected", "unplugged, retrying", "connected"]
    assert first.closed


def test_stop_returns_promptly_while_waiting_for_a_device(make_reader):
    reader, recorder = make_reader([], finder=lambda selector: None)
    reader.start()
    recorder.wait_for(
        lambda events: "not found, retrying" in [getattr(e, "text", "") for e in events]
    )
    reader.stop()
    assert not reader.running


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "/dev/input/by-id/usb-MagTek-event-kbd",
            DeviceSelector(path="/dev/input/by-id/usb-MagTek-event-kbd"),
        ),
        ("name=USB Swipe Reader", DeviceSelector(name="USB Swipe Reader")),
        ("usb=0c2e:0B61", DeviceSelector(vendor=0x0C2E, product=0x0B61)),
    ],
)
def test_device_selectors_parse_path_name_and_usb_ids(text, expected):
    assert DeviceSelector.parse(text) == expected


@pytest.mark.parametrize("text", ["usb=0c2e", "usb=xyz1:0001", "name=", "ttyUSB0"])
def test_bad_device_selectors_are_clear_errors(text):
    with pytest.raises(ValueError, match="evdev reader"):
        DeviceSelector.parse(text)


def test_a_name_selector_matches_case_insensitively_and_usb_ids_exactly():
    assert DeviceSelector(name="usb swipe reader").matches("USB Swipe Reader ", 1, 2)
    assert DeviceSelector(vendor=1, product=2).matches("x", 1, 2)
    assert not DeviceSelector(vendor=1, product=2).matches("x", 1, 3)
