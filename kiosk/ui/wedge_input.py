"""Swipes typed into the terminal (reader spec ``terminal``): keys and pastes -> swipe messages.

Provides :func:`wedge_takes`, :func:`paste_is_swipe` and :func:`release_held_keys`, which the app
calls from its event hook. The decoding itself is :class:`device.wedge.TerminalWedge`'s; this
module only posts the same :class:`~kiosk.ui.messages.CardSwiped`/``SwipeFailed`` messages a
reader thread posts, and gives back keys that turned out to be typing.
"""

from __future__ import annotations

import time
from typing import Any

from textual import events
from textual.widgets import Input

from device.swipe import BadSwipe, Swipe, decode_swipe
from device.wedge import TerminalWedge
from kiosk.ui.messages import CardSwiped, SwipeFailed


def wedge_takes(app: Any, wedge: TerminalWedge, event: events.Key) -> bool:
    """Offer a key to the wedge; True when it belongs to a swipe (the app must not route it)."""
    token = "enter" if event.key == "enter" else (event.character or event.key)
    consumed, result = wedge.feed(token, time.monotonic())
    _insert_released(app, wedge.take_released())
    if isinstance(result, Swipe):
        app.post_message(CardSwiped(result.card_number))
    elif isinstance(result, BadSwipe):
        app.post_message(SwipeFailed(result.reason))
    return consumed


def paste_is_swipe(app: Any, text: str) -> bool:
    """A pasted swipe (``;...?``) is a swipe; True when ``text`` was one."""
    text = text.strip()
    if not text.startswith(("%", ";")):
        return False
    result = decode_swipe(text)
    if isinstance(result, Swipe):
        app.post_message(CardSwiped(result.card_number))
    else:
        app.post_message(SwipeFailed(result.reason))
    return True


def release_held_keys(app: Any, wedge: TerminalWedge) -> None:
    """Give back a lone "%" or ";" a person typed, once they pause."""
    _insert_released(app, wedge.expire(time.monotonic()))


def _insert_released(app: Any, text: str) -> None:
    # Keys held as a possible swipe turned out to be typing: hand them to the focused input.
    if text and isinstance(app.focused, Input):
        app.focused.insert_text_at_cursor(text)
