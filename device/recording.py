"""Capture what a live reader sends, for support and tests (``kiosk readers record``).

Provides ``open_recording()`` (a new file, mode 0600: it holds raw track data, full card numbers
included), ``RecordingWriter`` and ``record()`` (spec in, records written until a stop
condition). The format is ``device.replay``'s: serial readers are recorded as bytes with their
arrival time, evdev readers as input events (grabbed, so the swipes never reach the console),
``terminal``/``script`` readers as swipe texts. Each record is also decoded as it arrives, so
the person recording sees each swipe (masked) and ``count`` can stop the recording.
"""

from __future__ import annotations

import json
import os
import select
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, TextIO

from device.readers import hid_decoder, parse_spec, serial_decoder
from device.replay import RawEvent, result_line
from device.script_reader import Sleep, parse_script
from device.swipe import BadSwipe, Swipe, decode_swipe, is_status_frame

READ_TIMEOUT = 0.05
"""Seconds one wait for data lasts, so a stop condition is seen quickly."""


def open_recording(path: str | Path) -> TextIO:
    """Create (or replace) ``path`` with mode 0600 and return it open for writing."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
    return open(fd, "w", encoding="utf-8")


class RecordingWriter:
    """Writes records and decodes them on the way, reporting each result to ``on_result``."""

    def __init__(
        self, out: IO[str], kind: str, options: dict[str, str], on_result: Callable[[dict], None]
    ) -> None:
        self._out = out
        self.kind = kind
        self.options = options
        self._on_result = on_result
        self.results = 0
        self._start = time.monotonic()
        self._serial = serial_decoder(options) if kind == "serial" else None
        self._hid = hid_decoder(options) if kind == "evdev" else None
        if self._serial is not None:
            self._serial.reset(0.0)
        self._write({"kind": kind, "options": options})

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the recording started (monotonic)."""
        return (time.monotonic() if now is None else now) - self._start

    def add_bytes(self, data: bytes, now: float) -> None:
        """Record bytes a serial reader sent at ``now`` (monotonic)."""
        t = self.elapsed(now)
        self._write({"ms": round(t * 1000, 3), "hex": data.hex()})
        assert self._serial is not None
        self._report(self._serial.feed(data, t))

    def add_event(self, event: Any, stamp: float) -> None:
        """Record an input event that happened at ``stamp`` (monotonic)."""
        from device.evdev_reader import handle_events

        t = max(0.0, self.elapsed(stamp))
        record = {"ms": round(t * 1000, 3), "type": event.type, "code": event.code}
        self._write(record | {"value": event.value})
        assert self._hid is not None
        sec = int(t)
        raw = RawEvent(sec, round((t - sec) * 1e6), event.type, event.code, event.value)
        self._report(handle_events(self._hid, [raw], t, event_time=True))

    def add_text(self, text: str) -> None:
        """Record one swipe text (terminal and script readers)."""
        self._write({"text": text})
        if not is_status_frame(text):
            from device.readers import decoder_config

            self._report([decode_swipe(text, decoder_config(self.options))])

    def idle(self, now: float) -> None:
        """Let time pass: a swipe ended by silence is reported."""
        t = self.elapsed(now)
        if self._serial is not None:
            self._report(self._serial.poll(t))
        if self._hid is not None:
            self._report(self._hid.poll(t))

    def _report(self, results: Iterable[Swipe | BadSwipe]) -> None:
        for result in results:
            self.results += 1
            self._on_result(result_line(result))

    def _write(self, record: dict[str, Any]) -> None:
        self._out.write(json.dumps(record) + "\n")
        self._out.flush()


def record(
    spec: str,
    out: IO[str],
    on_result: Callable[[dict], None],
    stop: Callable[[RecordingWriter], bool],
    stdin: TextIO | None = None,
    evdev_opener: Callable[[str], Any] | None = None,
) -> RecordingWriter:
    """Record from the reader ``spec`` names until ``stop(writer)`` is true (or input ends).

    Raises:
        ValueError: for a bad spec. ``OSError`` (and pyserial's ``SerialException``) when the
            device cannot be opened.
    """
    parsed = parse_spec(spec)
    if parsed.kind in ("terminal", "script"):
        writer = RecordingWriter(out, "text", parsed.options, on_result)
        if parsed.kind == "script":
            steps = parse_script(Path(parsed.target).read_text(encoding="utf-8"))
            texts: Iterable[str] = [step for step in steps if not isinstance(step, Sleep)]
        else:
            texts = (line.rstrip("\r\n") for line in (stdin or iter(())))
        for text in texts:
            writer.add_text(text)
            if stop(writer):
                break
        return writer
    if parsed.kind == "serial":
        return _record_serial(parsed.target, parsed.options, out, on_result, stop)
    return _record_evdev(parsed.target, parsed.options, out, on_result, stop, evdev_opener)


def _record_serial(
    url: str,
    options: dict[str, str],
    out: IO[str],
    on_result: Callable[[dict], None],
    stop: Callable[[RecordingWriter], bool],
) -> RecordingWriter:
    from device.serial_reader import open_port

    port = open_port(url, int(options.get("baud", "9600")))
    try:
        writer = RecordingWriter(out, "serial", options, on_result)
        while not stop(writer):
            data = port.read(max(1, port.in_waiting))
            now = time.monotonic()
            if data:
                writer.add_bytes(data, now)
            else:
                writer.idle(now)
        return writer
    finally:
        port.close()


def _record_evdev(
    target: str,
    options: dict[str, str],
    out: IO[str],
    on_result: Callable[[dict], None],
    stop: Callable[[RecordingWriter], bool],
    opener: Callable[[str], Any] | None,
) -> RecordingWriter:
    from device.evdev_reader import DeviceSelector, find_device, open_device, use_monotonic_clock

    selector = DeviceSelector.parse(target)
    path = find_device(selector)
    if path is None:
        raise OSError(f"no input device matches {selector.describe()}")
    device = (opener or open_device)(path)
    try:
        device.grab()  # so the swipes being recorded never reach the console
        event_time = use_monotonic_clock(device)
        writer = RecordingWriter(out, "evdev", options, on_result)
        while not stop(writer):
            ready, _, _ = select.select([device.fd], [], [], READ_TIMEOUT)
            now = time.monotonic()
            if ready:
                for event in device.read():
                    stamp = event.sec + event.usec / 1e6 if event_time else now
                    writer.add_event(event, stamp)
            writer.idle(now)
        return writer
    finally:
        device.close()
