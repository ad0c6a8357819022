"""``kiosk config check``, ``config hash-pin`` and ``doctor``: is this kiosk set up right.

Provides ``register(subparsers)`` for the CLI, ``DOCTOR_CHECKS`` (the built-in checks, in
order) and ``DOCTOR_CHECK_MODULES`` (modules that add their own); a check's building blocks,
``Check`` and ``DoctorContext``, are in :mod:`kiosk.doctor.checkup`.

Adding a check: write ``def check_x(ctx: DoctorContext) -> Check`` and either append it to
``DOCTOR_CHECKS`` or put it in a module named in ``DOCTOR_CHECK_MODULES`` whose ``DOCTOR_CHECKS``
list holds it (imported lazily, skipped while the module does not exist): the database checks
live in :mod:`kiosk.doctor.database`, the central API checks in :mod:`kiosk.doctor.central`. A
check that needs valid settings returns ``Check.skip(...)`` when ``ctx.settings`` is None; one
that needs an earlier check to pass looks it up in ``ctx.results``; an exception in a check is
reported as a failure of that check.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import importlib
import os
import pwd
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

import kiosk
from kiosk.doctor.checkup import Check, DoctorCheck, DoctorContext
from kiosk.domain.secrets import hash_secret
from kiosk.settings import (
    ConfigError,
    Settings,
    check_credentials_file,
    load_settings,
    resolve_config_path,
)

EARLIEST_YEAR = 2024
"""A clock before this year is wrong (a Pi without a battery clock, before network time)."""


def _split_fix(problem: str) -> tuple[str, str]:
    detail, _, fix = problem.partition("; fix: ")
    return detail, fix


def check_config(ctx: DoctorContext) -> Check:
    """The config file exists and every value in it is valid."""
    if ctx.settings is not None:
        return Check("config", True, f"{ctx.config_path} is valid")
    if not ctx.config_path.exists():
        fix = "systemd/install.sh writes an example; or pass --config PATH"
    else:
        fix = f"edit {ctx.config_path} (`kiosk config check` lists each problem)"
    return Check("config", False, "; ".join(ctx.config_problems), fix)


def check_credentials(ctx: DoctorContext) -> Check:
    """The API key file is private to the kiosk user, readable and not empty (S8)."""
    if ctx.settings is None:
        return Check.skip("credentials")
    path = ctx.settings.central.credentials_file
    if path is None:
        return Check("credentials", True, "none (demo settings)")
    problem = check_credentials_file(path)
    if problem:
        return Check("credentials", False, *_split_fix(problem))
    try:
        ctx.settings.central.read_api_key()
    except ConfigError as error:
        return Check("credentials", False, str(error), f"put the API key on one line in {path}")
    return Check("credentials", True, f"{path} is private to us and holds a key (not shown)")


def check_database_dir(ctx: DoctorContext) -> Check:
    """The database directory is writable (SQLite writes a WAL file beside the database)."""
    if ctx.settings is None:
        return Check.skip("database directory")
    db = ctx.settings.database.path
    directory = db.parent
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    user = _me()
    if not os.access(existing, os.W_OK | os.X_OK):
        return Check(
            "database directory",
            False,
            f"{existing} is not writable by {user}",
            f"install -d -o {user} -m 0700 {directory} (the service's StateDirectory=kiosk "
            "creates /var/lib/kiosk at start)",
        )
    if db.exists() and not os.access(db, os.R_OK | os.W_OK):
        return Check(
            "database directory", False, f"{db} is not writable by {user}", f"chown {user} {db}"
        )
    # Free space is the "disk space" check of kiosk.doctor.database.
    where = f"{directory} is writable" if existing == directory else f"{existing} is writable"
    state = "exists" if db.exists() else "will be created"
    return Check("database directory", True, f"{where}; {db} {state}")


def check_reader(ctx: DoctorContext) -> Check:
    """The configured reader's device exists and we may open it."""
    if ctx.settings is None:
        return Check.skip("reader")
    reader = ctx.settings.reader
    kind, target = reader.kind, reader.target
    if kind == "terminal":
        return Check("reader", True, "terminal: swipes are typed into the kiosk's terminal")
    path = Path(target)
    if kind == "script":
        if path.is_file() and os.access(path, os.R_OK):
            return Check("reader", True, f"script: {path} is readable")
        return Check("reader", False, f"script: {path} is missing or unreadable", f"ls -l {path}")
    if not target.startswith("/"):
        # A device name, vendor:product or a pyserial URL: matched by the reader at run time.
        return Check("reader", True, f"{reader.spec}: not a path, matched when the kiosk runs")
    group, mode = ("input", os.R_OK) if kind == "evdev" else ("dialout", os.R_OK | os.W_OK)
    if not path.exists():
        listing = "/dev/input/by-id/" if kind == "evdev" else "/dev/serial/by-id/"
        return Check(
            "reader",
            False,
            f"{path} does not exist (reader unplugged, or another path)",
            f"plug the reader in; ls -l {listing} /dev/kiosk-reader; "
            "add its vendor:product to /etc/udev/rules.d/99-kiosk-reader.rules",
        )
    if not os.access(path, mode):
        return Check(
            "reader",
            False,
            f"{path} is not {'readable' if kind == 'evdev' else 'readable and writable'} "
            f"by {_me()}",
            f"usermod -aG {group} {_me()} (then restart the service), or check the udev rule",
        )
    return Check("reader", True, f"{kind}: {path} is present and accessible")


