"""The serial reader against a real pseudo-terminal (``os.openpty``) and pyserial's ``loop://``.

A writer thread types like a reader on the pty's master side: a sign-on line after open, then
swipes in bursts with small gaps. Unplugging is simulated by closing the master (the reader's
reads then fail like an unplugged USB adapter's); a new pty behind the same symlink shows the
reconnect. Every wait polls with a timeout; no test sleeps for long.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

import pytest

from device.readers import open_reader
from device.swipe import BadSwipe, Swipe, encode_swipe
from tests.device.test_evdev_reader import Recorder

PAN = "6001234567890123"
SWIPE = encode_swipe(PAN, "DOE/JANE", "2512", (1, 2))


class Pty:
    """A pseudo-terminal whose slave path a symlink points at."""

    def __init__(self, link: str) -> None:
        self.master, self.slave = os.openpty()
        self.slave_path = os.ttyname(self.slave)
        tmp = link + ".new"
        os.symlink(self.slave_path, tmp)
        os.replace(tmp, link)  # atomically re-point the symlink, as udev does on replug

    def type_like_a_reader(self, text: str, burst: int = 8, gap: float = 0.004) -> None:
        data = text.encode("latin-1")
        for start in range(0, len(data), burst):
            os.write(self.master, data[start : start + burst])
            time.sleep(gap)  # the gap between bursts a slow reader leaves

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def link(tmp_path):
    return str(tmp_path / "ttyCARD")


@pytest.fixture
def ptys():
    made: list[Pty] = []
    yield made
    for pty in made:
        pty.close()


def start_reader(spec: str):
    recorder = Recorder()
    reader = open_reader(spec, recorder)
    reader.backoff_start = 0.02
    reader.start()
    return reader, recorder


def connected(count: int = 1):
    return lambda events: [getattr(e, "text", None) for e in events].count("connected") >= count


def swipes(count: int):
    return lambda events: len([e for e in events if isinstance(e, Swipe | BadSwipe)]) >= count


def test_swipes_typed_in_bursts_over_a_pty_are_decoded_and_the_sign_on_line_dropped(link, ptys):
    pty = Pty(link)
    ptys.append(pty)
    reader, recorder = start_reader(f"serial:{link}?baud=9600&terminator=cr&signon_ms=500")
    try:
        recorder.wait_for(connected())
        writer = threading.Thread(
            target=lambda: [
                pty.type_like_a_reader("MSR-100 V1.2 READY\r\n"),
                time.sleep(0.2),  # a person swipes a while after the reader greets
                pty.type_like_a_reader(SWIPE + "\r"),
                time.sleep(0.3),
                pty.type_like_a_reader(f";{PAN}=2512?\r", burst=3),
            ]
        )
        writer.start()
        recorder.wait_for(swipes(2))
        writer.join(2)
        assert recorder.swipes() == [Swipe(PAN, "DOE/JANE", "2512", 2), Swipe(PAN, None, "2512", 2)]
    finally:
        reader.stop()
    assert not reader.running


def test_a_half_swipe_then_silence_over_a_pty_is_a_bad_swipe(link, ptys):
    pty = Pty(link)
    ptys.append(pty)
    reader, recorder = start_reader(f"serial:{link}?signon_ms=0&timeout=0.1")
    try:
        recorder.wait_for(connected())
        pty.type_like_a_reader(SWIPE[:30])
        recorder.wait_for(swipes(1))
        (result,) = recorder.swipes()
        assert isinstance(result, BadSwipe) and result.code == "truncated"
    finally:
        reader.stop()


def test_an_unplugged_adapter_is_reopened_when_it_comes_back(link, ptys):
    first = Pty(link)
    ptys.append(first)
    reader, recorder = start_reader(f"serial:{link}?terminator=cr")
    try:
        recorder.wait_for(connected())
        os.close(first.master)  # unplug: the reader's reads now fail
        recorder.wait_for(lambda events: "unplugged, retrying" in recorder.statuses())
        os.close(first.slave)
        second = Pty(link)  # replugged: a new device behind the same stable path
        ptys.append(second)
        recorder.wait_for(connected(2))
        second.type_like_a_reader(f";{PAN}=2512?\r")
        recorder.wait_for(swipes(1))
        assert recorder.swipes() == [Swipe(PAN, None, "2512", 2)]
        statuses = recorder.statuses()
        assert statuses[statuses.index("unplugged, retrying") + 1 :].count("connected") == 1
    finally:
        reader.stop()


def test_a_missing_port_is_retried_and_reported(link, ptys):
    reader, recorder = start_reader(f"serial:{link}")
    try:
        recorder.wait_for(lambda events: "not found, retrying" in recorder.statuses())
        pty = Pty(link)
        ptys.append(pty)
        recorder.wait_for(connected())
        pty.type_like_a_reader(f";{PAN}=2512?\r")
        recorder.wait_for(swipes(1))
    finally:
        reader.stop()
    assert recorder.swipes() == [Swipe(PAN, None, "2512", 2)]


def test_stx_etx_framing_over_the_loop_url():
    reader, recorder = start_reader("serial:loop://?terminator=none&signon_ms=0")
    try:
        recorder.wait_for(connected())
        reader.port.write(b"\x02" + SWIPE.encode() + b"\x03")
        recorder.wait_for(swipes(1))
        assert recorder.swipes() == [Swipe(PAN, "DOE/JANE", "2512", 2)]
    finally:
        reader.stop()
    assert reader.status == "stopped"
