"""What every card reader shares: the event types, the ``CardReader`` protocol, a thread base.

Provides ``ReaderStatus``, ``ReaderEvent`` (``Swipe | BadSwipe | ReaderStatus``), the
``CardReader`` protocol and ``ThreadedReader``: a daemon thread with a stop event, status
changes reported once each, a capped backoff, and a run loop that survives its own bugs (S10).
Imports neither evdev nor serial.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from device.swipe import BadSwipe, Swipe

log = logging.getLogger(__name__)

STOP_TIMEOUT = 2.0
"""Seconds ``stop()`` waits for the reader thread; every wait inside a reader is shorter."""


@dataclass(frozen=True, slots=True)
class ReaderStatus:
    """A change in the reader's state, e.g. "connected" or "unplugged, retrying"."""

    text: str


ReaderEvent = Swipe | BadSwipe | ReaderStatus
"""What a reader reports through ``on_event``."""

EventCallback = Callable[[ReaderEvent], None]


@runtime_checkable
class CardReader(Protocol):
    """A running source of swipes. ``on_event`` is called from the reader's own thread."""

    @property
    def name(self) -> str:
        """A short description of the reader (never contains card data)."""
        ...

    @property
    def status(self) -> str:
        """The current state in a few words: "connected", "unplugged, retrying", ..."""
        ...

    def start(self) -> None:
        """Start reading in the background; returns at once."""
        ...

    def stop(self) -> None:
        """Stop reading and release the device; returns within a bounded time."""
        ...


class ThreadedReader(abc.ABC):
    """Base for readers that run a blocking loop in a daemon thread.

    Subclasses implement ``_run()``, which must return promptly once ``self._stop`` is set
    (every blocking call has a timeout well under ``STOP_TIMEOUT``).
    """

    backoff_start = 0.1
    """First delay before retrying a missing or failed device, in seconds."""
    backoff_cap = 2.0
    """Longest delay between retries."""

    def __init__(self, name: str, on_event: EventCallback) -> None:
        self._name = name
        self._on_event = on_event
        self._status = "stopped"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """A short description of the reader."""
        return self._name

    @property
    def status(self) -> str:
        """The current state in a few words."""
        return self._status

    def start(self) -> None:
        """Start the reader thread (no-op if it is running)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._main, name=f"reader {self._name}", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask the thread to stop and wait for it at most ``timeout`` seconds."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if thread is None or not thread.is_alive():
            self._set_status("stopped")

    @property
    def running(self) -> bool:
        """True while the reader thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _main(self) -> None:
        delay = self.backoff_start
        while not self._stop.is_set():
            try:
                self._run()
                return
            except Exception:  # S10: a bug in a reader must not end reading for good
                log.exception("card reader %s failed; restarting", self._name)
                self._set_status("reader error, retrying")
                delay = self._wait(delay)

    @abc.abstractmethod
    def _run(self) -> None:
        """Read until stopped (each reader kind); an exception restarts it after a backoff."""

    def _wait(self, delay: float) -> float:
        """Sleep ``delay`` unless stopped; return the next (doubled, capped) delay."""
        self._stop.wait(delay)
        return min(delay * 2, self.backoff_cap)

    def _emit(self, event: ReaderEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # the consumer's bug must not kill the reader thread
            log.exception("card reader %s: event handler failed", self._name)

    def _set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            log.info("card reader %s: %s", self._name, text)
            self._emit(ReaderStatus(text))
