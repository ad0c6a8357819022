"""``kiosk central serve|campaign|field``: run the reference central API and prepare its data.

``serve`` runs :mod:`kiosk.reference.server` in the foreground with optional faults;
``campaign add|list`` and ``field add|list`` edit the server's own SQLite file directly (stop
the server first, or use the ``manage_campaigns``/``manage_fields`` calls while it runs).
The server's file is never the kiosk's own database: its default is ``central.db`` beside it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kiosk.cli.errors import CommandError
from kiosk.domain.credentials import Credentials
from kiosk.domain.edit_rules import EditError
from kiosk.domain.fields import FIELD_TYPE_NAMES
from kiosk.reference.catalog import campaign_from, field_definition
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import DEFAULT_CREDENTIALS, serve_forever, start_server
from kiosk.reference.store import ReferenceError, ReferenceStore

ENV_API_KEY = "KIOSK_CENTRAL_API_KEY"
"""Environment variable for the server's API key, so that it need not show in ``ps``."""

_FAULT_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--drop-after-apply", "drop_after_apply", "apply, then close without answering"),
    ("--reset", "reset_before", "reset the connection before applying"),
    ("--http-500", "http_500", "answer HTTP 500 before applying"),
    ("--http-502", "http_502", "answer HTTP 502 (a proxy's HTML page) before applying"),
    ("--http-503", "http_503", "answer HTTP 503 before applying"),
    ("--garbage", "garbage", "apply, then answer random bytes"),
    ("--truncated", "truncated", "apply, then send half the answer"),
    ("--stall", "stall", "apply, then hold the answer for --stall-seconds"),
    ("--apply-late", "apply_late", "hold the request for --late-seconds, then apply it"),
)
"""Probability options of ``serve``: option, :class:`FaultConfig` field, help."""


def default_central_db() -> Path:
    """``central.db`` in the per-user data directory (beside, never instead of, ``kiosk.db``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("kiosk")) / "central.db"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``central`` commands."""
    central = subparsers.add_parser("central", help="run the reference central API server")
    commands = central.add_subparsers(dest="central_command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="serve the central API over a local SQLite file",
        description=(
            "Serve the central API calls the kiosk uses (record_customer, customer_search, "
            "customer_info, customer_balance, validate_customer_password, generate_card_number, "
            "record_activity, redeem, transaction_delete, campaigns_list, campaign_rewards, "
            "manage_fields, and this server's manage_campaigns) over HTTP, as urlencoded or "
            "multipart POST or GET, with optional injected faults. Fault probabilities are from "
            "0 to 1; GET/POST /_control/faults changes them at run time (loopback only)."
        ),
    )
    _add_db(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--account-id", default=DEFAULT_CREDENTIALS.account_id)
    serve.add_argument("--user-id", default=DEFAULT_CREDENTIALS.user_id)
    serve.add_argument(
        "--user-password",
        default=None,
        metavar="KEY",
        help=f"the API key (default: ${ENV_API_KEY}, else the documentation's example key)",
    )
    faults = serve.add_argument_group("faults")
    faults.add_argument("--seed", type=int, default=None, help="seed for reproducible faults")
    faults.add_argument("--latency-ms", type=float, default=0.0, help="delay every API call")
    for option, name, text in _FAULT_OPTIONS:
        faults.add_argument(option, dest=name, type=float, default=0.0, metavar="P", help=text)
    faults.add_argument("--stall-seconds", type=float, default=30.0)
    faults.add_argument("--late-seconds", type=float, default=3.0)
    faults.add_argument(
        "--ignore-proposed-code",
        action="store_true",
        help="a new customer created with a given code gets a random code instead",
    )
    faults.add_argument(
        "--only-writes",
        action="store_true",
        help="faults (but latency) strike only record_customer; look-ups always answer",
    )
    serve.set_defaults(func=cmd_serve)

    campaign = commands.add_parser("campaign", help="campaigns of the server's file")
    campaign_cmds = campaign.add_subparsers(
        dest="campaign_command", metavar="ACTION", required=True
    )
    add = campaign_cmds.add_parser("add", help="add or replace a campaign")
    _add_db(add)
    add.add_argument("campaign_id", metavar="ID")
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "campaign_type",
        metavar="TYPE",
        help="points, giftcard, buyx, earned or events (visits and dollars still accepted)",
    )
    add.set_defaults(func=cmd_campaign_add)
    listing = campaign_cmds.add_parser("list", help="list the campaigns")
    _add_db(listing)
    listing.set_defaults(func=cmd_campaign_list)

    custom = commands.add_parser("field", help="custom fields of the server's file")
    field_cmds = custom.add_subparsers(dest="field_command", metavar="ACTION", required=True)
    add_field = field_cmds.add_parser("add", help="define the next custom field (ids 1, 2, 3...)")
    _add_db(add_field)
    add_field.add_argument("label", metavar="LABEL")
    add_field.add_argument("field_type", metavar="TYPE", help="Text, Date, Pick or List")
    add_field.add_argument("--choices", default="", help="comma separated, Pick/List only")
    add_field.set_defaults(func=cmd_field_add)
    list_fields = field_cmds.add_parser("list", help="list the custom fields")
    _add_db(list_fields)
    list_fields.set_defaults(func=cmd_field_list)


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"the server's SQLite file (default: {default_central_db()})",
    )


