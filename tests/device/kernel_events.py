"""Input events as the kernel delivers them for a USB HID keyboard (a card reader typing).

Provides ``typed_events(text)``: for each key press the kernel's hid-input emits an ``EV_MSC``
``MSC_SCAN`` (the HID usage), the ``EV_KEY`` change, then ``SYN_REPORT`` once per HID report;
a shifted character is one report with the shift modifier and the key (shift's scan and key
events first), then one report releasing both. Timestamps advance ``step`` seconds per report
(ID TECH MiniMag's default intercharacter delay is 2 ms).
"""

from __future__ import annotations

from evdev import InputEvent, ecodes

from device.hid_keymap import encode_text, get_layout

_USAGE: dict[int, int] = {}
for _i, _c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    _USAGE[ecodes.ecodes[f"KEY_{_c.upper()}"]] = 0x04 + _i
for _i, _c in enumerate("1234567890"):
    _USAGE[ecodes.ecodes[f"KEY_{_c}"]] = 0x1E + _i
_USAGE |= {
    ecodes.KEY_ENTER: 0x28,
    ecodes.KEY_TAB: 0x2B,
    ecodes.KEY_SPACE: 0x2C,
    ecodes.KEY_MINUS: 0x2D,
    ecodes.KEY_EQUAL: 0x2E,
    ecodes.KEY_LEFTBRACE: 0x2F,
    ecodes.KEY_RIGHTBRACE: 0x30,
    ecodes.KEY_BACKSLASH: 0x31,
    ecodes.KEY_SEMICOLON: 0x33,
    ecodes.KEY_APOSTROPHE: 0x34,
    ecodes.KEY_GRAVE: 0x35,
    ecodes.KEY_COMMA: 0x36,
    ecodes.KEY_DOT: 0x37,
    ecodes.KEY_SLASH: 0x38,
    ecodes.KEY_LEFTSHIFT: 0xE1,
    ecodes.KEY_RIGHTALT: 0xE6,
}


def typed_events(text: str, t0: float = 1000.0, step: float = 0.002, layout: str = "us"):
    """The kernel's events for a reader typing ``text`` (CR and LF are Enter)."""
    events: list[InputEvent] = []
    t = t0

    def emit(type_: int, code: int, value: int) -> None:
        sec = int(t)
        events.append(InputEvent(sec, round((t - sec) * 1e6), type_, code, value))

    def key(code: int, value: int) -> None:
        emit(ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70000 + _USAGE.get(code, 0))
        emit(ecodes.EV_KEY, code, value)

    for code, shift, altgr in encode_text(text, get_layout(layout)):
        modifier = ecodes.KEY_LEFTSHIFT if shift else ecodes.KEY_RIGHTALT if altgr else None
        if modifier is not None:
            key(modifier, 1)
        key(code, 1)
        emit(ecodes.EV_SYN, ecodes.SYN_REPORT, 0)
        t += step
        key(code, 0)
        if modifier is not None:
            key(modifier, 0)
        emit(ecodes.EV_SYN, ecodes.SYN_REPORT, 0)
        t += step
    return events


def syn_dropped(at: float = 1000.0) -> InputEvent:
    """The kernel's notice that events were lost."""
    sec = int(at)
    return InputEvent(sec, round((at - sec) * 1e6), ecodes.EV_SYN, ecodes.SYN_DROPPED, 0)
