"""Finds card reader candidates for the installer: input devices and serial ports.

Provides ``Candidate`` and ``list_candidates()``. Input devices come from ``/dev/input/by-id``
(stable paths, preferred in config) and ``/sys/class/input`` (name and USB vendor:product, read
from sysfs so that evdev is not needed); only devices that can type Enter are listed, since a
card reader is a keyboard. Serial ports come from pyserial's port listing (via
``device.serial_reader``, the module allowed to import serial).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KEY_ENTER_BIT = 28


@dataclass(frozen=True, slots=True)
class Candidate:
    """A device that may be the card reader."""

    kind: str
    """"evdev" or "serial"."""
    path: str
    """Device node or stable path."""
    description: str
    """Name and USB ids, as far as readable."""
    spec: str
    """The reader spec to put in the config."""


def list_candidates(
    dev_input: str | Path = "/dev/input", sys_input: str | Path = "/sys/class/input"
) -> list[Candidate]:
    """List input devices and serial ports that could be a card reader (never raises)."""
    return _input_candidates(Path(dev_input), Path(sys_input)) + _serial_candidates()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _has_enter(sys_event: Path) -> bool:
    words = _read(sys_event / "device" / "capabilities" / "key").split()
    try:
        # The bitmap is printed most significant word first; bit 28 is in the last word
        # whatever the word size (32-bit on a 32-bit Pi, 64-bit elsewhere).
        return bool(words) and bool(int(words[-1], 16) >> KEY_ENTER_BIT & 1)
    except ValueError:
        return False


def _describe(sys_event: Path) -> tuple[str, str, str]:
    device = sys_event / "device"
    return _read(device / "name"), _read(device / "id" / "vendor"), _read(device / "id" / "product")


def _input_candidates(dev_input: Path, sys_input: Path) -> list[Candidate]:
    found: list[Candidate] = []
    covered: set[str] = set()
    by_id = dev_input / "by-id"
    try:
        links = sorted(p for p in by_id.iterdir() if "event" in p.name)
    except OSError:
        links = []
    for link in links:
        event = os.path.basename(os.path.realpath(link))
        sys_event = sys_input / event
        if not _has_enter(sys_event):
            continue
        name, vendor, product = _describe(sys_event)
        covered.add(event)
        found.append(Candidate("evdev", str(link), _text(name, vendor, product), f"evdev:{link}"))
    try:
        events = sorted(p for p in sys_input.iterdir() if p.name.startswith("event"))
    except OSError:
        events = []
    for sys_event in events:
        if sys_event.name in covered or not _has_enter(sys_event):
            continue
        name, vendor, product = _describe(sys_event)
        if vendor and product and vendor != "0000":
            spec = f"evdev:usb={vendor}:{product}"
        elif name:
            spec = f"evdev:name={name}"
        else:
            spec = f"evdev:{dev_input / sys_event.name}"
        found.append(
            Candidate("evdev", str(dev_input / sys_event.name), _text(name, vendor, product), spec)
        )
    return found


def _serial_candidates() -> list[Candidate]:
    try:
        from device.serial_reader import list_serial_ports

        ports = list_serial_ports()
    except Exception:  # listing is best effort; pyserial may be missing
        return []
    found = []
    for port in ports:
        ids = f" [{port.vid:04x}:{port.pid:04x}]" if port.vid is not None and port.pid else ""
        description = (port.description or "serial port") + ids
        found.append(Candidate("serial", port.device, description, f"serial:{port.device}"))
    return found


def _text(name: str, vendor: str, product: str) -> str:
    ids = f" [{vendor}:{product}]" if vendor and product else ""
    return (name or "unnamed input device") + ids