def check_clock(ctx: DoctorContext) -> Check:
    """The clock is plausible: TLS certificates and backoff timers depend on it."""
    now = dt.datetime.now(dt.UTC)
    installed = dt.datetime.fromtimestamp(Path(kiosk.__file__).stat().st_mtime, dt.UTC)
    fix = "the Pi has no battery clock: check network time with `timedatectl status`"
    if now.year < EARLIEST_YEAR:
        return Check("clock", False, f"the clock says {now:%Y-%m-%d %H:%M} UTC", fix)
    if installed > now + dt.timedelta(days=1):
        return Check(
            "clock",
            False,
            f"the clock says {now:%Y-%m-%d %H:%M} UTC, before the kiosk was installed "
            f"({installed:%Y-%m-%d})",
            fix,
        )
    return Check("clock", True, f"{now:%Y-%m-%d %H:%M} UTC")


DOCTOR_CHECKS: list[DoctorCheck] = [
    check_config,
    check_credentials,
    check_database_dir,
    check_reader,
    check_clock,
]
"""The built-in checks, run in this order."""

DOCTOR_CHECK_MODULES: tuple[str, ...] = (
    "kiosk.doctor.timekeeping",
    "kiosk.doctor.identity",
    "kiosk.doctor.database",
    "kiosk.doctor.backup",
    "kiosk.doctor.central",
)
"""Modules whose ``DOCTOR_CHECKS`` list is run after the built-in ones; missing ones are skipped."""


def collect_checks() -> list[DoctorCheck]:
    """The built-in checks followed by those of every module in ``DOCTOR_CHECK_MODULES``."""
    checks = list(DOCTOR_CHECKS)
    for name in DOCTOR_CHECK_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            # Skip a module (or package) not written yet; a missing import inside it is a bug.
            if error.name and (name + ".").startswith(error.name + "."):
                continue
            raise
        checks.extend(getattr(module, "DOCTOR_CHECKS", []))
    return checks


def make_context(config: str | None) -> DoctorContext:
    """Load the settings for the doctor (the credentials file is a check of its own)."""
    path, _ = resolve_config_path(config)
    try:
        settings = load_settings(path, check_credentials=False)
    except ConfigError as error:
        return DoctorContext(path, None, error.problems)
    return DoctorContext(path, settings)


