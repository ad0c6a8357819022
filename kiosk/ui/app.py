"""The kiosk application: :class:`KioskApp` and the factory :func:`build_app`.

This module only wires: the store, the configuration, the reader (or the terminal wedge), the
sync worker and the status timer come in through :func:`build_app`; what happens on each screen
lives in :mod:`kiosk.ui.screens` and the decisions after a swipe in :mod:`kiosk.ui.flow`.

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
from typing import Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Input

from device.wedge import TerminalWedge
from kiosk.storage.sync_state import SyncStatus, read_status
from kiosk.ui import flow
from kiosk.ui.config import KioskConfig
from kiosk.ui.messages import CardSwiped, ReaderStatusChanged, SwipeFailed
from kiosk.ui.reader_link import ReaderOpener, start_reader
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.pin_entry import PinEntryScreen
from kiosk.ui.screens.staff_home import StaffHomeScreen
from kiosk.ui.screens.swipe import SwipeScreen
from kiosk.ui.systemd_hooks import SystemdHooks
from kiosk.ui.wedge_input import paste_is_swipe, release_held_keys, wedge_takes

log = logging.getLogger(__name__)

SyncRunner = Callable[[], Awaitable[None]]
"""An async callable that runs the outbox sync until cancelled (the sync package's worker)."""
StatusReader = Callable[[], SyncStatus]
"""Returns the current sync status; by default read from the store's database."""

EXIT_GRACE_SECONDS = 5.0
"""After SIGTERM/SIGHUP, how long a clean exit may take before the process ends regardless."""
SYNC_RESTART_SECONDS = 5.0
"""Pause before running the sync worker again after it failed."""
GENERIC_PROBLEM = "Sorry, something went wrong. Please swipe again or ask staff for help."
"""Shown instead of any unexpected error: never a traceback on screen (S10)."""


class KioskApp(App[None]):
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
    MODES: ClassVar[dict[str, Any]] = {"kiosk": SwipeScreen, "staff": StaffHomeScreen}
    DEFAULT_MODE: ClassVar[str] = "kiosk"

    sync_status: reactive[SyncStatus | None] = reactive(None, init=False)
    """The latest sync status (online, queue length), read on a timer."""
    reader_status: reactive[str] = reactive("", init=False)
    """What the reader last said about itself, for staff."""

    def __init__(
        self,
        store: Any,
        *,
        config: KioskConfig,
        reader_spec: str = "terminal",
        reader_opener: ReaderOpener | None = None,
        sync_runner: SyncRunner | None = None,
        status_reader: StatusReader | None = None,
        clock: Callable[[], float] | None = None,
        survive_errors: bool = True,
        handle_signals: bool = False,
        systemd: SystemdHooks | None = None,
    ) -> None:
        super().__init__(ansi_color=True)
        self.theme = "ansi-dark"
        self.store = store
        """The local store (:class:`kiosk.storage.customer_store.Store`)."""
        self.config = config
        self.clock: Callable[[], float] = clock or time.time
        """Wall-clock seconds: shown on screen and used for PIN locks."""
        self.staff_actor: str | None = None
        """Who is logged in to staff mode (recorded in audit rows), or None."""
        self.reader_spec = reader_spec
        self._reader_opener = reader_opener
        self._reader: Any = None
        self._sync_runner = sync_runner
        stale_after = dt.timedelta(hours=self.config.stale_after_hours)
        self._status_reader = status_reader or (
            lambda: read_status(store.db, stale_after=stale_after)
        )
        self._survive_errors = survive_errors
        self._handle_signals = handle_signals
        self.wedge: TerminalWedge | None = (
            TerminalWedge(gap=config.wedge_gap) if reader_spec == "terminal" else None
        )
        """Spots swipes typed into the terminal (reader spec ``terminal``)."""
        self._idle_timer: Any = None
        self._systemd = systemd
        self.pin_screen = PinEntryScreen()
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
        self._idle_timer = self.set_interval(self.config.inactivity_timeout, self._idle_expired)
        self.set_interval(self.config.status_interval, self.refresh_sync_status)
        if self.wedge is not None:
            # Gives back a lone "%" or ";" a person typed, once they pause.
            self.set_interval(self.config.wedge_gap, self._release_wedge_keys)
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
        """Feed keys to the wedge and count activity before Textual routes them."""
        if isinstance(event, events.Key | events.MouseDown) and not event.is_forwarded:
            self.note_activity()
        if self.wedge is not None and not event.is_forwarded:
            if isinstance(event, events.Key) and wedge_takes(self, self.wedge, event):
                return
            if isinstance(event, events.Paste) and paste_is_swipe(self, event.text):
                return
        await super().on_event(event)

    def _release_wedge_keys(self) -> None:
        if self.wedge is not None:
            release_held_keys(self, self.wedge)

    def on_card_swiped(self, message: CardSwiped) -> None:
        """Every swipe, from a reader thread or the wedge, arrives here."""
        self.note_activity()
        if self.current_mode == "staff":
            # In staff mode a swipe looks a customer up: back to the search, which takes it.
            while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
                self.pop_screen()
            base = self.screen_stack[0]
            if isinstance(base, KioskScreen) and not isinstance(self.screen, ModalScreen):
                base.take_swipe(message.card_number)
            return
        flow.begin_customer_session(self, message.card_number)

    def on_swipe_failed(self, message: SwipeFailed) -> None:
        """A bad swipe: say so on the swipe screen (S10)."""
        self.note_activity()
        if self.current_mode == "staff":
            self.notify(message.reason, severity="warning")
            return
        self.start_over(message.reason)

    def on_reader_status_changed(self, message: ReaderStatusChanged) -> None:
        """Keep the reader's last word for the staff screen."""
        self.reader_status = message.text

    # Activity and starting over ----------------------------------------------------------------

    def note_activity(self) -> None:
        """Restart the inactivity countdown (any key, click or swipe)."""
        if self._idle_timer is not None:
            self._idle_timer.reset()

    def _idle_expired(self) -> None:
        if self.current_mode == "kiosk" and len(self.screen_stack) == 1:
            return
        self.start_over()

    def start_over(self, message: str | None = None) -> None:
        """Clear every input, leave staff mode and go back to the swipe screen (S11)."""
        self._clear_inputs()
        if self.current_mode == "staff":
            self.leave_staff()
        self._clear_inputs()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if message and isinstance(self.screen, SwipeScreen):
            self.screen.show_notice(message)

    def _clear_inputs(self) -> None:
        # Values are wiped before the screens go, so no PIN survives in a widget being removed.
        for screen in self.screen_stack:
            for widget in screen.query(Input):
                widget.value = ""

    def fail(self, error: BaseException | str) -> None:
        """Show a plain message for a storage or unexpected error and start over (S10)."""
        if isinstance(error, str):
            text = error
        elif type(error).__name__ in ("StoreError", "EditError"):
            text = str(error)
        else:
            log.error("unexpected error: %s", type(error).__name__)
            text = GENERIC_PROBLEM
        self.start_over(text)

    def show_pin_entry(self, code: str, first_name: str) -> None:
        """Ask ``code`` for their PIN on the prebuilt PIN screen (the swipe hot path).

        Unlike :meth:`start_over` + :meth:`show_flow`, the swipe screen is not resumed and
        suspended again on the way, and a re-swipe on the PIN screen only resets it.
        """
        screen = self.pin_screen
        self._clear_inputs()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        screen.prepare(code, first_name)
        if self.screen is screen:
            return
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def show_flow(self, screen: KioskScreen) -> None:
        """Show the next step of a flow in place of the current one (one flow screen deep)."""
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    # Staff mode -------------------------------------------------------------------------------

    def enter_staff(self, actor: str) -> None:
        """Open staff mode for ``actor`` (after a staff PIN or staff card)."""
        self.staff_actor = actor
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.switch_mode("staff")

    def leave_staff(self) -> None:
        """Close staff mode and drop its screens, so nothing of it stays in memory or on screen."""
        self.staff_actor = None
        if self.current_mode != "staff":
            return
        self.switch_mode("kiosk")
        self.remove_mode("staff")
        self.add_mode("staff", StaffHomeScreen)

    # Actions and timers -----------------------------------------------------------------------

    def action_nothing(self) -> None:
        """Swallow lock-down keys."""

    def action_staff_login(self) -> None:
        """F9: ask for the staff PIN (only when a staff PIN is configured)."""
        if self.current_mode == "kiosk" and self.config.staff_pin_hash:
            flow.ask_staff_pin(self, actor="staff (PIN)")

    def action_cheat_sheet(self) -> None:
        """F1 in demo mode: the demo cards and PINs."""
        if self.config.demo and self.current_mode == "kiosk":
            from kiosk.ui.screens.cheat_sheet import CheatSheetScreen

            if not isinstance(self.screen, CheatSheetScreen):
                self.push_screen(CheatSheetScreen())

    def refresh_sync_status(self) -> None:
        """Read the sync status (queue length, online) for the indicators."""
        try:
            self.sync_status = self._status_reader()
        except Exception:  # a busy database must not stop the clock or the screens
            log.warning("could not read the sync status")


def _freeze_gc() -> None:
    # Collect once, then freeze what survived: the app's widgets, styles and modules live as
    # long as the process, so later full collections need not walk them again.
    gc.collect()
    gc.freeze()


def build_app(
    store: Any,
    *,
    config: KioskConfig | None = None,
    settings: Any = None,
    reader_spec: str = "terminal",
    reader_opener: ReaderOpener | None = None,
    sync_runner: SyncRunner | None = None,
    status_reader: StatusReader | None = None,
    clock: Callable[[], float] | None = None,
    demo: bool = False,
    survive_errors: bool = True,
    handle_signals: bool = False,
    systemd: SystemdHooks | None = None,
) -> KioskApp:
    """Build the kiosk app from its dependencies.

    Args:
        store: the local :class:`~kiosk.storage.customer_store.Store`.
        config: the interface configuration; built from ``settings`` when omitted.
        settings: :class:`kiosk.settings.Settings` to take the configuration from.
        reader_spec: ``terminal`` (the wedge reads swipes from the keyboard) or a spec for
            ``device.readers.open_reader``.
        reader_opener: replaces ``device.readers.open_reader`` (tests, demos).
        sync_runner: async callable run as a worker that never exits the app.
        status_reader: replaces reading the sync status from the store's database.
        clock: wall-clock seconds; frozen in snapshots, advanced in lock tests.
        demo: turn on the demo cheat sheet (F1).
        survive_errors: reset to the swipe screen on an unexpected error instead of exiting.
        handle_signals: exit cleanly on SIGTERM/SIGHUP (``kiosk run``/``demo``; not in tests).
        systemd: readiness and watchdog notifications (``kiosk run`` under systemd).
    """
    if config is None:
        config = KioskConfig.from_settings(settings) if settings is not None else KioskConfig()
    if demo and not config.demo:
        from dataclasses import replace

        config = replace(config, demo=True)
    return KioskApp(
        store,
        config=config,
        reader_spec=reader_spec,
        reader_opener=reader_opener,
        sync_runner=sync_runner,
        status_reader=status_reader,
        clock=clock,
        survive_errors=survive_errors,
        handle_signals=handle_signals,
        systemd=systemd,
    )

