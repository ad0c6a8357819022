"""``kiosk readers record`` / ``replay`` / ``test`` as subprocesses, discovery without write
access, and the udev rule against the USB ID database."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from device.evdev_reader import DeviceSelector, find_device
from tests.device.test_serial_reader import Pty

ROOT = Path(__file__).resolve().parents[2]
PAN = "5350290149345177"
SWIPE = f"%B{PAN}^FATEHI/SUALEH^1604201000?;{PAN}=16042010000056700100?"


def kiosk(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIOSK_CONFIG": "/nonexistent/kiosk.toml"}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "readers", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=timeout, env=env,
    )  # fmt: skip


def test_record_from_a_serial_reader_over_a_pty_writes_0600_and_replays_the_same(tmp_path):
    link = str(tmp_path / "ttyCARD")
    pty = Pty(link)
    out = tmp_path / "rec.jsonl"
    out.write_text("old")
    os.chmod(out, 0o644)  # an existing file must not keep a readable mode

    def reader() -> None:
        time.sleep(1.0)
        split = SWIPE.index(";")
        pty.type_like_a_reader(SWIPE[:split] + "\r")  # Enter after track 1 (per-track reader)
        pty.type_like_a_reader(SWIPE[split:] + "\r")

    writer = threading.Thread(target=reader)
    writer.start()
    try:
        run = kiosk("record", "--reader", f"serial:{link}?signon_ms=0", "--count", "1", str(out))
    finally:
        writer.join()
        pty.close()
    assert run.returncode == 0, run.stderr
    assert "mode 0600" in run.stdout and "raw track data" in run.stdout
    assert "************5177" in run.stdout and PAN not in run.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0] == {"kind": "serial", "options": {"signon_ms": "0"}}
    assert all(set(line) == {"ms", "hex"} for line in lines[1:])
    sent = bytes.fromhex("".join(line["hex"] for line in lines[1:])).decode()
    assert sent == SWIPE.replace(";", "\r;", 1) + "\r"
    replayed = kiosk("replay", str(out))
    assert replayed.returncode == 0, replayed.stderr
    (result,) = [json.loads(line) for line in replayed.stdout.splitlines()]
    assert result["result"] == "swipe" and result["last4"] == "5177" and result["track"] == 2
    assert PAN not in replayed.stdout


def test_record_text_swipes_from_stdin_for_the_terminal_reader(tmp_path):
    out = tmp_path / "rec.jsonl"
    run = kiosk("record", "--reader", "terminal", str(out), stdin=SWIPE + "\n;E?\n")
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == [{"kind": "text", "options": {}}, {"text": SWIPE}, {"text": ";E?"}]
    replayed = [json.loads(line) for line in kiosk("replay", str(out)).stdout.splitlines()]
    assert [line["result"] for line in replayed] == ["swipe", "bad"]
    assert replayed[1]["code"] == "read_error"


def test_replay_refuses_a_bad_recording_with_the_line_and_the_problem(tmp_path):
    cases = {
        "": "empty",
        '{"kind": "usb"}\n': "line 1: kind must be one of text, serial, evdev",
        '{"kind": "serial", "options": {"bogus": "1"}}\n': "unknown option 'bogus'",
        '{"kind": "serial"}\n{"ms": 1, "hex": "zz"}\n': "line 2: hex must be pairs",
        '{"kind": "evdev"}\n{"ms": -1, "type": 1, "code": 2, "value": 1}\n': "line 2: 'ms'",
        '{"kind": "text"}\nnot json\n': "line 2: not a JSON object",
        '{"kind": "serial", "options": {"per_track": "maybe"}}\n': "per_track must be",
    }
    for number, (content, message) in enumerate(cases.items()):
        path = tmp_path / f"bad{number}.jsonl"
        path.write_text(content)
        run = kiosk("replay", str(path))
        assert run.returncode == 2, content
        assert message in run.stderr, (content, run.stderr)
        assert "Traceback" not in run.stderr
    run = kiosk("replay", str(tmp_path / "missing.jsonl"))
    assert run.returncode == 2 and "cannot read" in run.stderr


def test_readers_test_shows_the_frame_masked_what_was_decided_and_the_option_to_change():
    run = kiosk("test", "--reader", "terminal", stdin="6510000000000166\n" + SWIPE + "\n")
    assert run.returncode == 0, run.stderr
    assert "frame: ************0166" in run.stdout
    assert "refused [bad_format]" in run.stdout and "sentinels=no" in run.stdout
    assert "%B************5177^<name>^" in run.stdout and "decided: a swipe" in run.stdout
    assert PAN not in run.stdout


def test_discovery_opens_nodes_read_only_and_needs_no_write_access(tmp_path):
    """``evdev.list_devices()`` lists only nodes it could open read-write; the kiosk's own
    discovery lists every event node and opens it read-only (mode 0640 in the udev rule)."""
    for name in ("event0", "event1"):
        (tmp_path / name).write_text("")
        os.chmod(tmp_path / name, 0o440)
    opened = []

    class Node:
        def __init__(self, path: str) -> None:
            opened.append(path)
            self.name = "Mag-Tek USB Swipe Reader" if path.endswith("1") else "Keyboard"
            self.info = type("Info", (), {"vendor": 0x0801, "product": 0x0001})()

        def capabilities(self):
            return {1: [28, 30]}

        def close(self):
            pass

    found = find_device(DeviceSelector(name="Mag-Tek USB Swipe Reader"), str(tmp_path), Node)
    assert found == str(tmp_path / "event1")
    assert opened == [str(tmp_path / "event0"), str(tmp_path / "event1")]
    assert find_device(DeviceSelector(vendor=0x0801, product=1), str(tmp_path), Node) == str(
        tmp_path / "event0"
    )


def test_every_reader_in_the_udev_rule_is_a_card_reader_in_the_usb_id_database():
    """The comment above each rule quotes usb.ids, and the quote is checked against the
    database (Debian's hwdata, which .ci/run installs)."""
    text = (ROOT / "systemd" / "99-kiosk-reader.rules").read_text()
    quoted = re.findall(r"^# ([0-9a-f]{4}):([0-9a-f]{4}) (.+)$", text, re.M)
    rules = re.findall(
        r'ATTRS\{idVendor\}=="([0-9a-f]{4})", ATTRS\{idProduct\}=="([0-9a-f]{4})"', text
    )
    assert rules and [(v, p) for v, p, _ in quoted] == rules
    for _, _, name in quoted:
        assert re.search(r"magnetic|swipe|magstripe|mag-only|\bMSR\b", name, re.I), name
    found = [
        path
        for path in (Path("/usr/share/hwdata/usb.ids"), Path("/usr/share/misc/usb.ids"))
        if path.exists()
    ]
    assert found, "the USB id database is missing: apt-get install hwdata (.ci/run does)"
    ids = _usb_ids(found[0].read_text(encoding="latin-1"))
    for vendor, product, name in quoted:
        assert name == f"{ids[vendor][0]}, {ids[vendor][1][product]}", name
    assert "Bar Code Scanner" in ids["05e0"][1]["1200"]  # the old rule's "reader"


def _usb_ids(text: str) -> dict[str, tuple[str, dict[str, str]]]:
    ids: dict[str, tuple[str, dict[str, str]]] = {}
    vendor = None
    for line in text.splitlines():
        if re.match(r"^[0-9a-f]{4}  ", line):
            vendor = line[:4]
            ids[vendor] = (line[6:], {})
        elif vendor and re.match(r"^\t[0-9a-f]{4}  ", line):
            ids[vendor][1][line[1:5]] = line[7:]
        elif line.startswith("C "):
            break
    return ids