def run_doctor(
    ctx: DoctorContext, checks: Iterable[DoctorCheck] | None = None, out: TextIO | None = None
) -> int:
    """Run ``checks`` (default: ``collect_checks()``), print one line each, return 0 or 1."""
    out = sys.stdout if out is None else out
    failed = 0
    for check in collect_checks() if checks is None else checks:
        try:
            result = check(ctx)
        except Exception as error:  # one broken check must not hide the others' results
            name = getattr(check, "__name__", "check").removeprefix("check_")
            result = Check(name, False, f"the check itself failed: {type(error).__name__}")
        mark = "skip" if result.skipped else (" ok " if result.ok else "FAIL")
        line = f"[{mark}] {result.name}: {result.detail}"
        if not result.ok and result.fix:
            line += f"; fix: {result.fix}"
        print(line, file=out)
        ctx.results[result.name] = result
        failed += not result.ok
    return 1 if failed else 0


def describe(settings: Settings) -> list[str]:
    """``key: value`` lines for every setting; secrets and hashes are shown as set/not set."""
    lines = [f"store_name: {settings.store_name}", f"kiosk_name: {settings.kiosk_name}"]
    for section in dataclasses.fields(settings):
        value = getattr(settings, section.name)
        if not dataclasses.is_dataclass(value):
            continue
        for item in dataclasses.fields(value):
            shown = getattr(value, item.name)
            if not item.repr:
                shown = "set (not shown)" if shown else "not set"
            lines.append(f"{section.name}.{item.name}: {shown}")
    if settings.central.credentials_file is not None:
        lines.append("central API key: in the credentials file (not shown)")
    return lines


def cmd_config_check(args: argparse.Namespace) -> int:
    """``kiosk config check``: exit 0 and a summary, or 1 and one problem per line."""
    path, _ = resolve_config_path(args.config)
    try:
        settings = load_settings(path)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    print(f"ok: {path}")
    for line in describe(settings):
        print(f"  {line}")
    return 0


def cmd_hash_pin(args: argparse.Namespace) -> int:
    """``kiosk config hash-pin``: read a staff PIN twice, print the config line with its hash."""
    pin = getpass.getpass("New staff PIN (4 to 12 digits): ")
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        print("a staff PIN is 4 to 12 digits; nothing printed", file=sys.stderr)
        return 1
    if getpass.getpass("The same PIN again: ") != pin:
        print("the two PINs differ; nothing printed", file=sys.stderr)
        return 1
    print("# paste under [ui] in the config file:", file=sys.stderr)
    print(f'staff_pin_hash = "{hash_secret(pin)}"')
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """``kiosk doctor``: run every check, exit 1 when any fails."""
    ctx = make_context(args.config)
    if args.db is not None and ctx.settings is not None:
        database = dataclasses.replace(ctx.settings.database, path=args.db)
        ctx.settings = dataclasses.replace(ctx.settings, database=database)
    return run_doctor(ctx)


def _me() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``config check``, ``config hash-pin`` and ``doctor`` to the ``kiosk`` command."""
    config_help = "config file (default: $KIOSK_CONFIG or /etc/kiosk/kiosk.toml)"
    config = subparsers.add_parser("config", help="check the config file, hash a staff PIN")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_sub.add_parser("check", help="validate the config; the API key is not shown")
    check.add_argument("--config", metavar="PATH", help=config_help)
    check.set_defaults(func=cmd_config_check)
    hash_pin = config_sub.add_parser(
        "hash-pin", help="print the ui.staff_pin_hash line for a staff PIN typed twice"
    )
    hash_pin.set_defaults(func=cmd_hash_pin)
    doctor = subparsers.add_parser(
        "doctor",
        help="check config, credentials, reader, clock, database, queue, central API",
        description="Run every check; print one line each ([ ok ], [FAIL] ...; fix: ..., "
        "[skip]). Exit 0 when none fails, 1 otherwise. Run it as the kiosk user.",
    )
    doctor.add_argument("--config", metavar="PATH", help=config_help)
    doctor.add_argument(
        "--db", type=Path, metavar="PATH", help="database file (default: from the config)"
    )
    doctor.set_defaults(func=cmd_doctor)


__all__: Sequence[str] = [
    "DOCTOR_CHECKS",
    "DOCTOR_CHECK_MODULES",
    "Check",
    "DoctorCheck",
    "DoctorContext",
    "collect_checks",
    "register",
    "run_doctor",
]
