"""Benchmark: serial path latency, from the last byte written to the swipe delivered.

A writer types swipes into a real pseudo-terminal (``os.openpty``); the serial reader (opened
through ``open_reader`` exactly as configured on a kiosk) frames and decodes them in its
thread. Latency is measured from just after the ``write()`` of the final byte (the CR) to the
``on_event`` call that delivers the ``Swipe``. Prints p50/p99/max over N swipes.

Usage: .venv/bin/python bench/bench_serial_latency.py [N]
"""

from __future__ import annotations

import os
import queue
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from device.readers import ReaderEvent, ReaderStatus, open_reader
from device.swipe import Swipe, encode_swipe

PAN = "6001234567890123"
SWIPE = (encode_swipe(PAN, "DOE/JANE", "2512", (1, 2)) + "\r").encode()


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    master, slave = os.openpty()
    arrivals: queue.Queue[tuple[float, ReaderEvent]] = queue.Queue()
    reader = open_reader(
        f"serial:{os.ttyname(slave)}?baud=9600&terminator=cr&signon_ms=0",
        lambda event: arrivals.put((time.perf_counter(), event)),
    )
    reader.start()
    try:
        while True:
            _, event = arrivals.get(timeout=5)
            if event == ReaderStatus("connected"):
                break
        latencies, wrong = [], 0
        for _ in range(count):
            os.write(master, SWIPE[:-1])
            time.sleep(0.002)  # the card still moving; only the final byte is timed
            os.write(master, SWIPE[-1:])
            written = time.perf_counter()
            delivered, event = arrivals.get(timeout=5)
            if not (isinstance(event, Swipe) and event.card_number == PAN):
                wrong += 1
            latencies.append((delivered - written) * 1000)
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"serial latency over a pty, last byte written -> Swipe delivered, {count} swipes:")
    p50, worst = statistics.median(latencies), latencies[-1]
    print(f"  p50 {p50:.3f} ms   p99 {p99:.3f} ms   max {worst:.3f} ms")
    print(f"  wrong or missing results: {wrong}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
