"""Linux input key codes to characters, per keyboard layout; pure, works without evdev.

Provides the key code constants a HID card reader uses (numbers from the kernel's
``input-event-codes.h``, the same as ``evdev.ecodes``; hard-coded so that decoding is testable
and importable without evdev), ``KeyLayout`` and ``LAYOUTS`` (``us``, the default, and ``de``).

The layout is the one the *reader* is configured to emulate: a reader set to German sends
shift+0 for ``=`` and the key right of T for ``z``. We decode raw codes ourselves after grabbing
the device, so the console's own keymap and caps-lock state play no part.
"""

from __future__ import annotations

from dataclasses import dataclass

KEY_ESC = 1
KEY_MINUS = 12
KEY_EQUAL = 13
KEY_BACKSPACE = 14
KEY_TAB = 15
KEY_LEFTBRACE = 26
KEY_RIGHTBRACE = 27
KEY_ENTER = 28
KEY_LEFTCTRL = 29
KEY_SEMICOLON = 39
KEY_APOSTROPHE = 40
KEY_GRAVE = 41
KEY_LEFTSHIFT = 42
KEY_BACKSLASH = 43
KEY_COMMA = 51
KEY_DOT = 52
KEY_SLASH = 53
KEY_RIGHTSHIFT = 54
KEY_KPASTERISK = 55
KEY_LEFTALT = 56
KEY_SPACE = 57
KEY_CAPSLOCK = 58
KEY_NUMLOCK = 69
KEY_SCROLLLOCK = 70
KEY_KPMINUS = 74
KEY_KPPLUS = 78
KEY_KPDOT = 83
KEY_102ND = 86
KEY_KPENTER = 96
KEY_RIGHTCTRL = 97
KEY_KPSLASH = 98
KEY_RIGHTALT = 100
KEY_LEFTMETA = 125
KEY_RIGHTMETA = 126

EV_SYN = 0
"""Event type of synchronisation events."""
EV_KEY = 1
"""Event type of key events."""
EV_MSC = 4
"""Event type of miscellaneous events (``MSC_SCAN``: the HID usage of the key that follows)."""
EV_LED = 17
"""Event type of LED state changes."""
SYN_REPORT = 0
"""End of one frame of events."""
SYN_DROPPED = 3
"""The kernel's event buffer overflowed: events were lost."""
MSC_SCAN = 4
"""Code of scan-code events."""

SHIFT_KEYS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
ALTGR_KEYS = frozenset({KEY_RIGHTALT})
ENTER_KEYS = frozenset({KEY_ENTER, KEY_KPENTER})
IGNORED_KEYS = frozenset(
    {
        KEY_LEFTCTRL,
        KEY_RIGHTCTRL,
        KEY_LEFTALT,
        KEY_LEFTMETA,
        KEY_RIGHTMETA,
        KEY_CAPSLOCK,
        KEY_NUMLOCK,
        KEY_SCROLLLOCK,
    }
)
"""Modifiers and lock keys: they type nothing, and readers send some (num lock) on their own."""

# Key codes in physical (US) order: digits row 2..11, letter rows 16..25, 30..38, 44..50.
_DIGIT_CODES = tuple(range(2, 12))
_TOP_ROW = dict(zip(range(16, 26), "qwertyuiop", strict=True))
_HOME_ROW = dict(zip(range(30, 39), "asdfghjkl", strict=True))
_BOTTOM_ROW = dict(zip(range(44, 51), "zxcvbnm", strict=True))
_KEYPAD = {71: "7", 72: "8", 73: "9", 75: "4", 76: "5", 77: "6", 79: "1", 80: "2", 81: "3"}
_KEYPAD |= {82: "0", KEY_KPDOT: ".", KEY_KPMINUS: "-", KEY_KPPLUS: "+", KEY_KPASTERISK: "*"}
_KEYPAD |= {KEY_KPSLASH: "/"}


@dataclass(frozen=True, slots=True)
class KeyLayout:
    """Characters typed by each key code, unshifted, shifted and with AltGr."""

    name: str
    normal: dict[int, str]
    shifted: dict[int, str]
    altgr: dict[int, str]

    def char(self, code: int, shift: bool, altgr: bool = False) -> str | None:
        """The character for a key press, or None when the key types nothing we know."""
        if altgr:
            return self.altgr.get(code)
        if shift:
            return self.shifted.get(code)
        return self.normal.get(code)


def _letters(rows: dict[int, str]) -> tuple[dict[int, str], dict[int, str]]:
    return dict(rows), {code: char.upper() for code, char in rows.items()}


