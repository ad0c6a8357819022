"""``kiosk outbox list``: what is queued for the central API, and in which state."""

from __future__ import annotations

import argparse
import sys

from kiosk.cli.common import add_store_options, open_store
from kiosk.domain.fields import SECRET_FIELDS
from kiosk.domain.secrets import mask_card
from kiosk.storage.records import CustomerRecord


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``outbox`` commands."""
    parser = subparsers.add_parser("outbox", help="the queue of changes for the central API")
    commands = parser.add_subparsers(dest="outbox_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help="list queued entries, oldest first")
    add_store_options(listing)
    listing.add_argument(
        "--state",
        choices=("pending", "delivered", "attention", "discarded"),
        default=None,
        help="only entries in this state (default: all)",
    )
    listing.set_defaults(func=cmd_list)

    attention = commands.add_parser("attention", help="entries the central API refused (S6)")
    add_store_options(attention)
    attention.set_defaults(func=cmd_attention)

    retry = commands.add_parser("retry", help="send a needs-attention entry again")
    add_store_options(retry)
    retry.add_argument("entry_id", metavar="ID", help="entry id (a unique prefix is enough)")
    retry.add_argument("--by", default=_user(), help="who is acting (for the audit trail)")
    retry.set_defaults(func=cmd_retry)

    discard = commands.add_parser("discard", help="give up on an entry, with a reason (audited)")
    add_store_options(discard)
    discard.add_argument("entry_id", metavar="ID", help="entry id (a unique prefix is enough)")
    discard.add_argument("--reason", required=True, help="why it is given up (kept for audit)")
    discard.add_argument("--by", default=_user(), help="who is acting (for the audit trail)")
    discard.set_defaults(func=cmd_discard)

    archive = commands.add_parser(
        "archive", help="export delivered entries moved out of the queue, as JSON lines"
    )
    add_store_options(archive)
    archive.set_defaults(func=cmd_archive)

    prune = commands.add_parser(
        "prune", help="move delivered entries older than N days to the archive now"
    )
    add_store_options(prune)
    prune.add_argument(
        "--keep-days",
        type=float,
        default=None,
        help="default: sync.keep_delivered_days of the config (30)",
    )
    prune.set_defaults(func=cmd_prune)


def _user() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _card_of(customer: CustomerRecord | None) -> str | None:
    return customer["card_number"] if customer else None


def describe_request(request: dict[str, str]) -> str:
    """A one-line summary of a queued request with secrets and card numbers masked (S8)."""
    parts = []
    for name, value in request.items():
        if name in SECRET_FIELDS:
            value = "***"
        elif name in ("card_number", "code"):
            value = mask_card(value)
        elif len(value) > 24:
            value = value[:21] + "..."
        parts.append(f"{name}={value}")
    return " ".join(parts)


def cmd_list(args: argparse.Namespace) -> int:
    """Run ``kiosk outbox list``."""
    store = open_store(args, must_exist=True)
    with store:
        rows = store.outbox.entries(state=args.state)
    if not rows:
        print("The outbox is empty." if args.state is None else f"No {args.state} entries.")
        return 0
    print(f"{'seq':>5}  {'id':<8}  {'created (UTC)':<19}  {'state':<9}  {'tries':>5}  request")
    for row in rows:
        print(
            f"{row.seq:>5}  {row.entry_id[:8]:<8}  {row.created_at[:19]:<19}  "
            f"{row.state:<9}  {row.attempts:>5}  {describe_request(row.request)}"
        )
    return 0


def cmd_attention(args: argparse.Namespace) -> int:
    """Run ``kiosk outbox attention``: each entry with its reason, customer and fields."""
    store = open_store(args, must_exist=True)
    with store:
        rows = store.outbox.entries(state="attention")
        cards = {row.customer_code: _card_of(store.customer(row.customer_code)) for row in rows}
    if not rows:
        print("Nothing needs attention.")
        return 0
    for row in rows:
        card = mask_card(cards[row.customer_code]) or "-"
        print(f"{row.entry_id[:8]}  queued {row.created_at[:19]}  card {card}")
        print(f"    why:    {row.last_error}")
        print(f"    fields: {describe_request(row.request)}")
    print(
        f"{len(rows)} entries. Use 'kiosk outbox retry ID' or "
        "'kiosk outbox discard ID --reason ...'."
    )
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    """Run ``kiosk outbox retry ID``."""
    store = open_store(args, must_exist=True)
    with store:
        try:
            found = store.outbox.retry(args.entry_id, actor=args.by)
        except LookupError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(f"Entry {found.entry_id[:8]} will be sent again at the next sync.")
    return 0


def cmd_discard(args: argparse.Namespace) -> int:
    """Run ``kiosk outbox discard ID --reason ...``."""
    store = open_store(args, must_exist=True)
    with store:
        try:
            found = store.outbox.discard(args.entry_id, reason=args.reason, actor=args.by)
        except (LookupError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(f"Entry {found.entry_id[:8]} discarded; the reason is kept in the audit table.")
    return 0


def _masked(request: dict[str, str]) -> dict[str, str]:
    """The request as an export may show it: secrets starred, card numbers and codes masked."""
    return {
        name: "***"
        if name in SECRET_FIELDS
        else mask_card(value)
        if name in ("card_number", "code")
        else value
        for name, value in request.items()
    }


def cmd_archive(args: argparse.Namespace) -> int:
    """Run ``kiosk outbox archive``: one JSON object per archived entry, oldest first."""
    import json

    from kiosk.storage.outbox_archive import archived

    store = open_store(args, must_exist=True)
    with store:
        for row in archived(store.db.conn):
            row["request"] = _masked(json.loads(row["request"]))
            row["customer_code"] = mask_card(row["customer_code"])
            print(json.dumps(row, sort_keys=True))
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Run ``kiosk outbox prune``."""
    from kiosk.storage.outbox_archive import prune_delivered

    keep = args.keep_days
    if keep is None:
        keep = _configured_keep_days(args)
        if keep is None:
            return 2
    if keep < 0:
        print("error: --keep-days must be 0 or more", file=sys.stderr)
        return 2
    store = open_store(args, must_exist=True)
    with store:
        moved = prune_delivered(store.db, keep)
    print(f"{moved} delivered entries older than {keep:g} days moved to the archive.")
    return 0


def _configured_keep_days(args: argparse.Namespace) -> float | None:
    """``sync.keep_delivered_days`` of the config (demo settings without a file), or None
    when the config is not valid (the problems are printed)."""
    from kiosk.settings import ConfigError, load_settings

    try:
        settings = load_settings(args.config, allow_missing=True, check_credentials=False)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    return float(settings.sync.keep_delivered_days)
