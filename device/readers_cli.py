"""The installer's reader commands, as plain functions the ``kiosk`` CLI wires up.

Provides ``cmd_list(out)`` (candidate readers and their specs) and ``cmd_test(spec, out, ...)``
(open a reader and print each swipe as decoded). Card numbers are printed masked, last 4 digits
only (S8); the cardholder name is printed, to show that track 1 was read.
"""

from __future__ import annotations

import queue
import sys
import time
from typing import TextIO

from device.discovery import Candidate, list_candidates
from device.readers import ReaderEvent, ReaderStatus, TerminalReader, open_reader
from device.swipe import BadSwipe, Swipe, decode_swipe


def cmd_list(out: TextIO, candidates: list[Candidate] | None = None) -> int:
    """Print the devices that could be the card reader, with the spec for each.

    Returns:
        0 when something was found, 1 when nothing was.
    """
    found = list_candidates() if candidates is None else candidates
    if not found:
        out.write(
            "No card readers found.\n"
            "Check the cable, that the reader shows up in /dev/input/by-id or as /dev/ttyUSB*,\n"
            "and that the udev rule gives the kiosk user access (see systemd/).\n"
        )
        return 1
    for candidate in found:
        out.write(f"{candidate.kind:7} {candidate.path}\n        {candidate.description}\n")
        out.write(f"        reader = {candidate.spec}\n")
    return 0


def format_event(event: ReaderEvent) -> str:
    """One line describing a reader event, with the card number masked."""
    if isinstance(event, Swipe):
        name = f", name {event.name}" if event.name else ""
        expiry = f", expires {event.expiry[2:]}/{event.expiry[:2]}" if event.expiry else ""
        return f"swipe: card {event.masked} (track {event.source_track}{name}{expiry})"
    if isinstance(event, BadSwipe):
        return f"bad swipe: {event.reason} [{event.code}]"
    return f"reader: {event.text}"


def cmd_test(
    spec: str,
    out: TextIO,
    count: int | None = None,
    duration: float | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Open a reader and print swipes until ``count`` swipes or ``duration`` seconds.

    With neither, runs until interrupted. The ``terminal`` spec reads swipe lines from stdin.

    Returns:
        0 on success; 1 when fewer than ``count`` swipes arrived in time; 2 for a bad spec.
    """
    events: queue.Queue[ReaderEvent] = queue.Queue()
    try:
        reader = open_reader(spec, events.put)
    except ValueError as error:
        out.write(f"error: {error}\n")
        return 2
    out.write(f"Testing {reader.name}: swipe a card")
    out.write(f" ({count} swipes)" if count else "")
    out.write(f" within {duration:g} s.\n" if duration else ". Ctrl+C ends.\n")
    if isinstance(reader, TerminalReader):
        return _test_terminal(out, count, stdin or sys.stdin)
    seen = 0
    deadline = time.monotonic() + duration if duration else None
    reader.start()
    try:
        while count is None or seen < count:
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                event = events.get(timeout=0.1)
            except queue.Empty:
                continue
            out.write(format_event(event) + "\n")
            out.flush()
            if not isinstance(event, ReaderStatus):
                seen += 1
    finally:
        reader.stop()
    while not events.empty():  # the final status change ("stopped")
        event = events.get()
        if isinstance(event, ReaderStatus):
            out.write(format_event(event) + "\n")
    return 1 if count is not None and seen < count else 0


def _test_terminal(out: TextIO, count: int | None, stdin: TextIO) -> int:
    seen = 0
    for line in stdin:
        out.write(format_event(decode_swipe(line)) + "\n")
        seen += 1
        if count is not None and seen >= count:
            break
    return 1 if count is not None and seen < count else 0