def _build_us() -> KeyLayout:
    letters, upper = _letters(_TOP_ROW | _HOME_ROW | _BOTTOM_ROW)
    normal = letters | dict(zip(_DIGIT_CODES, "1234567890", strict=True)) | _KEYPAD
    normal |= {KEY_MINUS: "-", KEY_EQUAL: "=", KEY_LEFTBRACE: "[", KEY_RIGHTBRACE: "]"}
    normal |= {KEY_SEMICOLON: ";", KEY_APOSTROPHE: "'", KEY_GRAVE: "`", KEY_BACKSLASH: "\\"}
    normal |= {KEY_COMMA: ",", KEY_DOT: ".", KEY_SLASH: "/", KEY_SPACE: " ", KEY_102ND: "\\"}
    shifted = upper | dict(zip(_DIGIT_CODES, "!@#$%^&*()", strict=True))
    shifted |= {KEY_MINUS: "_", KEY_EQUAL: "+", KEY_LEFTBRACE: "{", KEY_RIGHTBRACE: "}"}
    shifted |= {KEY_SEMICOLON: ":", KEY_APOSTROPHE: '"', KEY_GRAVE: "~", KEY_BACKSLASH: "|"}
    shifted |= {KEY_COMMA: "<", KEY_DOT: ">", KEY_SLASH: "?", KEY_SPACE: " ", KEY_102ND: "|"}
    return KeyLayout("us", normal, shifted, {})


def _build_de() -> KeyLayout:
    # QWERTZ: the keys at US "y" (21) and "z" (44) are swapped.
    rows = _TOP_ROW | _HOME_ROW | _BOTTOM_ROW | {21: "z", 44: "y"}
    letters, upper = _letters(rows)
    normal = letters | dict(zip(_DIGIT_CODES, "1234567890", strict=True)) | _KEYPAD
    normal |= {KEY_MINUS: "ß", KEY_EQUAL: "´", KEY_LEFTBRACE: "ü", KEY_RIGHTBRACE: "+"}
    normal |= {KEY_SEMICOLON: "ö", KEY_APOSTROPHE: "ä", KEY_GRAVE: "^", KEY_BACKSLASH: "#"}
    normal |= {KEY_COMMA: ",", KEY_DOT: ".", KEY_SLASH: "-", KEY_SPACE: " ", KEY_102ND: "<"}
    shifted = upper | dict(zip(_DIGIT_CODES, '!"§$%&/()=', strict=True))
    shifted |= {KEY_MINUS: "?", KEY_EQUAL: "`", KEY_LEFTBRACE: "Ü", KEY_RIGHTBRACE: "*"}
    shifted |= {KEY_SEMICOLON: "Ö", KEY_APOSTROPHE: "Ä", KEY_GRAVE: "°", KEY_BACKSLASH: "'"}
    shifted |= {KEY_COMMA: ";", KEY_DOT: ":", KEY_SLASH: "_", KEY_SPACE: " ", KEY_102ND: ">"}
    altgr = {16: "@", 8: "{", 9: "[", 10: "]", 11: "}", KEY_MINUS: "\\", KEY_RIGHTBRACE: "~"}
    altgr |= {KEY_102ND: "|"}
    return KeyLayout("de", normal, shifted, altgr)


LAYOUTS: dict[str, KeyLayout] = {"us": _build_us(), "de": _build_de()}
"""Supported layouts by name."""


def get_layout(name: str) -> KeyLayout:
    """Return a layout by name.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    try:
        return LAYOUTS[name.lower()]
    except KeyError:
        raise ValueError(
            f"unknown keyboard layout {name!r}; known layouts: {', '.join(sorted(LAYOUTS))}"
        ) from None


def encode_text(text: str, layout: KeyLayout) -> list[tuple[int, bool, bool]]:
    """Key presses ``(code, shift, altgr)`` that type ``text`` on ``layout`` (for tests, demos).

    Raises:
        ValueError: if a character cannot be typed on the layout.
    """
    reverse: dict[str, tuple[int, bool, bool]] = {}
    for table, shift, altgr in ((layout.altgr, False, True), (layout.shifted, True, False)):
        for code, char in table.items():
            reverse[char] = (code, shift, altgr)
    for code, char in layout.normal.items():
        if code not in _KEYPAD:  # prefer the main keys, as readers do
            reverse[char] = (code, False, False)
    presses: list[tuple[int, bool, bool]] = []
    for char in text:
        if char in "\r\n":
            presses.append((KEY_ENTER, False, False))
        elif char == "\t":
            presses.append((KEY_TAB, False, False))
        elif char in reverse:
            presses.append(reverse[char])
        else:
            raise ValueError(f"character {char!r} cannot be typed on layout {layout.name}")
    return presses
