"""``kiosk customer redeem|purchase``: the counter's redemptions and purchases from a shell.

Beside ``kiosk customer edit``: each prints the exact effect first and changes nothing without
``--yes``; with it, the redemption or purchase is applied to the local store and queued for the
central API (:mod:`kiosk.storage.counter`). The shop's ``[rewards]`` offline policy applies
when the sync state says the central API is not answering. Exit status 0 on success, 1 when it
is refused (the reason is printed), 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import getpass
from decimal import Decimal, InvalidOperation

from kiosk.cli.common import add_store_options, open_store
from kiosk.cli.errors import CommandError
from kiosk.settings import ConfigError, load_settings
from kiosk.storage.counter import RewardRefused
from kiosk.storage.customer_store import Store, StoreError


def add_counter_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``redeem`` and ``purchase`` to the ``customer`` commands."""
    redeem = commands.add_parser(
        "redeem",
        help="redeem a reward, points or money for a customer (preview unless --yes)",
        description="Redeem from one campaign: a reward by id, custom points, or an amount "
        "of a gift-card or earned campaign. Prints the effect; --yes applies and queues it.",
    )
    _common(redeem)
    what = redeem.add_mutually_exclusive_group(required=True)
    what.add_argument("--reward", metavar="ID", help="the reward's id (see the campaign's rewards)")
    what.add_argument("--points", type=_amount, metavar="N", help="custom points")
    what.add_argument("--amount", type=_amount, metavar="MONEY", help="money to spend")
    redeem.set_defaults(func=cmd_redeem)

    purchase = commands.add_parser(
        "purchase",
        help="record a purchase by its amount (points by the campaign's ratio)",
        description="Record money spent in a points campaign. Prints the expected points; "
        "--yes applies and queues it (the receipt's balance is kept when it is sent).",
    )
    _common(purchase)
    purchase.add_argument("--amount", type=_amount, required=True, metavar="MONEY")
    purchase.set_defaults(func=cmd_purchase)


def _common(parser: argparse.ArgumentParser) -> None:
    add_store_options(parser)
    parser.add_argument("card_or_code", metavar="CARD_OR_CODE")
    parser.add_argument("--campaign", required=True, metavar="ID", help="the campaign's id")
    parser.add_argument("--yes", action="store_true", help="apply and queue it")


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text[:20]!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a number: {text[:20]!r}")
    return value


def _open(args: argparse.Namespace) -> tuple[Store, str]:
    store = open_store(args, must_exist=True)
    try:
        settings = load_settings(args.config, allow_missing=True, check_credentials=False)
    except ConfigError as error:
        store.close()
        raise CommandError(f"configuration: {error}", status=2) from None
    store.offline_policy = settings.rewards.policy()
    try:
        found = store.find_customer(args.card_or_code)
    except StoreError as error:
        store.close()
        raise CommandError(str(error)) from None
    if found is None:
        store.close()
        raise CommandError("No customer with this card number or code here", status=1)
    return store, found["code"]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def cmd_redeem(args: argparse.Namespace) -> int:
    """Run ``kiosk customer redeem``."""
    store, code = _open(args)
    with store:
        what = {"reward_id": args.reward, "points": args.points, "amount": args.amount}
        try:
            if not args.yes:
                print(store.preview_redemption(code, args.campaign, **what).confirmation)
                print("Nothing changed; add --yes to redeem.")
                return 0
            done = store.redeem(code, args.campaign, actor=_actor(), **what)
        except (RewardRefused, StoreError) as problem:
            print(f"refused: {problem}")
            return 1
    print(f"{done.confirmation}. Queued (entry {str(done.entry_id)[:8]}).")
    return 0


def cmd_purchase(args: argparse.Namespace) -> int:
    """Run ``kiosk customer purchase``."""
    store, code = _open(args)
    with store:
        try:
            if not args.yes:
                print(store.preview_purchase(code, args.campaign, args.amount).confirmation)
                print("Nothing changed; add --yes to record it.")
                return 0
            done = store.record_purchase(code, args.campaign, args.amount, actor=_actor())
        except (RewardRefused, StoreError) as problem:
            print(f"refused: {problem}")
            return 1
    print(f"{done.confirmation}. Queued (entry {str(done.entry_id)[:8]}).")
    return 0
