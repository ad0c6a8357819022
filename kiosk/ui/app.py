"""The kiosk application: :class:`KioskApp` and the factory :func:`build_app`.

This module wires: the store, the configuration, the reader (or the terminal wedge), the sync
worker, the clock and the one inactivity timer come in through :func:`build_app`. Which screen
comes next is decided by :class:`~kiosk.ui.navigation.Navigation`, which the app is built on
(screens post messages or ``dismiss``; they never call back into the app); what each screen does
lives in :mod:`kiosk.ui.screens`.

Lock-down (S11): the default bindings are replaced, every quit/suspend/palette key is bound to a
no-op with priority, and the only ways out are SIGTERM/SIGHUP (handled by :mod:`kiosk.cli.app`).

Latency: a swipe must show the PIN screen in well under 50 ms on the console. So the app builds
one :class:`~kiosk.ui.screens.pin_entry.PinEntryScreen` right after its first frame and reuses it
(:meth:`KioskApp.show_pin_entry`), slow hash checks run in worker threads, status and clock
updates repaint only when their text changes, and (``freeze_gc``) start-up objects are frozen
out of the garbage collector so that a full collection cannot land on a swipe.
systemd: :class:`~kiosk.ui.systemd_hooks.SystemdHooks` (ready after the first frame, watchdog
pings from a task on this loop, stopping on exit).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from device.wedge import TerminalWedge
from kiosk.storage.customer_store import Store
from kiosk.storage.sync_state import SyncStatus
from kiosk.ui.config import KioskConfig, use_config
from kiosk.ui.idle import AppTimers, IdleTimer, TimerSource
from kiosk.ui.messages import (
    CardSwiped,
    QueueChanged,
    ReaderStatusChanged,
    SwipeFailed,
)
from kiosk.ui.navigation import GENERIC_PROBLEM, KIOSK_MODE, STAFF_MODE, Navigation
from kiosk.ui.reader_link import ReaderOpener, start_reader
from kiosk.ui.screens.base import Clock
from kiosk.ui.screens.cheat_sheet import CheatSheetScreen
from kiosk.ui.screens.history import HistoryReader
from kiosk.ui.screens.pin_entry import OnlinePinCheck, PinEntryScreen
from kiosk.ui.screens.staff_home import StaffHomeScreen
from kiosk.ui.screens.staff_login import StaffLoginScreen
from kiosk.ui.screens.swipe import SwipeScreen
from kiosk.ui.status_poll import StatusPoll, read_only_status_reader
from kiosk.ui.systemd_hooks import SystemdHooks
from kiosk.ui.wedge_input import TICK as WEDGE_TICK
from kiosk.ui.wedge_input import make_wedge, paste_is_swipe, release_held_keys, wedge_takes
from kiosk.ui.widgets.still_there import StillThere

if TYPE_CHECKING:
    from device.reader_base import CardReader
    from kiosk.settings import Settings

log = logging.getLogger(__name__)

SyncRunner = Callable[[], Awaitable[None]]
"""An async callable that runs the outbox sync until cancelled (the sync package's worker)."""
StatusReader = Callable[[], SyncStatus]
"""Returns the current sync status; by default read from the store's database."""

EXIT_GRACE_SECONDS = 5.0
"""After SIGTERM/SIGHUP, how long a clean exit may take before the process ends regardless."""
SYNC_RESTART_SECONDS = 5.0
"""Pause before running the sync worker again after it failed."""


class KioskApp(Navigation):
    """The full-screen kiosk; build it with :func:`build_app`."""

    CSS_PATH = "kiosk.tcss"
    ENABLE_COMMAND_PALETTE = False
    # Replace App.BINDINGS entirely (drops ctrl+q quit and ctrl+c help-quit), then swallow every
    # key that could quit, suspend or open a palette, with priority so no widget sees it (S11).
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, "nothing", show=False, priority=True, system=True)
            for key in ("ctrl+c", "ctrl+q", "ctrl+z", "ctrl+backslash", "ctrl+p")
        ),
        Binding("f1", "cheat_sheet", show=False),
        Binding("f9", "staff_login", show=False),
    ]
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {KIOSK_MODE: SwipeScreen}
    DEFAULT_MODE: ClassVar[str] = KIOSK_MODE

    sync_status: reactive[SyncStatus | None] = reactive(None, init=False, always_update=True)
    """The latest sync status (online, queue length), read on a timer. Watchers run on every
    read, changed or not: the queue screen re-reads its list right then, so its counts and the
    top line's always come from the same moment."""
    reader_status: reactive[str] = reactive("", init=False)
    """What the reader last said about itself, for staff."""
    wall_time: reactive[float] = reactive(0.0, init=False)
    """The wall clock, moved once a second; every screen's clock follows it."""

    def __init__(
        self,
        store: Store,
        *,
        config: KioskConfig,
        reader_spec: str = "terminal",
        reader_opener: ReaderOpener | None = None,
        sync_runner: SyncRunner | None = None,
        status_reader: StatusReader | None = None,
        clock: Clock | None = None,
        timers: TimerSource | None = None,
        survive_errors: bool = True,
        handle_signals: bool = False,
        systemd: SystemdHooks | None = None,
        online_pins: OnlinePinCheck | None = None,
        history_reader: HistoryReader | None = None,
    ) -> None:
        super().__init__(ansi_color=True)
        use_config(config)
        self.theme = "ansi-dark"
        self.store = store
        """The local store."""
        self.config = config
        """The configuration (screens and widgets read it through ``current_config``)."""
        self.clock: Clock = clock or time.time
        """Wall-clock seconds, shown on screen."""
        self.elapsed: Clock = store.clock.now
        """The clock PIN locks and queue ages run on: the store's kiosk clock, which no jump of
        the wall clock moves (:mod:`kiosk.storage.clock`; tests give the store a fake source)."""
        self.set_reactive(KioskApp.wall_time, self.clock())
        self.reader_spec = reader_spec
        self._reader_opener = reader_opener
        self._reader: CardReader | None = None
        self._sync_runner = sync_runner
        stale_after = dt.timedelta(hours=self.config.stale_after_hours)
        # Read in a thread of its own (kiosk/ui/status_poll.py): never on the event loop.
        self._status_poll = StatusPoll(
            status_reader
            or read_only_status_reader(store.path, stale_after=stale_after, clock=store.clock.now),
            self._status_read,
        )
        self._survive_errors = survive_errors
        self._handle_signals = handle_signals
        self.wedge: TerminalWedge | None = make_wedge(reader_spec, config)
        """Spots swipes typed into the terminal (spec ``terminal``; an ungrabbed HID reader)."""
        self.timers: TimerSource = timers or AppTimers(self)
        """The monotonic time source of the inactivity timer and of the keyboard wedge's key
        gaps (tests give a fake one, so neither depends on how loaded the machine is)."""
        self.idle = IdleTimer(
            self.timers,
            timeout=config.inactivity_timeout,
            warning=config.idle_warning,
            on_expired=self._idle_expired,
            on_countdown=self._count_down,
        )
        """The one inactivity timer: any key, click or swipe restarts it."""
        self._still_there: StillThere | None = None
        self._systemd = systemd
        self.online_pins = online_pins
        self.history_reader = history_reader
        self.pin_screen = PinEntryScreen(store, self.elapsed, online_check=online_pins)
        """The one PIN screen, reused by every visit (see :mod:`kiosk.ui.screens.pin_entry`)."""

    # Lifecycle -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Start timers, the reader, the sync worker and the systemd watchdog."""
        if self._systemd is not None:
            # A task on this loop: if the loop blocks, the pings stop and systemd restarts us.
            self._systemd.watchdog.start()
        self.install_screen(self.pin_screen, "pin")
        if self._handle_signals:
            # Textual leaves SIGTERM/SIGHUP to Python's default (die with the tty raw):
            # exit through Textual instead, which restores the terminal.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self._exit_on_signal)
        self.idle.start()
        self.set_interval(self.config.status_interval, self.refresh_sync_status)
        self.set_interval(1.0, self._tick_clock)
        if self.wedge is not None:
            # Ends a swipe after its Enter; gives back a lone "%" or ";" once a person pauses.
            self.set_interval(WEDGE_TICK, self._release_wedge_keys)
        self.refresh_sync_status()
        self._reader = start_reader(self, self.reader_spec, self._reader_opener)
        if self._sync_runner is not None:
            self.run_worker(self._keep_syncing(), name="sync", group="sync", exit_on_error=False)

    def _exit_on_signal(self) -> None:
        """Exit cleanly; if the shutdown itself hangs (a terminal gone mid-write can leave
        Textual's output thread stuck), end the process anyway so systemd can restart it."""
        guard = threading.Timer(EXIT_GRACE_SECONDS, os._exit, args=(0,))
        guard.daemon = True
        guard.start()
        self.exit()

    def on_ready(self) -> None:
        """The first frame is on the terminal: tell systemd, then build the PIN screen."""
        if self._systemd is not None:
            self._systemd.ready()
        # Compose the PIN screen now, while nobody waits, so that the first swipe after a start
        # is as fast as the others. Pushed and popped in one batch: never painted. (A swipe that
        # came before the first frame has already built it, and may be showing it.)
        if not self.pin_screen.is_running and len(self.screen_stack) == 1:
            with self.batch_update():
                self.push_screen(self.pin_screen)
                self.pop_screen()
        if self.config.freeze_gc:
            self.set_timer(1.0, _freeze_gc)

    async def on_unmount(self) -> None:
        """Stop the reader thread (it must not keep the process alive) and the watchdog."""
        self.idle.stop()
        self._status_poll.close()
        if self._systemd is not None:
            self._systemd.stopping()
            await self._systemd.watchdog.stop()
        if self._reader is not None:
            try:
                self._reader.stop()
            except Exception:  # a failing reader must not block shutdown
                log.exception("reader did not stop cleanly")

    async def _keep_syncing(self) -> None:
        assert self._sync_runner is not None
        while True:
            try:
                await self._sync_runner()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sync worker failed; restarting")
            await asyncio.sleep(SYNC_RESTART_SECONDS)

    def _handle_exception(self, error: Exception) -> None:
        # S10: at the counter a reset beats a traceback; tests turn this off to see bugs.
        if not self._survive_errors:
            super()._handle_exception(error)
            return
        log.error("unexpected error in the interface: %s", type(error).__name__)
        self.call_later(self.start_over, GENERIC_PROBLEM)

    # Input: keys, pastes, swipes --------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Feed keys to the wedge and count activity before Textual routes them. A key that
        takes down the "Still there?" warning does nothing else (it only says "yes")."""
        answered_warning = False
        if isinstance(event, events.Key | events.MouseDown) and not event.is_forwarded:
            answered_warning = self._still_there is not None and isinstance(event, events.Key)
            self.note_activity()
        if self.wedge is not None and not event.is_forwarded:
            if isinstance(event, events.Key) and wedge_takes(self, self.wedge, event):
                return
            if isinstance(event, events.Paste) and paste_is_swipe(self, event.text, self.wedge):
                return
        if answered_warning:
            return
        await super().on_event(event)

    def _release_wedge_keys(self) -> None:
        if self.wedge is not None:
            release_held_keys(self, self.wedge)

    def on_card_swiped(self, message: CardSwiped) -> None:
        """Every swipe, from a reader thread or the wedge, arrives here."""
        self.note_activity()
        if self.current_mode == STAFF_MODE:
            # In staff mode a swipe looks a customer up: back to the search, which takes it.
            while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
                self.pop_screen()
            base = self.screen_stack[0]
            if isinstance(base, StaffHomeScreen) and not isinstance(self.screen, ModalScreen):
                base.take_swipe(message.card_number)
            return
        self.begin_visit(message.card_number)

    def on_swipe_failed(self, message: SwipeFailed) -> None:
        """A bad swipe: say so on the swipe screen (S10)."""
        self.note_activity()
        if self.current_mode == STAFF_MODE:
            self.notify(message.reason, severity="warning")
            return
        self.start_over(message.reason)

    def on_reader_status_changed(self, message: ReaderStatusChanged) -> None:
        """Keep the reader's last word for the staff screen."""
        self.reader_status = message.text

    # Activity --------------------------------------------------------------------------------

    def note_activity(self) -> None:
        """Restart the inactivity countdown (any key, click or swipe)."""
        self.idle.touch()

    def _nothing_to_clear(self) -> bool:
        return self.current_mode == KIOSK_MODE and len(self.screen_stack) == 1

    def _idle_expired(self) -> None:
        if not self._nothing_to_clear():
            self.start_over()

    def _count_down(self, seconds: int | None) -> None:
        """Show "Still there? N s" on the current screen, or take it down (``None``)."""
        shown = None if self._nothing_to_clear() else seconds
        self._still_there = StillThere.follow(self.screen, self._still_there, shown)

    @on(QueueChanged)
    def _queue_changed(self) -> None:
        self.refresh_sync_status()

    # Actions and timers -----------------------------------------------------------------------

    def action_nothing(self) -> None:
        """Swallow lock-down keys."""

    def action_staff_login(self) -> None:
        """F9: ask for the staff PIN (only when a staff PIN is configured)."""
        if self.current_mode == KIOSK_MODE and self.config.staff_pin_hash:
            self.show_flow(StaffLoginScreen(self.store, self.elapsed, actor="staff (PIN)"))

    def action_cheat_sheet(self) -> None:
        """F1 in demo mode: the demo cards and PINs."""
        if (
            self.config.demo
            and self.current_mode == KIOSK_MODE
            and not isinstance(self.screen, CheatSheetScreen)
        ):
            self.push_screen(CheatSheetScreen())

    def refresh_sync_status(self) -> None:
        """Read the sync status (queue length, online) for the indicators, off the loop: the
        result arrives in :attr:`sync_status` a moment later."""
        self._status_poll.request()

    def _status_read(self, status: SyncStatus) -> None:
        self.sync_status = status

    def can_check_pins_online(self) -> bool:
        """A checker is wired in and the line was up at the last status read (a PIN is not asked
        for when it certainly cannot be checked: the customer is told so at once)."""
        status = self.sync_status
        return self.online_pins is not None and (status is None or status.online)

    def _tick_clock(self) -> None:
        self.wall_time = self.clock()


