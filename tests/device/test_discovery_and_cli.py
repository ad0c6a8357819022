"""Installer helpers: candidate listing from a fake /dev + /sys tree, ``readers`` commands,
and the package's import hygiene (device/ imports neither kiosk nor textual, and only reader
modules import evdev or serial)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from device.discovery import Candidate, list_candidates
from device.readers_cli import cmd_list, cmd_test
from kiosk.cli import build_parser

PAN = "6001234567890123"


def fake_input_tree(tmp_path):
    dev, sys_input = tmp_path / "dev", tmp_path / "sys"
    (dev / "by-id").mkdir(parents=True)
    for event, name, vendor, product, keys in [
        ("event3", "MagTek USB Swipe Reader", "0801", "0001", "1f 0 0 0 0 1000007b 1fffffff"),
        ("event4", "Power Button", "0000", "0001", "10000000000000 0"),
        ("event5", "Builtin Keypad", "0000", "0000", "7fffffff"),
    ]:
        device = sys_input / event / "device"
        (device / "id").mkdir(parents=True)
        (device / "capabilities").mkdir()
        (device / "name").write_text(name + "\n")
        (device / "id" / "vendor").write_text(vendor + "\n")
        (device / "id" / "product").write_text(product + "\n")
        (device / "capabilities" / "key").write_text(keys + "\n")
        (dev / event).touch()
    os.symlink(dev / "event3", dev / "by-id" / "usb-MagTek_Swipe-event-kbd")
    return dev, sys_input


def test_input_devices_that_can_type_enter_are_listed_with_stable_specs(tmp_path):
    dev, sys_input = fake_input_tree(tmp_path)
    evdev = [c for c in list_candidates(dev, sys_input) if c.kind == "evdev"]
    assert [c.spec for c in evdev] == [
        f"evdev:{dev}/by-id/usb-MagTek_Swipe-event-kbd",
        "evdev:name=Builtin Keypad",
    ]
    assert evdev[0].description == "MagTek USB Swipe Reader [0801:0001]"


def test_readers_list_says_what_to_check_when_nothing_is_found():
    out = io.StringIO()
    assert cmd_list(out, candidates=[]) == 1
    assert "No card readers found" in out.getvalue() and "udev" in out.getvalue()


def test_readers_list_prints_each_candidate_with_its_spec():
    out = io.StringIO()
    found = [Candidate("serial", "/dev/ttyUSB0", "FT232R [0403:6001]", "serial:/dev/ttyUSB0")]
    assert cmd_list(out, candidates=found) == 0
    assert "reader = serial:/dev/ttyUSB0" in out.getvalue()


def test_readers_test_prints_swipes_masked_and_bad_swipes_with_their_reason(tmp_path):
    script = tmp_path / "swipes"
    script.write_text(f"%B{PAN}^DOE/JANE^2512?;{PAN}=2512?\n;E?\n")
    out = io.StringIO()
    assert cmd_test(f"script:{script}", out, count=2, duration=5) == 0
    text = out.getvalue()
    assert PAN not in text
    assert "swipe: card ************0123 (track 2, name DOE/JANE, expires 12/25)" in text
    assert "bad swipe: Could not read the card. Please swipe again. [read_error]" in text


def test_readers_test_fails_when_the_swipes_do_not_come(tmp_path):
    script = tmp_path / "swipes"
    script.write_text(f";{PAN}=2512?\n")
    assert cmd_test(f"script:{script}", io.StringIO(), count=3, duration=0.3) == 1


def test_readers_test_with_a_bad_spec_explains_and_returns_2():
    out = io.StringIO()
    assert cmd_test("serial:/dev/ttyS0?speed=1", out) == 2
    assert "unknown option 'speed'" in out.getvalue()


def test_readers_test_on_the_terminal_decodes_lines_from_stdin():
    out = io.StringIO()
    assert cmd_test("terminal", out, count=1, stdin=io.StringIO(f";{PAN}=2512?\n")) == 0
    assert "************0123" in out.getvalue() and PAN not in out.getvalue()


def test_the_kiosk_command_has_readers_list_and_test():
    args = build_parser().parse_args(["readers", "test", "--reader", "terminal", "--count", "2"])
    assert (args.reader, args.count, args.seconds) == ("terminal", 2, None)
    assert callable(args.func)
    assert callable(build_parser().parse_args(["readers", "list"]).func)


def test_device_modules_import_neither_kiosk_textual_evdev_nor_serial():
    code = (
        "import sys, device.swipe, device.serial_framing, device.hid_decoder, device.wedge, "
        "device.readers, device.discovery, device.readers_cli; "
        "print(sorted(m for m in ('kiosk', 'textual', 'evdev', 'serial') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]  # the checkout, so `device` imports
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "[]"
