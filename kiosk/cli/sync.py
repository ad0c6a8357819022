"""``kiosk sync once|run|pull``: deliver the outbox and refresh the local cache (S2-S7)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from kiosk.central.client import CentralClient, CentralError
from kiosk.settings import ConfigError, Settings, load_settings
from kiosk.storage.customer_store import Store
from kiosk.storage.database import StoreError
from kiosk.sync.connect import client_from_settings
from kiosk.sync.intent import Backoff
from kiosk.sync.pull import pull
from kiosk.sync.status import read_status
from kiosk.sync.worker import SyncWorker

log = logging.getLogger("kiosk.sync")


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
    pull_parser = commands.add_parser("pull", help="refresh local customers from the central API")
    for command, func in ((once, cmd_once), (run, cmd_run), (pull_parser, cmd_pull)):
        command.add_argument("--config", metavar="PATH", help="kiosk.toml to use")
        command.add_argument("--db", type=Path, metavar="PATH", help="database file")
        command.set_defaults(func=func)


Job = Callable[[Settings, Store, CentralClient], Awaitable[int]]
"""What a sync command does once its settings, store and client are ready."""


def _run_job(args: argparse.Namespace, job: Job) -> int:
    """Load the settings, open the store and the client, run ``job``; plain errors, exit 1."""
    try:
        settings = load_settings(args.config)
        store = Store(args.db or settings.database.path)
    except (ConfigError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    async def go() -> int:
        try:
            client = client_from_settings(settings)
        except (ConfigError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        async with client:
            try:
                return await job(settings, store, client)
            except CentralError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1

    with store:
        return asyncio.run(go())


def cmd_once(args: argparse.Namespace) -> int:
    """Run ``kiosk sync once``: exit 0 when nothing is left waiting, 2 when some is."""

    async def once(settings: Settings, store: Store, client: CentralClient) -> int:
        worker = SyncWorker(store, client, concurrency=settings.sync.concurrency)
        report = await worker.drain(max_wait=args.max_wait)
        status = read_status(store.db)
        print(report.summary())
        print(f"waiting {status.pending}, needs attention {status.attention}")
        return 0 if status.pending == 0 else 2

    return _run_job(args, once)


def cmd_pull(args: argparse.Namespace) -> int:
    """Run ``kiosk sync pull``."""

    async def refresh(settings: Settings, store: Store, client: CentralClient) -> int:
        print((await pull(store, client)).summary())
        return 0

    return _run_job(args, refresh)


def cmd_run(args: argparse.Namespace) -> int:
    """Run ``kiosk sync run`` until SIGTERM/SIGINT: drain, wait, refresh periodically."""

    async def forever(settings: Settings, store: Store, client: CentralClient) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(signum, stop.set)
        backoff = Backoff(base_seconds=args.backoff_base, cap_seconds=args.backoff_cap)
        worker = SyncWorker(store, client, concurrency=settings.sync.concurrency, backoff=backoff)
        drain = asyncio.create_task(worker.run_forever(stop))
        interval = settings.sync.pull_interval_minutes * 60
        next_pull = time.monotonic() + interval
        while not stop.is_set():
            timeout = max(1.0, next_pull - time.monotonic()) if interval else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=timeout)
            if stop.is_set():
                break
            next_pull = time.monotonic() + interval
            try:
                log.info("pull: %s", (await pull(store, client)).summary())
            except CentralError as error:
                log.warning("pull failed, will try again: %s", error)
        await drain
        return 0

    return _run_job(args, forever)
