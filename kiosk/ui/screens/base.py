"""The base of every kiosk screen: :class:`KioskScreen`.

Gives screens typed access to the app (store, config, clock, staff identity), a hook to take a
swipe before the customer flow does (staff screens use it to look up a customer), and plain
error reporting that never shows a traceback (S10).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from textual.screen import Screen

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

ResultType = TypeVar("ResultType")


class KioskScreen(Screen[ResultType]):
    """A screen of the kiosk; see the module docstring."""

    @property
    def kiosk(self) -> KioskApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Any:
        """The local store."""
        return self.kiosk.store

    def take_swipe(self, card_number: str) -> bool:
        """Handle a swipe on this screen; False lets the customer flow start over with it."""
        return False
