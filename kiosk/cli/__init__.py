"""The ``kiosk`` command: one entry point, sub-commands registered by topic modules.

Each module listed in ``COMMAND_MODULES`` provides ``register(subparsers)``, which adds its
sub-commands and sets ``func`` on each parser. ``func(args)`` returns the exit status.
Modules are imported lazily by name so that ``kiosk --help`` stays fast and a topic whose optional
dependency is missing (evdev off Linux) does not break the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from kiosk.cli.errors import CommandError

COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.cli.customer",
    "kiosk.cli.outbox",
    "kiosk.cli.central",
    "kiosk.cli.sync",
    "kiosk.cli.readers",
    "kiosk.cli.app",
    "kiosk.cli.system",
    "kiosk.cli.status",
    "kiosk.cli.maintenance",
    "kiosk.cli.backup",
)
"""Modules that add sub-commands; a module that does not exist yet is skipped."""

COMMAND_HOMES: dict[str, str] = {
    "customer": "kiosk.cli.customer",
    "outbox": "kiosk.cli.outbox",
    "central": "kiosk.cli.central",
    "sync": "kiosk.cli.sync",
    "readers": "kiosk.cli.readers",
    "run": "kiosk.cli.app",
    "demo": "kiosk.cli.app",
    "config": "kiosk.cli.system",
    "doctor": "kiosk.cli.system",
    "status": "kiosk.cli.status",
    "migrate": "kiosk.cli.maintenance",
    "backup": "kiosk.cli.backup",
    "restore": "kiosk.cli.backup",
}
"""Which module registers each top-level command: running one imports only its module, so
``kiosk run`` does not pay for the HTTP client and server imports before its first frame."""


class KioskArgumentParser(argparse.ArgumentParser):
    """An argument parser whose errors follow ``--output json`` (or ``output=JSON``): a script
    that asked for JSON gets a JSON error response on stdout, never a usage text to parse."""

    json_errors = False
    """Set by :func:`main` when the command line asks for JSON output."""

    def error(self, message: str) -> NoReturn:
        """Print the error (as JSON when asked) and exit with status 2."""
        if not KioskArgumentParser.json_errors:
            super().error(message)
        from kiosk.domain import render

        payload = render.error(f"{self.prog}: {message}")
        sys.stdout.write(render.render(payload, render.OutputFormat(json=True)) + "\n")
        sys.exit(2)


def wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for JSON output (``--output json``, ``--output=json`` or
    the ``output=JSON`` field of ``customer edit``)."""
    for index, word in enumerate(argv):
        lowered = word.lower()
        if lowered in ("--output=json", "output=json"):
            return True
        if lowered == "--output" and index + 1 < len(argv) and argv[index + 1].lower() == "json":
            return True
    return False


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """Build the argument parser with the sub-commands of ``modules`` (default: all)."""
    parser = KioskArgumentParser(
        prog="kiosk",
        description="Loyalty-card kiosk: swipe, PIN, balance, offline-first sync.",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        help="print the release and the database schema it writes, and exit",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def version_text() -> str:
    """``kiosk 0.2.0 (database schema 5)``: what ``kiosk --version`` prints."""
    import kiosk
    from kiosk.storage.schema_version import SCHEMA_VERSION  # late: --help stays fast

    return f"kiosk {kiosk.__version__} (database schema {SCHEMA_VERSION})"


class _VersionAction(argparse.Action):
    """``--version``, computed only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=str(
            kwargs.get("help", "")
        ))

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(version_text())
        parser.exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kiosk`` command and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    KioskArgumentParser.json_errors = wants_json(argv)
    home = COMMAND_HOMES.get(argv[0]) if argv else None
    parser = build_parser((home,) if home else COMMAND_MODULES)
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