def _freeze_gc() -> None:
    # Collect once, then freeze what survived: the app's widgets, styles and modules live as
    # long as the process, so later full collections need not walk them again.
    gc.collect()
    gc.freeze()


def build_app(
    store: Store,
    *,
    config: KioskConfig | None = None,
    settings: Settings | None = None,
    reader_spec: str = "terminal",
    reader_opener: ReaderOpener | None = None,
    sync_runner: SyncRunner | None = None,
    status_reader: StatusReader | None = None,
    clock: Clock | None = None,
    timers: TimerSource | None = None,
    demo: bool = False,
    survive_errors: bool = True,
    handle_signals: bool = False,
    systemd: SystemdHooks | None = None,
    online_pins: OnlinePinCheck | None = None,
    history_reader: HistoryReader | None = None,
) -> KioskApp:
    """Build the kiosk app from its dependencies; its configuration becomes the one its screens
    and widgets read (:func:`kiosk.ui.config.current_config`).

    Args:
        store: the local store.
        config: the interface configuration; built from ``settings`` when omitted.
        settings: the installed settings to take the configuration from.
        reader_spec: ``terminal`` (the wedge reads swipes from the keyboard) or a spec for
            ``device.readers.open_reader``.
        reader_opener: replaces ``device.readers.open_reader`` (tests, demos).
        sync_runner: async callable run as a worker that never exits the app.
        status_reader: replaces reading the sync status from the store's database.
        clock: wall-clock seconds, shown; frozen in snapshots. (PIN locks run on the store's
            own clock, :attr:`Store.clock`.)
        timers: where the inactivity timer reads time and schedules itself; tests pass a fake
            whose time moves only when the test says.
        demo: turn on the demo cheat sheet (F1).
        survive_errors: reset to the swipe screen on an unexpected error instead of exiting.
        handle_signals: exit cleanly on SIGTERM/SIGHUP (``kiosk run``/``demo``; not in tests).
        systemd: readiness and watchdog notifications (``kiosk run`` under systemd).
        online_pins: checks with the central API a PIN this kiosk holds no hash of (S9); without
            it such a customer is told plainly that the PIN cannot be checked now.
        history_reader: reads a customer's central history for the history screen; without
            it (or offline) the screen shows what the kiosk knows (queue, cached history).
    """
    if config is None:
        config = KioskConfig.from_settings(settings) if settings is not None else KioskConfig()
    if demo and not config.demo:
        config = replace(config, demo=True)
    return KioskApp(
        store,
        config=config,
        reader_spec=reader_spec,
        reader_opener=reader_opener,
        sync_runner=sync_runner,
        status_reader=status_reader,
        clock=clock,
        timers=timers,
        survive_errors=survive_errors,
        handle_signals=handle_signals,
        systemd=systemd,
        online_pins=online_pins,
        history_reader=history_reader,
    )
