"""Read queries of the reference server over its :class:`~kiosk.reference.store.ReferenceStore`.

``customer_search`` (field by field, partial or whole-value, with or without case), read page by
page so that an answer of every customer is written as it is read; the customer records that
``customer_search`` and ``customer_info`` return; and ``customer_info``'s campaign list. Hashes
never leave this module: a record holds the code, the card number, the profile fields,
``custom_field_N`` values and, when asked, the balances per campaign.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, Literal

from kiosk.domain.edit_rules import EditError, format_amount
from kiosk.domain.fields import CUSTOM_FIELD_NAME
from kiosk.domain.secrets import verify_secret
from kiosk.reference.store import CUSTOMER_COLUMNS, ReferenceStore

SEARCH_FIELDS: tuple[str, ...] = (
    "card_number",
    "first_name",
    "last_name",
    "phone",
    "email",
    "city",
    "state",
    "postal_code",
    "custom_date",
    "custom_field",
    "customer_username",
)
"""Fixed fields ``customer_search`` matches on (the PHP wrapper's list), besides
``custom_field_N``."""
SECRET_CRITERIA: dict[str, str] = {"customer_PIN": "pin_hash", "customer_password": "password_hash"}
"""Searchable secrets (the PHP wrapper sends them) and the hash column each is checked against."""
MAX_SECRET_CANDIDATES = 20
"""A search by PIN or password checks at most this many customers (each check is a slow hash)."""
PAGE = 500
"""Customers read per query while a search answer is written."""
_FOLD = "kiosk_casefold"
"""The Unicode-aware case-folding SQL function (registered by the store; LIKE folds ASCII only)."""

Exact = Literal["sensitive", "insensitive"] | None


class Search:
    """A prepared search: its SQL condition and the secrets to check on each match."""

    def __init__(self, store: ReferenceStore, criteria: Mapping[str, str], exact: Exact) -> None:
        """Check the criteria.

        Raises:
            EditError: a field cannot be searched, names an undefined custom field, or a secret
                is searched on its own.
        """
        clauses: list[str] = []
        params: list[Any] = []
        self.secrets: dict[str, str] = {}
        for name, value in criteria.items():
            match = CUSTOM_FIELD_NAME.fullmatch(name)
            if match:
                field_id = int(match.group(1))
                if store.view.custom_field(field_id) is None:
                    raise EditError(f"{name} is not a custom field defined for this account")
                test, args = _test("v.value", value, exact)
                clauses.append(
                    "EXISTS (SELECT 1 FROM custom_values v WHERE v.code = c.code "
                    f"AND v.field_id = ? AND {test})"
                )
                params += [field_id, *args]
            elif name in SEARCH_FIELDS:
                test, args = _test(f"c.{name}", value, exact)
                clauses.append(test)
                params += args
            elif name in SECRET_CRITERIA:
                self.secrets[SECRET_CRITERIA[name]] = value
            else:
                raise EditError(f"Cannot search by {name[:40]!r}")
        if self.secrets and not clauses:
            raise EditError(
                "Searching by customer_PIN or customer_password needs another field too "
                "(card_number, say): only salted hashes are kept"
            )
        self.where = " AND ".join(clauses) or "1"
        self.params = params

    def records(self, store: ReferenceStore, *, balances: bool) -> Iterator[dict[str, Any]]:
        """The matching customers' records, oldest first, page by page.

        The first page is read on the store's own connection (the caller holds the server's
        lock); later pages through a reader connection of their own, while the answer is
        being written.
        """
        if self.secrets:
            yield from _public(self._secret_matches(store, balances))
            return
        page = _page(store.conn, self, 0, balances)
        last = page[-1]["_rowid"] if page else 0
        yield from _public(page)
        if len(page) < PAGE:
            return
        with store.reader() as conn:
            while len(page) == PAGE:
                page = _page(conn, self, last, balances)
                last = page[-1]["_rowid"] if page else last
                yield from _public(page)

    def _secret_matches(self, store: ReferenceStore, balances: bool) -> list[dict[str, Any]]:
        columns = ", ".join(self.secrets)
        rows = store.conn.execute(
            f"SELECT c.rowid, {columns} FROM customers c WHERE {self.where} ORDER BY c.rowid "
            f"LIMIT {MAX_SECRET_CANDIDATES + 1}",
            self.params,
        ).fetchall()
        if len(rows) > MAX_SECRET_CANDIDATES:
            raise EditError(
                "Too many customers match to check a PIN or password; narrow the search"
            )
        wanted = list(self.secrets.values())
        rowids = [
            row[0]
            for row in rows
            if all(
                verify_secret(secret, stored)
                for secret, stored in zip(wanted, row[1:], strict=True)
            )
        ]
        marks = ", ".join("?" for _ in rowids) or "NULL"
        return _records(store.conn, f"c.rowid IN ({marks})", rowids, balances)


def _test(column: str, value: str, exact: Exact) -> tuple[str, list[Any]]:
    """One SQL condition on ``column`` and its parameters."""
    if exact == "sensitive":
        return f"{column} = ?", [value]
    folded = value.casefold()
    if exact == "insensitive":
        if folded == value and value.upper() == value:
            # No letters to fold (card numbers, dates): a plain comparison can use the index.
            return f"{column} = ?", [value]
        return f"{_FOLD}({column}) = ?", [folded]
    return f"instr({_FOLD}(coalesce({column}, '')), ?) > 0", [folded]


def _page(
    conn: sqlite3.Connection, search: Search, after: int, balances: bool
) -> list[dict[str, Any]]:
    where = f"({search.where}) AND c.rowid > ?"
    rows = conn.execute(
        f"SELECT c.rowid FROM customers c WHERE {where} ORDER BY c.rowid LIMIT {PAGE}",
        [*search.params, after],
    ).fetchall()
    rowids = [row[0] for row in rows]
    marks = ", ".join("?" for _ in rowids) or "NULL"
    return _records(conn, f"c.rowid IN ({marks})", rowids, balances)


def by_code(store: ReferenceStore, code: str) -> dict[str, Any] | None:
    """One customer's record (no balances), or None."""
    found = _records(store.conn, "c.code = ?", [code], False)
    if not found:
        return None
    record = found[0]
    record.pop("_rowid")
    return record


