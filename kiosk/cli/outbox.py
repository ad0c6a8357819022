"""``kiosk outbox list``: what is queued for the central API, and in which state."""

from __future__ import annotations

import argparse

from kiosk.cli.common import add_db_option, open_store
from kiosk.domain.secrets import mask_card
from kiosk.storage import outbox


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``outbox`` commands."""
    parser = subparsers.add_parser("outbox", help="the queue of changes for the central API")
    commands = parser.add_subparsers(dest="outbox_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help="list queued entries, oldest first")
    add_db_option(listing)
    listing.add_argument(
        "--state",
        choices=("pending", "delivered", "attention", "discarded"),
        default=None,
        help="only entries in this state (default: all)",
    )
    listing.set_defaults(func=cmd_list)


def describe_request(request: dict[str, str]) -> str:
    """A one-line summary of a queued request with secrets and card numbers masked (S8)."""
    parts = []
    for name, value in request.items():
        if name in outbox.SECRET_REQUEST_FIELDS:
            value = "***"
        elif name in ("card_number", "code"):
            value = mask_card(value)
        elif len(value) > 24:
            value = value[:21] + "..."
        parts.append(f"{name}={value}")
    return " ".join(parts)


def cmd_list(args: argparse.Namespace) -> int:
    """Run ``kiosk outbox list``."""
    store = open_store(args)
    if store is None:
        return 1
    with store:
        rows = outbox.entries(store.db, state=args.state)
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