def _db(args: argparse.Namespace) -> Path:
    return args.db or default_central_db()


def cmd_serve(args: argparse.Namespace) -> int:
    """Run ``kiosk central serve`` until Ctrl-C."""
    key = args.user_password or os.environ.get(ENV_API_KEY) or DEFAULT_CREDENTIALS.api_key
    try:
        config = FaultConfig(
            seed=args.seed,
            latency_ms=args.latency_ms,
            stall_seconds=args.stall_seconds,
            late_seconds=args.late_seconds,
            ignore_proposed_code=args.ignore_proposed_code,
            only_writes=args.only_writes,
            **{name: getattr(args, name) for _, name, _ in _FAULT_OPTIONS},
        )
    except ValueError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        running = start_server(
            _db(args),
            host=args.host,
            port=args.port,
            credentials=Credentials(args.account_id, args.user_id, key),
            faults=config,
        )
    except (OSError, ReferenceError) as problem:
        print(f"error: cannot serve on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return 1
    print(f"central API reference server on {running.url} (database {_db(args)})", flush=True)
    durations = ("stall_seconds", "late_seconds")
    active = {k: v for k, v in config.to_json().items() if v and k not in durations}
    if active:
        print(f"faults: {active}", flush=True)
    serve_forever(running)
    return 0


def _open(args: argparse.Namespace) -> ReferenceStore:
    """The server's own file (never the kiosk's database)."""
    try:
        return ReferenceStore(_db(args))
    except ReferenceError as error:
        raise CommandError(str(error)) from None


def cmd_campaign_add(args: argparse.Namespace) -> int:
    """Run ``kiosk central campaign add``."""
    try:
        campaign = campaign_from(args.campaign_id, args.name, args.campaign_type)
    except EditError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    store = _open(args)
    with store:
        store.define_campaign(campaign)
    print(f"campaign {campaign.campaign_id}: {campaign.name} ({campaign.kind})")
    return 0


def cmd_campaign_list(args: argparse.Namespace) -> int:
    """Run ``kiosk central campaign list``."""
    store = _open(args)
    with store:
        for campaign in store.campaigns():
            print(f"{campaign.campaign_id}\t{campaign.kind}\t{campaign.name}")
    return 0


def cmd_field_add(args: argparse.Namespace) -> int:
    """Run ``kiosk central field add``: the same checks as ``manage_fields`` with ``add``."""
    store = _open(args)
    with store:
        try:
            made = field_definition(store, args.label, args.field_type, args.choices)
        except EditError as problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        store.define_custom_field(made)
    kind, choices = FIELD_TYPE_NAMES[made.kind], ",".join(made.choices)
    print(f"custom_field_{made.field_id}: {made.label} ({kind}) {choices}")
    return 0


def cmd_field_list(args: argparse.Namespace) -> int:
    """Run ``kiosk central field list``."""
    store = _open(args)
    with store:
        for definition in store.custom_fields():
            kind = FIELD_TYPE_NAMES[definition.kind]
            choices = ",".join(definition.choices)
            print(f"custom_field_{definition.field_id}\t{kind}\t{definition.label}\t{choices}")
    return 0