def _records(
    conn: sqlite3.Connection, where: str, params: list[Any], balances: bool
) -> list[dict[str, Any]]:
    """Records of the customers ``where`` selects, in rowid order (``_rowid`` kept for paging;
    the renderer's caller strips it)."""
    columns = ", ".join(f"c.{name}" for name in CUSTOMER_COLUMNS)
    rows = conn.execute(
        f"SELECT c.rowid, {columns} FROM customers c WHERE {where} ORDER BY c.rowid", params
    ).fetchall()
    records: dict[str, dict[str, Any]] = {}
    for row in rows:
        record = {
            name: "" if value is None else value
            for name, value in zip(CUSTOMER_COLUMNS, row[1:], strict=True)
        }
        record["_rowid"] = row[0]
        records[record["code"]] = record
    if not records:
        return []
    codes = list(records)
    marks = ", ".join("?" for _ in codes)
    values = conn.execute(
        f"SELECT code, field_id, value FROM custom_values WHERE code IN ({marks}) "
        "ORDER BY code, field_id",
        codes,
    )
    for code, field_id, value in values:
        records[code][f"custom_field_{field_id}"] = value
    if balances:
        for record in records.values():
            record["campaigns"] = []  # after the custom fields, so the record reads in order
        found = conn.execute(
            "SELECT b.code, b.campaign_id, c.name, c.type, b.amount, b.item FROM balances b "
            f"JOIN campaigns c USING (campaign_id) WHERE b.code IN ({marks}) "
            "ORDER BY b.code, b.campaign_id, b.item",
            codes,
        )
        for code, campaign_id, name, kind, amount, item in found:
            records[code]["campaigns"].append(
                {
                    "campaign_id": campaign_id,
                    "campaign_name": name,
                    "campaign_type": kind,
                    "balance": amount,
                    "item": item,
                }
            )
    return list(records.values())


def _public(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Records as answered (paging bookkeeping removed)."""
    for record in records:
        record.pop("_rowid", None)
        yield record


def info_campaigns(
    store: ReferenceStore, code: str, only: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """``customer_info``'s campaign list: every campaign the customer is enrolled in or holds a
    balance in, as ``id``/``name``/``type`` with balance, totals, dates, ratios, the rewards
    the balance reaches and, for buy-X, a balance per product (``items``)."""
    conn = store.conn
    rows = conn.execute(
        "SELECT c.campaign_id, c.name, c.type, c.currency, c.points_ratio, c.reward_ratio "
        "FROM campaigns c WHERE c.campaign_id IN (SELECT campaign_id FROM enrolments WHERE "
        "code = ? UNION SELECT campaign_id FROM balances WHERE code = ?) ORDER BY c.rowid",
        (code, code),
    ).fetchall()
    answer: list[dict[str, Any]] = []
    for campaign_id, name, kind, currency, points_ratio, reward_ratio in rows:
        if only and campaign_id not in only:
            continue
        per_item = conn.execute(
            "SELECT item, amount FROM balances WHERE code = ? AND campaign_id = ? ORDER BY item",
            (code, campaign_id),
        ).fetchall()
        balance = sum((Decimal(amount) for _, amount in per_item), Decimal(0))
        earned, first, last = conn.execute(
            "SELECT coalesce(sum(CAST(amount AS REAL)) FILTER (WHERE redeemed = 'N'), 0), "
            "min(date), max(date) FROM transactions WHERE code = ? AND campaign_id = ?",
            (code, campaign_id),
        ).fetchone()
        entry: dict[str, Any] = {
            "id": campaign_id,
            "name": name,
            "type": kind,
            "balance": format_amount(balance),
            "cumulative": format_amount(Decimal(str(earned))),
            "first_transaction": first or "",
            "last_transaction": last or "",
            "currency": currency,
            "points_ratio": points_ratio,
            "reward_ratio": reward_ratio,
        }
        if kind == "buyx":
            entry["items"] = [
                {"item_id": str(n), "name": item, "balance": amount, "earn_ratio": "1"}
                for n, (item, amount) in enumerate(per_item, start=1)
                if item
            ]
        entry["available_rewards"] = [
            {
                "id": reward["id"],
                "needed_to_redeem": reward["level"],
                "description": reward["description"],
            }
            for reward in store.rewards(campaign_id)
            if Decimal(reward["level"]) <= balance
        ]
        answer.append(entry)
    return answer
