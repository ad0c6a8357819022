"""The base of every kiosk screen: :class:`KioskScreen`, and the :data:`Clock` type.

Screens get what they work on (the store, a customer's code, the clock) through their
constructor, read the configuration through :func:`kiosk.ui.config.current_config`, and say
what happened with messages or ``dismiss(result)``: they never call back into the app, so no
screen imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.screen import Screen

from kiosk.ui.config import KioskConfig, current_config
from kiosk.ui.messages import ActionFailed

ResultType = TypeVar("ResultType")
Clock = Callable[[], float]
"""Wall-clock seconds (``time.time``); tests pass a fake one that moves when told to."""


class KioskScreen(Screen[ResultType]):
    """A screen of the kiosk; see the module docstring."""

    @property
    def config(self) -> KioskConfig:
        """The app's configuration."""
        return current_config()

    def report_failure(self, error: BaseException) -> None:
        """Let the app show a plain message for ``error`` and start over (S10)."""
        self.post_message(ActionFailed(error))
