"""The installer's reader commands, as plain functions the ``kiosk`` CLI wires up.

Provides ``cmd_list(out)`` (candidate readers and their specs), ``cmd_test(spec, out, ...)``
(open a reader and print each swipe: the frame masked, what was decided and which option would
change it), ``cmd_record(spec, path, ...)`` and ``cmd_replay(path, out)`` (see
``device.recording`` and ``device.replay``). Card numbers are printed masked, last 4 digits only
(S8); the cardholder name is printed, to show that track 1 was read.
"""

from __future__ import annotations

import json
import queue
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from device.diagnose import explain, mask_frame
from device.discovery import Candidate, list_candidates
from device.readers import (
    ReaderEvent,
    ReaderStatus,
    TerminalReader,
    decoder_config,
    open_reader,
    parse_spec,
)
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
    events: queue.Queue[ReaderEvent | str] = queue.Queue()
    try:
        reader = open_reader(spec, events.put)
        config = decoder_config(parse_spec(spec).options)
    except ValueError as error:
        out.write(f"error: {error}\n")
        return 2
    stream = getattr(reader, "decoder", None)
    stream = getattr(stream, "stream", stream)
    if stream is not None and hasattr(stream, "observer"):
        stream.observer = lambda text, result: events.put(describe_frame(text, result, config))
    out.write(f"Testing {reader.name}: swipe a card")
    out.write(f" ({count} swipes)" if count else "")
    out.write(f" within {duration:g} s.\n" if duration else ". Ctrl+C ends.\n")
    if isinstance(reader, TerminalReader):
        return _test_terminal(out, count, stdin or sys.stdin, spec)
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
            out.write((event if isinstance(event, str) else format_event(event)) + "\n")
            out.flush()
            if not isinstance(event, ReaderStatus | str):
                seen += 1
    finally:
        reader.stop()
    while not events.empty():  # the final status change ("stopped")
        event = events.get()
        if isinstance(event, ReaderStatus):
            out.write(format_event(event) + "\n")
    return 1 if count is not None and seen < count else 0


def describe_frame(text: str, result: Swipe | BadSwipe, config: Any) -> str:
    """The lines ``readers test`` prints about one frame: masked text, decision, hint."""
    decided = "a swipe" if isinstance(result, Swipe) else f"refused [{result.code}]"
    lines = [f"frame: {mask_frame(text)}", f"  decided: {decided}"]
    hint = explain(text, result, config)
    if hint:
        lines.append(f"  to change it: {hint}")
    return "\n".join(lines)


def cmd_record(
    spec: str,
    path: Path,
    out: TextIO,
    count: int | None = None,
    duration: float | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Record what the reader sends into ``path`` (mode 0600) until ``count`` swipes,
    ``duration`` seconds or Ctrl+C.

    Returns:
        0 when recorded; 2 for a bad spec; 1 when the reader could not be opened.
    """
    from device.recording import open_recording, record

    try:
        parse_spec(spec)
        decoder_config(parse_spec(spec).options)
    except ValueError as error:
        out.write(f"error: {error}\n")
        return 2
    deadline = time.monotonic() + duration if duration else None

    def stop(writer: Any) -> bool:
        if count is not None and writer.results >= count:
            return True
        return deadline is not None and time.monotonic() >= deadline

    def show(line: dict[str, Any]) -> None:
        if line["result"] == "swipe":
            out.write(f"swipe: card ************{line['last4']} (track {line['track']})\n")
        else:
            out.write(f"bad swipe: {line['message']} [{line['code']}]\n")
        out.flush()

    out.write(
        f"Recording {spec.partition('?')[0]} to {path}: swipe cards"
        + (" (Ctrl+C ends).\n" if count is None and duration is None else ".\n")
        + "The file holds raw track data, full card numbers included: it is written mode 0600;"
        " send it only to your support desk and delete it afterwards.\n"
    )
    out.flush()
    try:
        with open_recording(path) as handle:
            try:
                writer = record(spec, handle, show, stop, stdin=stdin or sys.stdin)
            except KeyboardInterrupt:
                writer = None
    except OSError as error:
        out.write(f"error: cannot record: {error.strerror or error}\n")
        return 1
    except Exception as error:  # pyserial's SerialException for a port that will not open
        out.write(f"error: cannot open the reader ({type(error).__name__})\n")
        return 1
    total = "" if writer is None else f" ({writer.results} swipes)"
    out.write(f"Recorded to {path}{total}, mode 0600.\n")
    return 0


def cmd_replay(path: Path, out: TextIO, err: TextIO) -> int:
    """Print one JSON line per swipe of a recording, decoded as a live reader would.

    Returns:
        0 when replayed; 2 for a file that cannot be read or replayed (the message says why).
    """
    from device.replay import RecordingError, replay

    try:
        with open(path, encoding="utf-8") as handle:
            for line in replay(handle):
                out.write(json.dumps(line) + "\n")
    except RecordingError as error:
        err.write(f"error: {path}: {error}\n")
        return 2
    except UnicodeDecodeError:
        err.write(f"error: {path}: not a text (UTF-8) recording\n")
        return 2
    except OSError as error:
        err.write(f"error: cannot read {path}: {error.strerror or error}\n")
        return 2
    return 0


def _test_terminal(out: TextIO, count: int | None, stdin: TextIO, spec: str) -> int:
    config = decoder_config(parse_spec(spec).options)
    seen = 0
    for line in stdin:
        result = decode_swipe(line, config)
        out.write(describe_frame(line.rstrip("\r\n"), result, config) + "\n")
        out.write(format_event(result) + "\n")
        seen += 1
        if count is not None and seen >= count:
            break
    return 1 if count is not None and seen < count else 0
