"""Fuzz run for the README's record: 100,000+ generated inputs through the swipe decoders.

Not part of the test suite (too slow). Feeds seeded random inputs - valid swipes, mutated
swipes, sentinel-heavy noise and raw bytes - through ``decode_swipe``, the stream decoder (in
random chunks with random gaps) and the HID key decoder, checking that nothing raises and that
every card number returned occurs in the input. Prints the count, failures and elapsed time.

Usage: .venv/bin/python bench/fuzz_decoder.py [COUNT] [SEED]
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from device.hid_decoder import HidSwipeDecoder
from device.serial_framing import FramerConfig, StreamSwipeDecoder
from device.swipe import DecoderConfig, Swipe, decode_swipe, encode_swipe

ALPHABET = "%;+?^=E0123456789B/ ABCXYZ\r\n\x02\x03"
CONFIGS = [DecoderConfig(), DecoderConfig(track_order=(1, 2, 3)), DecoderConfig(prefix="<")]


def generate(rng: random.Random) -> str | bytes:
    kind = rng.randrange(5)
    if kind == 0:  # a valid swipe, tracks in a random order
        card = "".join(rng.choices("0123456789", k=rng.randint(4, 19)))
        tracks = tuple(rng.sample([1, 2, 3], rng.randint(1, 3)))
        return encode_swipe(
            card, "DOE/JANE", f"{rng.randint(0, 99):02d}{rng.randint(1, 12):02d}", tracks
        )
    if kind == 1:  # a valid swipe, mutated (dropped, replaced, inserted characters)
        chars = list(encode_swipe("6001234567890123", "DOE/J", "2512", (1, 2)))
        for _ in range(rng.randint(1, 6)):
            op, at = rng.randrange(3), rng.randrange(len(chars) + 1)
            if op == 0 and at < len(chars):
                del chars[at]
            elif op == 1 and at < len(chars):
                chars[at] = rng.choice(ALPHABET)
            else:
                chars.insert(at, rng.choice(ALPHABET))
        return "".join(chars)
    if kind == 2:
        return "".join(rng.choices(ALPHABET, k=rng.randint(0, 300)))
    if kind == 3:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    return "".join(chr(rng.randrange(0x110000 if rng.random() < 0.1 else 128)) for _ in range(50))


def check(data: str | bytes, results: list, failures: list) -> None:
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    for result in results:
        if isinstance(result, Swipe) and result.card_number not in text:
            failures.append(("invented card number", repr(result)))


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20240501
    rng = random.Random(seed)
    failures: list[tuple[str, str]] = []
    start = time.perf_counter()
    for i in range(count):
        data = generate(rng)
        try:
            check(data, [decode_swipe(data, CONFIGS[i % 3])], failures)
            stream = StreamSwipeDecoder(framing=FramerConfig(end_on_terminator=i % 2 == 0))
            now, results, pos = 0.0, [], 0
            while pos < len(data):
                step = rng.randint(1, 40)
                now += rng.choice((0.001, 0.01, 0.5))
                results += stream.feed(data[pos : pos + step], now)
                pos += step
            results += stream.poll(now + 1)
            check(data, results, failures)
            if i % 10 == 0:  # key events: fewer, they are slower to generate
                # Every event type in kernel order terms: keys, scan codes, SYN_REPORT and
                # SYN_DROPPED; after a drop, no result of that swipe may be a card number.
                hid = HidSwipeDecoder(layout=rng.choice(("us", "de")))
                got: list = []
                for _ in range(rng.randint(0, 120)):
                    kind = rng.choice((1, 1, 1, 1, 4, 0, 0))
                    code = rng.choice((0, 0, 0, 3)) if kind == 0 else rng.randrange(260)
                    got += hid.event(kind, code, rng.choice((0, 1, 1, 1, 2)), now)
                    now += rng.choice((0.002, 0.002, 0.2))
                    if kind == 0 and code == 3:
                        # Silence after the drop ends the voided swipe: one "dropped", no number.
                        hid.resync([])
                        now += 1.0
                        after = hid.poll(now)
                        if [getattr(r, "code", "") for r in after] != ["dropped"]:
                            failures.append(("drop not reported once", repr(after)))
                got += hid.poll(now + 1)
        except Exception as error:  # record it and keep fuzzing
            failures.append(("raised", f"{type(error).__name__}: {error}"))
    elapsed = time.perf_counter() - start
    print(f"inputs: {count} (seed {seed}), each through decode_swipe and the stream decoder;")
    print(f"        {count // 10} random key-event sequences through the HID decoder")
    print(f"failures: {len(failures)}")
    for kind, detail in failures[:10]:
        print(f"  {kind}: {detail}")
    print(f"elapsed: {elapsed:.1f} s ({elapsed / count * 1e6:.0f} us per input)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
