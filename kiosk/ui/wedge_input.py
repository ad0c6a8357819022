"""Swipes typed into the terminal: keys and pastes -> swipe messages, for the app's event hook.

Provides :func:`make_wedge`, :func:`wedge_takes`, :func:`paste_is_swipe` and
:func:`release_held_keys`. The decoding is :class:`device.wedge.TerminalWedge`'s; this module
posts the same :class:`~kiosk.ui.messages.CardSwiped`/``SwipeFailed`` messages a reader thread
posts, gives back keys that turned out to be typing, and shows the swipe being typed, masked.

Two uses:

- reader spec ``terminal`` (the demo, a laptop): every swipe arrives this way. In the demo people
  type swipes by hand, so a slow burst is still a swipe;
- a HID (``evdev``) reader: until it is grabbed, and whenever the grab is lost (unplugged,
  another program holds it), its keystrokes reach the terminal. A guard wedge catches bursts
  that look like a swipe so they never reach a PIN or form field, and turns them into swipes.
  While the reader reports itself grabbed ("connected"), the guard lets keys through.
"""

from __future__ import annotations

import math
import time
import weakref
from typing import Any

from textual import events
from textual.widgets import Input

from device.readers import decoder_config, parse_spec
from device.swipe import BadSwipe, Swipe, decode_swipe
from device.wedge import TerminalWedge
from kiosk.ui.messages import CardSwiped, SwipeFailed

GRABBED_STATUS = "connected"
"""The status an evdev reader reports once it holds the device exclusively."""
GUARD_GAP = 0.3
"""Longest pause between keys of a swipe from a reader typing through the terminal."""
TICK = 0.05
"""How often the app should call :func:`release_held_keys` (ends swipes after their Enter)."""

_shown: weakref.WeakKeyDictionary[TerminalWedge, str] = weakref.WeakKeyDictionary()
"""The progress text each wedge last put on screen."""


def make_wedge(reader_spec: str, config: Any) -> TerminalWedge | None:
    """The wedge for a reader spec: typing for ``terminal``, a guard for ``evdev``, else None."""
    try:
        spec = parse_spec(reader_spec)
        decoder = decoder_config(spec.options)
    except ValueError:
        return None  # start_reader reports the bad spec
    if spec.kind == "terminal":
        typed_gap = math.inf if getattr(config, "demo", False) else 0.03
        gap = float(spec.options.get("gap", config.wedge_gap))
        return TerminalWedge(decoder, gap=gap, typed_gap=typed_gap)
    if spec.kind == "evdev":
        return TerminalWedge(decoder, gap=GUARD_GAP, guard=True)
    return None


def wedge_takes(app: Any, wedge: TerminalWedge, event: events.Key) -> bool:
    """Offer a key to the wedge; True when it belongs to a swipe (the app must not route it)."""
    if (
        wedge.guard
        and str(getattr(app, "reader_status", "")) == GRABBED_STATUS
        and not wedge.active
    ):
        return False
    token = "enter" if event.key == "enter" else (event.character or event.key)
    consumed, result = wedge.feed(token, _now(app))
    _insert_released(app, wedge.take_released())
    _post(app, result)
    _show_progress(app, wedge)
    return consumed


def paste_is_swipe(app: Any, text: str, wedge: TerminalWedge | None = None) -> bool:
    """A pasted swipe (``;...?``) is a swipe; True when ``text`` was one."""
    text = text.strip()
    if not text.startswith(("%", ";")):
        return False
    result = decode_swipe(text, wedge.decoder if wedge is not None else None)
    _post(app, result)
    return True


def release_held_keys(app: Any, wedge: TerminalWedge) -> None:
    """From a timer: end a swipe after its Enter; give back a lone "%" or ";" after a pause."""
    now = _now(app)
    _post(app, wedge.poll(now))
    _insert_released(app, wedge.expire(now))
    _show_progress(app, wedge)


def _now(app: Any) -> float:
    """Monotonic seconds for key gaps: the app's timer source (``time.monotonic`` in a kiosk, a
    fake in tests), so a swipe typed by a test is not judged by how busy the machine is."""
    timers = getattr(app, "timers", None)
    return float(timers.now()) if timers is not None else time.monotonic()


def _post(app: Any, result: Swipe | BadSwipe | None) -> None:
    if isinstance(result, Swipe):
        app.post_message(CardSwiped(result.card_number))
    elif isinstance(result, BadSwipe):
        app.post_message(SwipeFailed(result.reason))


def _show_progress(app: Any, wedge: TerminalWedge) -> None:
    # The swipe screen's notice line shows what is being typed, masked (never the digits).
    # Only changes are drawn: this also runs from a timer many times a second.
    text = f"Reading a card: {wedge.progress}" if wedge.active else ""
    if _shown.get(wedge, "") == text:
        return
    _shown[wedge] = text
    try:
        screen = app.screen
    except Exception:  # no screen yet, or the app is shutting down
        return
    if text:
        getattr(screen, "show_notice", lambda _text: None)(text)
    elif str(getattr(screen, "notice", "")).startswith("Reading a card"):
        getattr(screen, "clear_notice", lambda: None)()


def _insert_released(app: Any, text: str) -> None:
    # Keys held as a possible swipe turned out to be typing: hand them to the focused input.
    if text and isinstance(app.focused, Input):
        app.focused.insert_text_at_cursor(text)
