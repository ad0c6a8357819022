"""Recordings of what a reader sent, fed back through the decoder a live reader uses.

Provides ``RecordingError``, ``parse_header()``, ``replay()`` (recording lines in, one result
dict per swipe out), ``result_line()`` and ``RawEvent``. Pure: no device is opened.

The file format is a contract (JSON lines):

- first line ``{"kind": "text"|"serial"|"evdev", "options": {...}}``, the reader-spec options
  (e.g. ``{"per_track": "yes"}``);
- then, for ``text``, ``{"text": "..."}``: each handed to the decoder whole;
  for ``serial``, ``{"ms": 12.0, "hex": "02253b..."}``: bytes as they arrived, with the
  milliseconds since the start; for ``evdev``, ``{"ms": 3.0, "type": 1, "code": 42,
  "value": 1}``: input events in kernel order.

Each result is ``{"result": "swipe", "last4": ..., "sha256": ..., "track": N}`` or
``{"result": "bad", "code": ..., "message": ...}``: never a full card number (``last4`` holds at
most half of a short number's digits, as the screen mask does).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from device.readers import KNOWN_OPTIONS, decoder_config, hid_decoder, serial_decoder
from device.swipe import BadSwipe, Swipe, decode_swipe, is_status_frame

KINDS = ("text", "serial", "evdev")
"""Recording kinds: swipe texts (terminal and script readers), serial bytes, evdev events."""
_SPEC_KIND = {"text": "script", "serial": "serial", "evdev": "evdev"}
END_SILENCE = 10.0
"""Seconds of silence assumed after the last record, so a pending swipe is ended."""


class RecordingError(ValueError):
    """A recording that cannot be replayed; the message names the line and the problem."""


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An input event as recorded (the fields of ``evdev.InputEvent`` the decoder reads)."""

    sec: int
    usec: int
    type: int
    code: int
    value: int


def parse_header(line: str) -> tuple[str, dict[str, str]]:
    """Read a recording's first line: its kind and reader options.

    Raises:
        RecordingError: naming what is wrong.
    """
    header = _json(line, 1)
    kind = header.get("kind")
    if kind not in KINDS:
        raise RecordingError(f"line 1: kind must be one of {', '.join(KINDS)}")
    options = header.get("options", {})
    if not isinstance(options, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in options.items()
    ):
        raise RecordingError(
            'line 1: options must map option names to strings, e.g. {"lrc": "yes"}'
        )
    known = KNOWN_OPTIONS[_SPEC_KIND[kind]] | (
        KNOWN_OPTIONS["terminal"] if kind == "text" else set()
    )
    unknown = sorted(set(options) - known)
    if unknown:
        raise RecordingError(f"line 1: unknown option {unknown[0]!r} for a {kind} recording")
    return kind, dict(options)


def replay(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Replay a recording; yield one result dict per swipe, in order.

    Raises:
        RecordingError: for an empty file, a bad header, a malformed line or bad options.
    """
    numbered = ((n, line) for n, line in enumerate(lines, start=1) if line.strip())
    first = next(numbered, None)
    if first is None:
        raise RecordingError("the recording is empty: its first line must name the kind")
    kind, options = parse_header(first[1])
    try:
        if kind == "text":
            yield from _replay_text(numbered, options)
        elif kind == "serial":
            yield from _replay_serial(numbered, options)
        else:
            yield from _replay_evdev(numbered, options)
    except RecordingError:
        raise
    except ValueError as error:  # reader options that do not parse
        raise RecordingError(f"line 1: {error}") from None


def result_line(result: Swipe | BadSwipe) -> dict[str, Any]:
    """One output line for a result; the card number only as last digits and a hash."""
    if isinstance(result, Swipe):
        card = result.card_number
        keep = min(4, len(card) // 2)
        return {
            "result": "swipe",
            "last4": card[-keep:] if keep else "",
            "sha256": hashlib.sha256(card.encode("ascii")).hexdigest(),
            "track": result.source_track,
        }
    return {"result": "bad", "code": result.code, "message": result.reason}


def _replay_text(lines: Iterator[tuple[int, str]], options: dict[str, str]) -> Iterator[dict]:
    config = decoder_config(options)
    for number, line in lines:
        text = _field(_json(line, number), "text", str, number)
        if config.sentinels and is_status_frame(text):
            continue
        yield result_line(decode_swipe(text, config))


def _replay_serial(lines: Iterator[tuple[int, str]], options: dict[str, str]) -> Iterator[dict]:
    decoder = serial_decoder(options)
    decoder.reset(0.0)  # the port was opened when the recording started
    last = 0.0
    for number, line in lines:
        record = _json(line, number)
        last = _ms(record, number) / 1000
        try:
            data = bytes.fromhex(_field(record, "hex", str, number))
        except ValueError:
            raise RecordingError(f"line {number}: hex must be pairs of hex digits") from None
        for result in decoder.feed(data, last):
            yield result_line(result)
    for result in decoder.poll(last + END_SILENCE) + decoder.flush(last + END_SILENCE):
        yield result_line(result)


def _replay_evdev(lines: Iterator[tuple[int, str]], options: dict[str, str]) -> Iterator[dict]:
    from device.evdev_reader import handle_events

    decoder = hid_decoder(options)
    last = 0.0
    for number, line in lines:
        record = _json(line, number)
        last = _ms(record, number) / 1000
        fields = [_field(record, name, int, number) for name in ("type", "code", "value")]
        sec = int(last)
        event = RawEvent(sec, round((last - sec) * 1_000_000), *fields)
        for result in handle_events(decoder, [event], last, event_time=True):
            yield result_line(result)
    for result in decoder.poll(last + END_SILENCE) + decoder.flush(last + END_SILENCE):
        yield result_line(result)


def _json(line: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        raise RecordingError(f"line {number}: not a JSON object") from None
    if not isinstance(value, dict):
        raise RecordingError(f"line {number}: not a JSON object")
    return value


def _field(record: dict[str, Any], name: str, kind: type, number: int) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RecordingError(f"line {number}: {name!r} must be a {kind.__name__}")
    return value


def _ms(record: dict[str, Any], number: int) -> float:
    value = record.get("ms")
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 1e9:
        raise RecordingError(f"line {number}: 'ms' must be a number of milliseconds, 0 or more")
    return float(value)
