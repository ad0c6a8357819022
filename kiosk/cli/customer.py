"""``kiosk customer edit|show``: apply one edit to the local store, or show a customer (and
``redeem|purchase``, from :mod:`kiosk.cli.counter`)."""

from __future__ import annotations

import argparse
import sys

from kiosk.cli.common import add_store_options, open_store
from kiosk.domain import render
from kiosk.domain.fields import CREDENTIAL_FIELDS
from kiosk.domain.secrets import mask_card
from kiosk.storage.customer_store import EditError, StoreError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``customer`` commands."""
    customer = subparsers.add_parser("customer", help="edit or show customers in the local store")
    commands = customer.add_subparsers(dest="customer_command", metavar="COMMAND", required=True)

    edit = commands.add_parser(
        "edit",
        help="apply one record_customer edit locally and queue it",
        description=(
            "Apply one record_customer/edit request to the local store, queue it for the "
            "central API, and print the response the API would give. Credentials, type and "
            "customer_action are implied. Exit status 0 on success, 1 on an error response."
        ),
    )
    add_store_options(edit)
    edit.add_argument("--output", choices=("xml", "json"), type=str.lower, default=None)
    edit.add_argument("fields", nargs="*", metavar="FIELD=VALUE")
    edit.set_defaults(func=cmd_edit)

    show = commands.add_parser("show", help="show every stored field of one customer")
    add_store_options(show)
    show.add_argument("card_or_code", metavar="CARD_OR_CODE")
    show.set_defaults(func=cmd_show)

    from kiosk.cli.counter import add_counter_commands

    add_counter_commands(commands)


def parse_fields(pairs: list[str]) -> dict[str, str]:
    """Turn ``FIELD=VALUE`` arguments into a request; a value may contain ``=``.

    Raises:
        EditError: an argument is not UTF-8 text, has no ``=``, gives a field twice, or names a
            credential.
    """
    request: dict[str, str] = {}
    for number, pair in enumerate(pairs, start=1):
        try:
            # Python hands undecodable bytes over as lone surrogates: refuse them here, before
            # they reach SQLite or a JSON encoder (which would fail with a traceback).
            pair.encode("utf-8")
        except UnicodeEncodeError:
            raise EditError(f"Argument {number} is not valid UTF-8 text") from None
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise EditError(f"Expected FIELD=VALUE, got {pair[:40]!r}")
        if name in request:
            raise EditError(f"Field {name} is given twice")
        if name in CREDENTIAL_FIELDS:
            raise EditError(f"{name} is not needed locally: the kiosk's configuration holds it")
        request[name] = value
    return request


def cmd_edit(args: argparse.Namespace) -> int:
    """Run ``kiosk customer edit``."""
    try:
        request = parse_fields(args.fields)
    except EditError as problem:
        return _print_error(str(problem), {}, args.output)
    if args.output and "output" not in request:
        request["output"] = args.output
    try:
        fmt = render.output_format(request)
    except render.OutputFormatError as problem:
        return _print_error(str(problem), {}, args.output)
    action = request.pop("customer_action", "edit")
    call = request.pop("type", "record_customer")
    if call != "record_customer" or action not in ("edit", "new"):
        return _print_error("This command sends type=record_customer with edit or new", request)
    store = open_store(args)
    with store:
        try:
            result = store.apply_edit(request, action=action)  # type: ignore[arg-type]
        except (EditError, StoreError) as problem:
            return _print_error(str(problem), request)
    plan = result.plan
    payload = render.edit_success(plan.status, plan.code, plan.generated_card_number)
    sys.stdout.write(render.render(payload, fmt))
    if fmt.json:
        sys.stdout.write("\n")
    return 0


def _print_error(message: str, request: dict[str, str], output: str | None = None) -> int:
    """Print an error response in the format the request (or ``--output``) asked for."""
    try:
        asked = request if "output" in request or not output else {"output": output}
        fmt = render.output_format(asked)
    except render.OutputFormatError:
        fmt = render.OutputFormat()
    sys.stdout.write(render.render(render.error(message), fmt))
    if fmt.json:
        sys.stdout.write("\n")
    return 1


def cmd_show(args: argparse.Namespace) -> int:
    """Run ``kiosk customer show``: every stored field, card numbers masked (S8)."""
    store = open_store(args, must_exist=True)
    with store:
        try:
            customer = store.find_customer(args.card_or_code)
        except EditError as problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        if customer is None:
            print(f"No customer with card or code {mask_card(args.card_or_code)}", file=sys.stderr)
            return 1
        balances = store.balances(customer["code"])
        fields = {f.field_id: f.label for f in store.custom_fields()}
    card = customer["card_number"]
    for name, value in customer.items():
        if name == "custom_values":
            continue
        if name == "card_number" or (name == "code" and value == card):
            value = mask_card(str(value) if value is not None else None)
        print(f"{name:<18} {'' if value is None else value}")
    for field_id, value in customer["custom_values"].items():
        print(f"custom_field_{field_id:<5} {value}  ({fields.get(field_id, '?')})")
    for balance in balances:
        item = f" [{balance['item']}]" if balance["item"] else ""
        print(f"balance            {balance['balance']} {balance['campaign_name']}{item}")
    return 0
