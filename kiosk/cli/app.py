"""``kiosk run`` and ``kiosk demo``: start the full-screen kiosk.

``run`` reads the settings (``--config``), opens the store (``--db``) and the reader
(``--reader``), and runs the sync worker in-process. ``demo`` needs nothing configured: a
temporary store with demo customers, the reference central API on loopback, swipes typed into
the terminal, and a cheat sheet printed first (and on screen with F1).

Both install SIGTERM/SIGHUP handlers that exit the app cleanly, so ``systemctl stop`` leaves the
console usable (Textual itself does not handle SIGTERM).

systemd (``kiosk run``, ``Type=notify``): the watchdog (:mod:`kiosk.watchdog`) pings from a task
on the app's event loop, so a frozen interface stops the pings and systemd restarts the kiosk;
``READY=1`` is sent once the first frame is on the terminal, ``STOPPING=1`` on exit.

Where log lines go (:func:`configure_logging`). The kiosk draws on its terminal; one log line
written there would tear the picture and could show a customer something it should not. So:

1. stderr is the journal stream systemd gave us (``$JOURNAL_STREAM`` names our fd 2, as in
   ``kiosk.service``: ``StandardError=journal``): log to stderr, with syslog priorities.
2. stderr is a terminal, i.e. the screen the app draws on (a console, or ``foot`` under
   ``cage``, which inherits a ``$JOURNAL_STREAM`` that is not our fd): log to ``kiosk.log`` in the
   data directory (next to the database), appended, never to the terminal. If that file cannot
   be opened, log lines are dropped rather than drawn over the screen.
3. stderr is anything else (a pipe, a file): log to it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from kiosk.settings import Settings
    from kiosk.storage.customer_store import Store
    from kiosk.sync.history_reader import CentralHistory
    from kiosk.sync.pins import OnlinePins
    from kiosk.sync.service import SyncService

log = logging.getLogger(__name__)

LOG_FILE_NAME = "kiosk.log"
"""The log file in the data directory, when stderr is the kiosk's own screen."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``run`` and ``demo``."""
    run = subparsers.add_parser("run", help="run the kiosk (full screen, locked down)")
    run.add_argument("--config", type=Path, default=None, metavar="PATH", help="config file")
    run.add_argument("--db", type=Path, default=None, metavar="PATH", help="SQLite database")
    run.add_argument(
        "--reader",
        default=None,
        metavar="SPEC",
        help="card reader: evdev:..., serial:..., terminal or script:FILE (default: config)",
    )
    run.add_argument("--offline", action="store_true", help="do not start the sync worker")
    # Seconds between pulls, overriding sync.pull_interval_minutes (tests and trials).
    run.add_argument("--pull-every", type=float, default=None, help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)

    demo = subparsers.add_parser(
        "demo", help="the whole kiosk on this machine with demo data (nothing to configure)"
    )
    demo.add_argument(
        "--offline", action="store_true", help="do not start the reference central API"
    )
    demo.set_defaults(func=cmd_demo)


def run_app(app: Any) -> int:
    """Run ``app`` (built with ``handle_signals=True``) and return its exit status."""
    app.run()
    return int(app.return_code or 0)


def log_stream(
    data_dir: Path, stderr: TextIO | None = None, environ: Mapping[str, str] | None = None
) -> TextIO:
    """Where log lines go while the app draws on the terminal (see the module docstring)."""
    from kiosk.logging_setup import stream_is_journal

    stderr = sys.stderr if stderr is None else stderr
    if stream_is_journal(stderr, environ):
        return stderr
    try:
        on_screen = stderr.isatty()
    except (AttributeError, ValueError):
        on_screen = False
    if not on_screen:
        return stderr
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # Line-buffered: a crash loses no line; 0600: lines may name customers' codes.
        fd = os.open(data_dir / LOG_FILE_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding="utf-8", buffering=1)
    except OSError:
        return open(os.devnull, "w", encoding="utf-8")


def configure_logging(data_dir: Path) -> logging.Handler:
    """Set up logging for a kiosk drawing on this terminal (``setup_logging`` on a safe stream)."""
    from kiosk.logging_setup import setup_logging

    return setup_logging(stream=log_stream(data_dir))


def cmd_run(args: argparse.Namespace) -> int:
    """Run ``kiosk run``."""
    from kiosk.settings import ConfigError, load_settings
    from kiosk.storage.checkpoint import BackgroundCheckpoint
    from kiosk.storage.customer_store import Store, StoreError
    from kiosk.ui.app import build_app

    try:
        settings = load_settings(args.config, allow_missing=True)
    except ConfigError as error:
        print(f"error: configuration:\n{error}", file=sys.stderr)
        return 2
    from kiosk.ui.config import KioskConfig
    from kiosk.ui.systemd_hooks import SystemdHooks

    db_path = Path(args.db or settings.database.path)
    try:
        store = Store(db_path)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    store.offline_policy = settings.rewards.policy()
    from kiosk.cli.backup import backup_schedule, mark_sends

    runner = None if args.offline else sync_runner_for(settings, store, pull_every=args.pull_every)
    mark_sends(settings, store)
    backups = backup_schedule(settings, store)
    pins = None if runner is None else online_pins_for(settings)
    history = None if runner is None else central_history_for(settings, store)
    # After the last message for the person at the terminal: from here on it is the app's.
    configure_logging(db_path.parent)
    # Checkpoints of the WAL leave the edit path (kiosk/storage/checkpoint.py, issue 15).
    checkpoint = BackgroundCheckpoint(db_path).start(store.db.conn)
    with store:
        app = build_app(
            store,
            config=KioskConfig.from_settings(settings, freeze_gc=True),
            reader_spec=_with_card_rules(args.reader or settings.reader.spec, settings),
            sync_runner=with_backups(runner, backups.run if backups else None),
            handle_signals=True,
            systemd=SystemdHooks.from_env(),
            online_pins=None if pins is None else pins.check,
            history_reader=None if history is None else history.read,
        )
        try:
            return run_app(app)
        finally:
            checkpoint.stop()
            if backups is not None:
                backups.final()  # the copy made when the kiosk stops


