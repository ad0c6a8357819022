"""The ``kiosk`` command: every top-level command has a known home module, so that running one
command imports only that module (``kiosk run`` reaches its first frame sooner)."""

from __future__ import annotations

import argparse
import subprocess
import sys

from kiosk.cli import COMMAND_HOMES, build_parser


def top_level_commands(parser: argparse.ArgumentParser) -> set[str]:
    """The names of the parser's sub-commands."""
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(action.choices)


def test_every_command_is_mapped_to_the_module_that_registers_it() -> None:
    everything = top_level_commands(build_parser())
    assert everything == set(COMMAND_HOMES)
    for command, module in COMMAND_HOMES.items():
        assert command in top_level_commands(build_parser((module,))), command


def test_kiosk_run_does_not_import_the_http_stack_to_start() -> None:
    code = (
        "import sys; from kiosk.cli import COMMAND_HOMES, build_parser; "
        "build_parser((COMMAND_HOMES['run'],)); "
        "print(sorted(m for m in ('httpx', 'kiosk.reference.server', 'kiosk.sync.worker') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
