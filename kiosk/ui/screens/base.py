"""The base of every kiosk screen: :class:`KioskScreen`, :class:`ArrowButtons` (arrow keys move
between buttons) and the :data:`Clock` type.

Screens get what they work on (the store, a customer's code, the clock) through their
constructor, read the configuration through :func:`kiosk.ui.config.current_config`, and say
what happened with messages or ``dismiss(result)``: they never call back into the app, so no
screen imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, cast

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button

from kiosk.ui.config import KioskConfig, current_config
from kiosk.ui.messages import ActionFailed

ResultType = TypeVar("ResultType")
Clock = Callable[[], float]
"""Seconds on a clock: the app's wall clock (shown), or the store's kiosk clock that PIN locks
run on (:mod:`kiosk.storage.clock`, never moved by the wall clock); tests pass a fake one that
moves when told to."""


class KioskScreen(Screen[ResultType]):
    """A screen of the kiosk; see the module docstring."""

    @property
    def config(self) -> KioskConfig:
        """The app's configuration."""
        return current_config()

    def report_failure(self, error: BaseException) -> None:
        """Let the app show a plain message for ``error`` and start over (S10)."""
        self.post_message(ActionFailed(error))


class ArrowButtons:
    """For screens whose only controls are buttons (dialogs, the home screen): the arrow keys
    move between the buttons as Tab and Shift+Tab do, so a numeric keypad or arrows suffice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,up", "move_button(-1)", "Previous", show=False),
        Binding("right,down", "move_button(1)", "Next", show=False),
    ]

    def action_move_button(self, step: int) -> None:
        """Focus the next (``step`` 1) or previous (-1) button, wrapping around."""
        screen = cast(Screen[Any], self)  # the mixin is only ever used on screens
        if step > 0:
            screen.focus_next(Button)
        else:
            screen.focus_previous(Button)
