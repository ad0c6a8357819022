"""S8: no log line, screen or exception text produced during the whole suite contains a full card
number, a PIN or the API key.

Runs last (``tests/conftest.py`` moves it to the end) and checks what the collector there
gathered from every test before it: log records at DEBUG and up with tracebacks, the text of every
exception our code raised (uncaught, or caught by ``pytest.raises``), every frame drawn by the
UI tests, the tmux captures of the real-terminal test, and the snapshot pictures on disk.
Secrets are the API key, the demo cards and PINs, and whatever tests registered with
``tests.conftest.register_secret``. Run a subset of the suite and this checks that subset.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path

from tests.conftest import API_KEYS, LEAKS

SNAPSHOTS = Path(__file__).parent / "ui" / "__snapshots__"
EXEMPT_SNAPSHOTS = frozenset({"test_demo_cheat_sheet.svg", "test_new_card_hand_over.svg"})
"""Pictures that show a card number on purpose: the demo cheat sheet (the demo's fake cards
and PINs), and the staff hand-over of a new card (its number, once, to put on the card)."""
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[ \-\u00a0](?=\d)")


def svg_text(path: Path) -> str:
    """The text a snapshot shows: tags dropped, entities decoded (spans of a row join up)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def pin_context(pin: str) -> re.Pattern[str]:
    """``pin`` within a few characters after PIN or password (``customer_PIN=2468``)."""
    return re.compile(rf"(?i)(?:pin|password)[^\n]{{0,16}}?(?<!\d){re.escape(pin)}(?!\d)")


def is_pin_screen(source: str, text: str) -> bool:
    """A frame of a PIN screen, or a whole screen (tmux, snapshot) that asks for a PIN: there,
    the PIN alone, anywhere, is a leak (a field that forgot to mask it)."""
    if source.startswith("screen "):
        return any(word in source for word in ("pin", "login"))
    whole_screen = source.startswith(("tmux", "snapshot"))
    return whole_screen and re.search(r"(?i)\bpin\b", text) is not None


def find_leaks(
    texts: Iterable[tuple[str, str]], secrets: Iterable[str], pins: Iterable[str]
) -> list[str]:
    """One line per leak, saying where and what kind, without repeating the secret itself."""
    secrets = sorted(set(secrets), key=len, reverse=True)
    pins = sorted(set(pins))
    pin_patterns = [pin_context(pin) for pin in pins]
    bare_pins = [re.compile(rf"(?<!\d){re.escape(pin)}(?!\d)") for pin in pins]
    found: list[str] = []
    for source, text in texts:
        # Card numbers may be printed in groups: "6001 0000 0000 0011".
        joined = _DIGIT_SEPARATOR.sub("", text)
        for secret in secrets:
            if secret in text or secret in joined:
                kind = "API key" if secret in API_KEYS else "secret"
                found.append(f"{source}: a {kind} ending ...{secret[-4:]}")
        on_pin_screen = is_pin_screen(source, text)
        for pattern, bare in zip(pin_patterns, bare_pins, strict=True):
            if pattern.search(text) or (on_pin_screen and bare.search(text)):
                found.append(f"{source}: a PIN in a PIN context")
    return found


def test_the_detector_finds_each_kind_of_leak() -> None:
    texts = [
        ("log a", "INFO kiosk: swipe 6001000000000011 ok"),
        ("screen b", "card 6001 0000 0000 0011"),
        ("exception c", "ValueError: customer_PIN=2468 refused"),
        ("log d", "key=1959caadac9b13dcb3"),
        ("screen pin-screen", "│2468    │"),
        ("screen home-screen", "Card ****0011: 2468 points at 24:68. PIN ****"),
    ]
    found = find_leaks(texts, ["6001000000000011", "1959caadac9b13dcb3"], ["2468"])
    where = [line.split(":")[0] for line in found]
    assert where == ["log a", "screen b", "exception c", "log d", "screen pin-screen"]
    assert not any("6001000000000011" in line or "2468" in line for line in found)


def test_no_log_line_screen_or_exception_of_the_suite_holds_a_secret() -> None:
    assert LEAKS.secrets, "the collector in tests/conftest.py registered no secrets"
    snapshots = [
        (f"snapshot {path.name}", svg_text(path))
        for path in sorted(SNAPSHOTS.rglob("*.svg"))
        if path.name not in EXEMPT_SNAPSHOTS
    ]
    leaks = find_leaks([*LEAKS.texts, *snapshots], LEAKS.secrets, LEAKS.pins)
    checked = len(LEAKS.texts) + len(snapshots)
    assert not leaks, f"{len(leaks)} leaks in {checked} texts:\n" + "\n".join(leaks[:50])
