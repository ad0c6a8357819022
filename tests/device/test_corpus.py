"""The reader corpus: real reader output from public sources, through every reader kind.

``data/reader_corpus.jsonl`` holds each case's text exactly as the reader sends it, the reader
options it is configured with, what must come out, and its provenance (``source``: a manual,
a parser's test fixture, a POS project or an issue thread; ``shows``: what it shows). Every case
goes through the decoder, the serial reader over a real pseudo-terminal, the evdev decoding path
with the kernel's event sequence (``EV_MSC`` scan codes, ``EV_KEY``, ``SYN_REPORT``), and
``kiosk readers replay`` as a recording of each kind. ``kinds`` narrows a case to the reader
kinds that can send it (a keyboard cannot type STX), with the reason in ``kinds_why``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest

from device.evdev_reader import handle_events
from device.readers import KNOWN_OPTIONS, decoder_config, hid_decoder, open_reader
from device.swipe import BadSwipe, Swipe, decode_swipe, is_status_frame
from tests.device.kernel_events import typed_events
from tests.device.test_evdev_reader import Recorder
from tests.device.test_serial_reader import Pty

ROOT = Path(__file__).resolve().parents[2]
CORPUS = [
    json.loads(line) for line in (Path(__file__).parent / "data" / "reader_corpus.jsonl").open()
]
ALL_KINDS = ["text", "serial", "evdev"]


def cases(kind: str) -> list[dict]:
    return [case for case in CORPUS if kind in case.get("kinds", ALL_KINDS)]


def outcome(results: list[Swipe | BadSwipe]) -> dict:
    """What came out of one swipe, in the corpus's terms; exactly one result or none."""
    if not results:
        return {"result": "none"}
    assert len(results) == 1, f"one swipe gave {len(results)} results: {results}"
    (result,) = results
    if isinstance(result, Swipe):
        return {"result": "swipe", "card": result.card_number, "track": result.source_track}
    return {"result": "bad", "code": result.code}


def test_the_corpus_has_at_least_80_cases_each_with_its_provenance():
    assert len(CORPUS) >= 80
    assert len({case["id"] for case in CORPUS}) == len(CORPUS)
    for case in CORPUS:
        assert case["source"].strip() and case["shows"].strip(), case["id"]
        assert case["expect"]["result"] in ("swipe", "bad", "none"), case["id"]
        if "kinds" in case:
            assert case["kinds_why"], case["id"]
    kinds = defaultdict(int)
    for case in CORPUS:
        for kind in case.get("kinds", ALL_KINDS):
            kinds[kind] += 1
    assert all(kinds[kind] >= 80 for kind in ALL_KINDS), dict(kinds)


@pytest.mark.parametrize("case", cases("text"), ids=lambda c: c["id"])
def test_the_decoder_reads_each_case(case):
    config = decoder_config(case["options"])
    text = case["text"]
    results = [] if config.sentinels and is_status_frame(text) else [decode_swipe(text, config)]
    assert outcome(results) == case["expect"]


@pytest.mark.parametrize("case", cases("evdev"), ids=lambda c: c["id"])
def test_the_evdev_path_reads_each_case_from_kernel_event_sequences(case):
    decoder = hid_decoder(case["options"])
    events = typed_events(case["text"])
    results = handle_events(decoder, events, 0.0, event_time=True)
    last = events[-1].sec + events[-1].usec / 1e6
    results += decoder.poll(last + 1.0)
    assert outcome(results) == case["expect"]


def _groups(kind: str) -> dict[str, list[dict]]:
    """Cases by reader options; a text recording keeps only the options a text reader has
    (framing options such as ``terminator`` belong to stream readers)."""
    known = KNOWN_OPTIONS["terminal"] | KNOWN_OPTIONS["script"] if kind == "text" else None
    groups: dict[str, list[dict]] = defaultdict(list)
    for case in cases(kind):
        options = {k: v for k, v in case["options"].items() if known is None or k in known}
        groups[json.dumps(options, sort_keys=True)].append(case)
    return groups


@pytest.mark.parametrize("options", sorted(_groups("serial")), ids=lambda o: o)
def test_the_serial_reader_reads_each_case_over_a_real_pty(options, tmp_path):
    """One reader per option set; each case written like a reader (8-byte bursts, 2 ms apart),
    then a pause a person leaves between swipes; every case must give its own outcome."""
    group = _groups("serial")[options]
    link = str(tmp_path / "ttyCARD")
    pty = Pty(link)
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in json.loads(options).items())
    recorder = Recorder()
    reader = open_reader(f"serial:{link}?signon_ms=0" + (f"&{query}" if query else ""), recorder)
    reader.backoff_start = 0.02
    reader.start()
    marks: list[int] = []
    try:
        recorder.wait_for(lambda events: any(getattr(e, "text", "") == "connected" for e in events))
        for case in group:
            marks.append(len(recorder.swipes()))
            pty.type_like_a_reader(case["text"], burst=8, gap=0.002)
            deadline = time.monotonic() + 2.0
            want = 0 if case["expect"]["result"] == "none" else 1
            while len(recorder.swipes()) < marks[-1] + want and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.35)  # the next swipe comes later; anything extra would show by now
        marks.append(len(recorder.swipes()))
    finally:
        reader.stop()
        pty.close()
    swipes = recorder.swipes()
    for index, case in enumerate(group):
        got = outcome(swipes[marks[index] : marks[index + 1]])
        assert got == case["expect"], case["id"]


def _expected_replay(expect: dict) -> list[dict]:
    if expect["result"] == "none":
        return []
    if expect["result"] == "bad":
        return [{"result": "bad", "code": expect["code"]}]
    card = expect["card"]
    keep = min(4, len(card) // 2)
    return [
        {
            "result": "swipe",
            "last4": card[-keep:],
            "sha256": hashlib.sha256(card.encode()).hexdigest(),
            "track": expect["track"],
        }
    ]


def _records(kind: str, text: str, start_ms: float) -> list[dict]:
    if kind == "text":
        return [{"text": text}]
    if kind == "serial":
        data = text.encode("latin-1")
        return [
            {"ms": start_ms + i / 4, "hex": data[i : i + 8].hex()} for i in range(0, len(data), 8)
        ]
    return [
        {
            "ms": start_ms + (e.sec + e.usec / 1e6 - 1000.0) * 1000,
            "type": e.type,
            "code": e.code,
            "value": e.value,
        }
        for e in typed_events(text)
    ]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_kiosk_readers_replay_reads_each_case_as_a_recording(kind, tmp_path):
    """Per option set, one recording of that kind holding every case ten seconds apart; the
    ``kiosk readers replay`` command's JSON lines must be the cases' outcomes, in order."""
    for number, (options, group) in enumerate(sorted(_groups(kind).items())):
        lines = [json.dumps({"kind": kind, "options": json.loads(options)})]
        expected: list[dict] = []
        for index, case in enumerate(group):
            lines += [json.dumps(r) for r in _records(kind, case["text"], index * 10_000.0)]
            expected += _expected_replay(case["expect"])
        path = tmp_path / f"{kind}-{number}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-m", "kiosk", "readers", "replay", str(path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        got = [json.loads(line) for line in run.stdout.splitlines()]
        for line in got:
            if line["result"] == "bad":
                assert line.pop("message")
        assert got == expected, f"{kind} recording with options {options}"
