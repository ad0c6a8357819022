"""Serial card reader on pyserial: open, read in a thread, frame, reconnect.

Provides ``SerialReader`` and ``list_serial_ports()`` (for discovery). ``serial`` is imported
only when a port is opened or listed.

- Ports are opened with ``serial.serial_for_url`` so ``loop://`` and pseudo-terminals work in
  tests exactly as ``/dev/ttyUSB0`` does on the Pi.
- Reads block for at most ``READ_TIMEOUT`` seconds and the loop checks a stop event, so the
  thread never keeps the process alive (pyserial-asyncio would block the event loop instead).
- Framing, sign-on dropping and decoding are ``StreamSwipeDecoder``'s; the sign-on window starts
  at each (re)open, since readers greet again after DTR rises.
- An unplugged adapter raises ``SerialException``/``OSError``: a half swipe is flushed as a bad
  swipe, the port is closed and reopened with a capped backoff; each status change is reported.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from device.reader_base import EventCallback, ThreadedReader
from device.serial_framing import StreamSwipeDecoder

READ_TIMEOUT = 0.05
"""Seconds one read may block; bounds how long a stop request waits."""


def open_port(url: str, baudrate: int) -> Any:
    """Open a serial port or pyserial URL, 8N1, with the reader's read timeout."""
    import serial  # lazy: only reader modules import serial

    return serial.serial_for_url(url, baudrate=baudrate, timeout=READ_TIMEOUT)


class SerialReader(ThreadedReader):
    """Reads a serial card reader in a daemon thread."""

    def __init__(
        self,
        url: str,
        on_event: EventCallback,
        baudrate: int = 9600,
        decoder: StreamSwipeDecoder | None = None,
        opener: Callable[[str, int], Any] = open_port,
    ) -> None:
        super().__init__(f"serial {url}", on_event)
        self.url = url
        self.baudrate = baudrate
        self.decoder = decoder or StreamSwipeDecoder()
        self._opener = opener
        self.port: Any = None
        """The open port object while connected (tests write to ``loop://`` through it)."""

    def _run(self) -> None:
        import serial

        delay = self.backoff_start
        was_connected = False
        while not self._stop.is_set():
            try:
                port = self._opener(self.url, self.baudrate)
            except (serial.SerialException, OSError, ValueError):
                # pyserial puts the OS error text in the message; the URL is not secret.
                self._set_status("unplugged, retrying" if was_connected else "not found, retrying")
                delay = self._wait(delay)
                continue
            self.port = port
            self.decoder.reset(time.monotonic())
            self._set_status("connected")
            was_connected, delay = True, self.backoff_start
            try:
                self._read_loop(port)
            except (serial.SerialException, OSError):
                for result in self.decoder.flush(time.monotonic()):
                    self._emit(result)
                self._set_status("unplugged, retrying")
                delay = self._wait(delay)
            finally:
                self.port = None
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()  # fails when the adapter is already gone

    def _read_loop(self, port: Any) -> None:
        while not self._stop.is_set():
            data = port.read(max(1, port.in_waiting))
            now = time.monotonic()
            results = self.decoder.feed(data, now) if data else self.decoder.poll(now)
            for result in results:
                self._emit(result)


@dataclass(frozen=True, slots=True)
class SerialPortInfo:
    """A serial port as listed by pyserial."""

    device: str
    description: str
    vid: int | None
    pid: int | None


def list_serial_ports() -> list[SerialPortInfo]:
    """List serial ports (USB adapters, built-in UARTs) with their USB ids when known."""
    from serial.tools import list_ports

    return [
        SerialPortInfo(p.device, p.description or "", p.vid, p.pid) for p in list_ports.comports()
    ]
