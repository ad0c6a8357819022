"""``kiosk readers``: find the card reader, test it, record and replay what it sends.

``list``, ``test``, ``record --reader SPEC FILE`` and ``replay FILE``.

Provides ``register(subparsers)``. The work is done by ``device.readers_cli``; this module only
declares the arguments. Swipes are printed with the card number masked (S8).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from device.discovery import list_candidates
from device.readers import with_options
from device.readers_cli import cmd_list, cmd_record, cmd_replay, cmd_test


def register(subparsers: Any) -> None:
    """Add ``readers list`` and ``readers test`` to the ``kiosk`` command."""
    readers = subparsers.add_parser("readers", help="find and test the card reader")
    readers_sub = readers.add_subparsers(dest="readers_command", metavar="ACTION")
    readers.set_defaults(func=lambda args: _help(readers))

    listing = readers_sub.add_parser("list", help="list devices that could be the card reader")
    listing.set_defaults(func=lambda args: cmd_list(sys.stdout))

    test = readers_sub.add_parser("test", help="open a reader and show each swipe (masked)")
    test.add_argument(
        "--reader",
        metavar="SPEC",
        help="reader spec, e.g. evdev:/dev/input/by-id/..., serial:/dev/ttyUSB0?baud=9600, "
        "terminal; default: reader.spec of the config file, else the only candidate found",
    )
    test.add_argument("--count", type=_positive_int, metavar="N", help="stop after N swipes")
    test.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds")
    test.set_defaults(func=lambda args: _test(args))

    rec = readers_sub.add_parser(
        "record", help="record what a reader sends into FILE (mode 0600), for support"
    )
    rec.add_argument("--reader", metavar="SPEC", help="reader spec; default as for test")
    rec.add_argument("--count", type=_positive_int, metavar="N", help="stop after N swipes")
    rec.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds")
    rec.add_argument("file", type=Path, metavar="FILE", help="the recording to write")
    rec.set_defaults(func=lambda args: _record(args))

    rep = readers_sub.add_parser(
        "replay", help="decode a recording as the live reader would: one JSON line per swipe"
    )
    rep.add_argument("file", type=Path, metavar="FILE", help="a recording (JSON lines)")
    rep.set_defaults(func=lambda args: cmd_replay(args.file, sys.stdout, sys.stderr))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _configured() -> Any:
    """The kiosk's settings when a config file exists and reads, else None."""
    from kiosk.settings import ConfigError, load_settings

    try:
        settings = load_settings(allow_missing=True, check_credentials=False)
    except ConfigError:
        return None
    return None if settings.source is None else settings


def _spec(args: argparse.Namespace) -> str | None:
    """``--reader`` or the configured reader, with the store's card rules; None if neither."""
    settings = _configured()
    spec = args.reader or (settings.reader.spec if settings is not None else None)
    if spec is None or settings is None:
        return spec
    try:
        return with_options(spec, settings.reader.card_rule_options())
    except ValueError:
        return spec  # the spec's own problem is reported when it is opened


def _record(args: argparse.Namespace) -> int:
    spec = _spec(args)
    if spec is None:
        sys.stderr.write("error: give --reader SPEC (see `kiosk readers list`)\n")
        return 2
    return cmd_record(spec, args.file, sys.stdout, count=args.count, duration=args.seconds)


def _test(args: argparse.Namespace) -> int:
    spec = _spec(args)
    if spec is None:
        candidates = list_candidates()
        if len(candidates) != 1:
            sys.stderr.write(
                "error: give --reader SPEC; "
                + ("no reader was found" if not candidates else "more than one device was found")
                + " (see `kiosk readers list`)\n"
            )
            return 2
        spec = candidates[0].spec
    return cmd_test(spec, sys.stdout, count=args.count, duration=args.seconds)