def _with_card_rules(spec: str, settings: Any) -> str:
    """The reader spec with the store's card-number rules (every reader kind applies them)."""
    from device.readers import with_options

    try:
        return with_options(spec, settings.reader.card_rule_options())
    except ValueError:
        return spec  # a bad spec is reported as the reader's status when it is opened


def with_backups(
    runner: Callable[[], Awaitable[None]] | None, backups: Callable[[], Awaitable[None]] | None
) -> Callable[[], Awaitable[None]] | None:
    """One background job for the app: the sync service and the periodic backups side by side
    (either may be absent: ``--offline`` still backs up). If one fails, both stop and the app
    starts them again."""
    if backups is None or runner is None:
        return runner or backups

    async def both() -> None:
        import asyncio

        async with asyncio.TaskGroup() as jobs:
            jobs.create_task(_awaited(runner))
            jobs.create_task(_awaited(backups))

    return both


async def _awaited(job: Callable[[], Awaitable[None]]) -> None:
    await job()


def central_history_for(settings: Settings, store: Store) -> CentralHistory | None:
    """The history screens' read of the central history, or None when the credentials cannot
    be read (sync is off then too, and says why)."""
    from kiosk.settings import ConfigError
    from kiosk.sync.connect import client_factory
    from kiosk.sync.history_reader import CentralHistory

    try:
        return CentralHistory(client_factory(settings), store)
    except ConfigError:
        return None


def online_pins_for(settings: Settings) -> OnlinePins | None:
    """The central API's check of a PIN the kiosk holds no hash of (S9), or None when the
    credentials cannot be read (sync is off then too, and says why)."""
    from kiosk.settings import ConfigError
    from kiosk.sync.connect import client_factory
    from kiosk.sync.pins import OnlinePins

    try:
        return OnlinePins(client_factory(settings))
    except ConfigError:
        return None


def sync_runner_for(
    settings: Settings, store: Store, *, pull_every: float | None = None
) -> Callable[[], Awaitable[None]] | None:
    """Start-able sync service for ``settings``, subscribed to ``store``'s queued edits, or
    None (said on stderr) if it cannot run.

    The API key is read now, so that a missing or unreadable credentials file is reported before
    the screen is taken over; the HTTP client (httpx) is imported when the service starts,
    after the first frame, because nothing on the first screen needs it.
    """
    from dataclasses import replace

    from kiosk.settings import ConfigError
    from kiosk.sync.connect import service_from_settings
    from kiosk.sync.own_thread import runner_in_own_thread

    def make(own: Store) -> SyncService:
        service = service_from_settings(settings, own)
        if pull_every is not None:
            service.timing = replace(service.timing, pull_interval=pull_every)
        return service

    try:
        make(store)  # reads the API key now: a problem is said before the screen is taken
    except ConfigError as error:
        print(f"warning: sync is off: {error}", file=sys.stderr)
        return None
    # Its own thread, loop and connection: none of its work waits on the UI's loop (issue 15).
    run, wake = runner_in_own_thread(store.path, make)
    store.queued_listeners.append(wake)
    return run


def cmd_demo(args: argparse.Namespace) -> int:
    """Run ``kiosk demo``."""
    from kiosk.demo import DEMO_CARDS, cheat_sheet, prepare_demo
    from kiosk.settings import DEMO_STAFF_PIN_HASH
    from kiosk.storage.checkpoint import BackgroundCheckpoint
    from kiosk.ui.app import build_app
    from kiosk.ui.config import KioskConfig

    setup = prepare_demo(with_central=not args.offline)
    sheet = cheat_sheet()
    print("Card kiosk demo\n")
    print(sheet)
    for note in setup.notes:
        print(note)
    sys.stdout.flush()
    config = KioskConfig(
        store_name="Demo coffee shop",
        staff_pin_hash=DEMO_STAFF_PIN_HASH,
        demo=True,
        cheat_sheet=sheet,
        demo_cards=tuple((card.label, card.card_number) for card in DEMO_CARDS),
        # People type the demo swipes by hand: allow long pauses between keys of a swipe.
        wedge_gap=3.0,
        freeze_gc=True,
    )
    configure_logging(setup.directory)
    checkpoint = BackgroundCheckpoint(setup.store.path).start(setup.store.db.conn)
    try:
        app = build_app(
            setup.store,
            config=config,
            reader_spec="terminal",
            sync_runner=setup.sync_runner,
            handle_signals=True,
            online_pins=setup.online_pins,
            history_reader=setup.history_reader,
        )
        return run_app(app)
    finally:
        checkpoint.stop()
        setup.close()
