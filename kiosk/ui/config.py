"""The values the interface is configured with, as one frozen :class:`KioskConfig`, and the one
route by which screens and widgets read it: :func:`current_config`.

Kept apart from :mod:`kiosk.settings` so that tests and the demo can build an app without a
config file; :meth:`KioskConfig.from_settings` maps the installed settings onto it.

Why a ``ContextVar``: widgets are built deep inside screens, and reaching for the app
(``self.app.config``) would tie every widget to one app class. :func:`use_config` sets the value
when the app is built (:func:`kiosk.ui.app.build_app`); asyncio copies the context into every
task the app then starts, so each widget of that app reads that app's configuration, typed.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kiosk.storage.pin_locks import DEFAULT_LOCK_SECONDS, DEFAULT_MAX_TRIES

if TYPE_CHECKING:
    from kiosk.settings import Settings


@dataclass(frozen=True, kw_only=True)
class KioskConfig:
    """What the screens need to know besides the store."""

    store_name: str = "Demo shop"
    """Shown on the swipe screen."""
    inactivity_timeout: float = 30.0
    """Seconds without a key or swipe before everything clears back to the swipe screen."""
    idle_warning: float = 10.0
    """The last seconds of the inactivity timeout, counted down on screen ("Still there?");
    at most half the timeout."""
    staff_pin_hash: str | None = field(default=None, repr=False)
    """Hash of the staff PIN; None turns staff mode off."""
    staff_card_hash: str | None = field(default=None, repr=False)
    """Hash of a staff card number that opens the staff login when swiped."""
    pin_max_tries: int = DEFAULT_MAX_TRIES
    """Wrong PINs before a lock (S9)."""
    pin_lock_seconds: float = DEFAULT_LOCK_SECONDS
    """First lock length; doubles with every further lock."""
    custom_date_label: str = "Date"
    """The label of the account's ``custom_date`` on customer forms (``ui.custom_date_label``)."""
    custom_date_hint: str = "YYYY-MM-DD"
    """The hint in its empty field (``ui.custom_date_hint``)."""
    card_digits: int = 16
    """Length of card numbers issued by staff (``card_number_generate``, rule A5)."""
    stale_after_hours: float = 24.0
    """Changes queued longer than this show staff a STALE warning (``sync.stale_after_hours``)."""
    status_interval: float = 2.0
    """Seconds between reads of the sync status from the database."""
    message_seconds: float = 4.0
    """How long a notice such as "Please swipe again" stays on the swipe screen."""
    wedge_gap: float = 0.5
    """Longest pause between the keys of a swipe typed into the terminal."""
    cursor_blink: bool = True
    """Off for snapshots, so that pictures do not depend on timing."""
    demo: bool = False
    """Demo mode: F1 shows the cheat sheet."""
    cheat_sheet: str = ""
    """Text of the demo cheat sheet."""
    demo_cards: tuple[tuple[str, str], ...] = ()
    """Demo cards as (label, card number): the cheat sheet can swipe them."""
    freeze_gc: bool = False
    """After start-up, move every object alive then out of the garbage collector's view
    (``gc.freeze``): a full collection then walks only what visits create, ~1 ms instead of
    ~30 ms that could land on a swipe. For the kiosk process only: tests build many apps in one
    process, and frozen cycles would never be freed."""

    @classmethod
    def from_settings(cls, settings: Settings, *, freeze_gc: bool = False) -> KioskConfig:
        """Build from the installed :class:`kiosk.settings.Settings`."""
        return cls(
            store_name=settings.store_name,
            inactivity_timeout=float(settings.ui.inactivity_timeout_seconds),
            staff_pin_hash=settings.ui.staff_pin_hash,
            staff_card_hash=settings.ui.staff_card_hash,
            pin_max_tries=settings.ui.pin_max_tries,
            custom_date_label=settings.ui.custom_date_label,
            custom_date_hint=settings.ui.custom_date_hint,
            stale_after_hours=float(settings.sync.stale_after_hours),
            freeze_gc=freeze_gc,
        )


_CURRENT: ContextVar[KioskConfig] = ContextVar("kiosk_config")


def use_config(config: KioskConfig) -> None:
    """Make ``config`` the one every screen and widget of the app being built reads."""
    _CURRENT.set(config)


def current_config() -> KioskConfig:
    """The configuration of the app this code runs in (set by :func:`use_config`).

    Raises:
        LookupError: no app was built in this context (a widget used outside the kiosk app).
    """
    return _CURRENT.get()
