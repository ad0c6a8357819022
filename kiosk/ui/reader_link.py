"""Connecting a card reader to the app: reader events become app messages.

Provides :func:`start_reader`. The reader runs in its own thread and calls back with
``Swipe``/``BadSwipe``/``ReaderStatus`` objects; the callback only posts messages
(``post_message`` is thread-safe), it never touches widgets. The spec ``terminal`` needs no
reader: the app's terminal wedge reads swipes from the keyboard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual.app import App

from device.swipe import BadSwipe, Swipe
from kiosk.ui.messages import CardSwiped, ReaderStatusChanged, SwipeFailed

log = logging.getLogger(__name__)

ReaderOpener = Callable[[str, Callable[[Any], None]], Any]
"""``open_reader(spec, on_event) -> CardReader`` as ``device.readers`` provides it."""


def reader_callback(app: App[Any]) -> Callable[[Any], None]:
    """The ``on_event`` a reader thread calls: turn each event into a message for ``app``."""

    def on_event(event: Any) -> None:
        if isinstance(event, Swipe):
            app.post_message(CardSwiped(event.card_number))
        elif isinstance(event, BadSwipe):
            app.post_message(SwipeFailed(event.reason))
        else:
            # ReaderStatus(text) and anything newer: show what it says, never raise here.
            app.post_message(ReaderStatusChanged(str(getattr(event, "text", event))))

    return on_event


def start_reader(app: App[Any], spec: str, opener: ReaderOpener | None = None) -> Any:
    """Open and start the reader named by ``spec``; None for ``terminal`` or on failure.

    A reader that cannot be opened is reported as a reader status (staff see it), not raised:
    the kiosk keeps running and a replugged reader is the reader module's job to pick up.
    """
    if spec.partition("?")[0].strip() == "terminal" and opener is None:
        app.post_message(ReaderStatusChanged("Keyboard (swipes typed into the terminal)"))
        return None
    if opener is None:
        try:
            from device.readers import open_reader
        except ImportError:
            app.post_message(ReaderStatusChanged("Reader support is not installed"))
            return None
        opener = open_reader
    try:
        reader = opener(spec, reader_callback(app))
        reader.start()
    except Exception as error:
        log.error("could not open reader %s: %s", spec.partition(":")[0], type(error).__name__)
        text = f"Reader could not be opened ({type(error).__name__})"
        app.post_message(ReaderStatusChanged(text))
        return None
    app.post_message(ReaderStatusChanged(str(getattr(reader, "status", "") or "Reader started")))
    return reader
