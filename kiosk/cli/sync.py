"""``kiosk sync once|run|pull``: deliver the outbox and refresh the local cache (S2-S7).

Each command builds the one :class:`~kiosk.sync.service.SyncService` from the settings and uses
it: ``once`` for a single drain, ``pull`` for a single refresh, ``run`` for the service itself
(the same one ``kiosk run`` runs inside the app). Logging is set up exactly as for ``kiosk run``:
level from ``$KIOSK_LOG_LEVEL``, journald priorities, the masking filter (S8).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace

from kiosk.central.client import CentralError
from kiosk.cli.backup import backup_schedule, mark_sends
from kiosk.cli.common import add_store_options, open_store
from kiosk.logging_setup import setup_logging
from kiosk.settings import ConfigError, Settings, load_settings
from kiosk.storage.sync_state import read_status
from kiosk.sync.connect import service_from_settings
from kiosk.sync.intent import Backoff
from kiosk.sync.service import AnotherSender, SyncService


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sync`` commands."""
    parser = subparsers.add_parser("sync", help="send queued changes to the central API")
    commands = parser.add_subparsers(dest="sync_command", metavar="COMMAND", required=True)
    once = commands.add_parser("once", help="deliver what is queued, print a summary, exit")
    once.add_argument(
        "--max-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait for retries due within this many seconds (default: exit when none is ready)",
    )
    run = commands.add_parser("run", help="keep delivering and refreshing (for systemd)")
    run.add_argument("--backoff-base", type=float, default=1.0, help=argparse.SUPPRESS)
    run.add_argument("--backoff-cap", type=float, default=300.0, help=argparse.SUPPRESS)
    run.add_argument("--pull-every", type=float, default=None, help=argparse.SUPPRESS)
    pull_parser = commands.add_parser("pull", help="refresh local customers from the central API")
    for command, func in ((once, cmd_once), (run, cmd_run), (pull_parser, cmd_pull)):
        add_store_options(command)
        command.set_defaults(func=func)


Job = Callable[[Settings, SyncService], Awaitable[int]]
"""What a sync command does once its settings and its started service are ready."""


def _run_job(
    args: argparse.Namespace, job: Job, backoff: Backoff | None = None, *, start: bool = True
) -> int:
    """Set up logging, load the settings, open the store, start the service (unless ``start``
    is False: ``run`` starts it itself, waiting for another sender), run ``job``."""
    setup_logging()
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    store = open_store(args, settings.database.path)
    mark_sends(settings, store)

    async def go() -> int:
        try:
            service = service_from_settings(settings, store, backoff=backoff)
        except (ConfigError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        if not start:
            return await job(settings, service)  # the job starts the service itself
        try:
            async with service:
                return await job(settings, service)
        except AnotherSender as busy:
            print(f"error: {busy}; nothing was done. Try again when it stops.", file=sys.stderr)
            return 2
        except CentralError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1

    with store:
        return asyncio.run(go())


def cmd_once(args: argparse.Namespace) -> int:
    """Run ``kiosk sync once``: exit 0 when nothing is left waiting, 2 when some is."""

    async def once(settings: Settings, service: SyncService) -> int:
        report = await service.drain(max_wait=args.max_wait)
        status = read_status(service.store.db)
        print(report.summary())
        print(f"waiting {status.pending}, needs attention {status.attention}")
        return 0 if status.pending == 0 else 2

    return _run_job(args, once)


def cmd_pull(args: argparse.Namespace) -> int:
    """Run ``kiosk sync pull``."""

    async def refresh(settings: Settings, service: SyncService) -> int:
        print((await service.pull()).summary())
        return 0

    return _run_job(args, refresh)


def cmd_run(args: argparse.Namespace) -> int:
    """Run ``kiosk sync run`` until SIGTERM/SIGINT/SIGHUP: the sync service on its own."""

    async def forever(settings: Settings, service: SyncService) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(signum, stop.set)
        if args.pull_every is not None:
            service.timing = replace(service.timing, pull_interval=args.pull_every)
        schedule = backup_schedule(settings, service.store)
        if schedule is None:
            await service.run(stop)
            return 0
        try:
            async with asyncio.TaskGroup() as jobs:
                jobs.create_task(service.run(stop))
                jobs.create_task(schedule.run(stop))
        finally:
            schedule.final()  # the copy made when the service stops
        return 0

    backoff = Backoff(base_seconds=args.backoff_base, cap_seconds=args.backoff_cap)
    return _run_job(args, forever, backoff, start=False)
