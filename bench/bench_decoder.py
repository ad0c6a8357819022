"""Benchmark: the swipe decoder's cost per swipe, next to a bare ``str.split`` parse.

Prints the median cost per call in microseconds for ``decode_swipe`` on a track 1+2 swipe, on
a backward (3, 2, 1) swipe, for the stream decoder (framing + decoding, fed byte-chunks as a
serial reader would), and for a baseline that only splits the same text with ``str.split``
(what a naive parser would do), all measured in the same run.

Usage: .venv/bin/python bench/bench_decoder.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from device.serial_framing import StreamSwipeDecoder
from device.swipe import decode_swipe, encode_swipe

PAN = "6001234567890123"
FORWARD = encode_swipe(PAN, "DOE/JANE", "2512", (1, 2), discretionary="1010000000")
BACKWARD = encode_swipe(PAN, "DOE/JANE", "2512", (3, 2, 1))
FRAMED = (FORWARD + "\r").encode()
PER_TRACK = "".join(t + "\r" for t in FORWARD.replace("?;", "?\n;").split("\n")).encode()


def baseline(text: str) -> str:
    """A naive parse: take the card number between ';' and '=' with str.split."""
    return text.split(";", 1)[1].split("=", 1)[0]


def stream(data: bytes) -> list:
    decoder = StreamSwipeDecoder()
    results = []
    for start in range(0, len(data), 16):  # 16-byte reads, as from a serial port
        results += decoder.feed(data[start : start + 16], 0.0)
    # The swipe ends on the track gap's silence (one swipe, one answer), as the reader's poll.
    return results + decoder.poll(1.0)


def median_us(func: Callable[[], object], rounds: int, per_round: int = 500) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(per_round):
            func()
        samples.append((time.perf_counter_ns() - start) / per_round / 1000)
    return statistics.median(samples)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    assert baseline(FORWARD) == PAN and decode_swipe(FORWARD).card_number == PAN
    assert [r.card_number for r in stream(FRAMED)] == [PAN] == [
        r.card_number for r in stream(PER_TRACK)
    ]
    cases = [
        ("baseline str.split parse (track 2 only)", lambda: baseline(FORWARD)),
        ("decode_swipe, tracks 1+2", lambda: decode_swipe(FORWARD)),
        ("decode_swipe, backward 3+2+1", lambda: decode_swipe(BACKWARD)),
        ("stream decoder (framing + decode)", lambda: stream(FRAMED)),
        ("stream decoder, Enter after each track", lambda: stream(PER_TRACK)),
    ]
    print(f"median of {rounds} rounds x 500 calls, Python {sys.version.split()[0]}")
    for label, func in cases:
        print(f"  {label:42} {median_us(func, rounds):8.2f} us per swipe")


if __name__ == "__main__":
    main()
