"""Read queries of the reference server over its :class:`~kiosk.reference.store.ReferenceStore`.

``customer_search`` (field by field, partial or whole-value, with or without case) and the
customer records that ``customer_search`` and ``customer_info`` return. Hashes never leave
this module: a record holds the code, the card number, the profile fields, ``custom_field_N``
values and, when asked, the balances per campaign.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from kiosk.domain.edit_rules import EditError
from kiosk.domain.fields import CUSTOM_FIELD_NAME, PROFILE_FIELDS
from kiosk.reference.store import ReferenceStore

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
"""Fixed fields ``customer_search`` matches on (api-notes), besides ``custom_field_N``."""
UNSEARCHABLE_FIELDS: tuple[str, ...] = ("customer_PIN", "customer_password")
"""Documented as searchable, left out here: only salted hashes are stored (S9)."""
RECORD_COLUMNS: tuple[str, ...] = ("code", "card_number", *PROFILE_FIELDS)
"""Columns of a returned customer record, in order."""
_FOLD = "kiosk_casefold"
"""The Unicode-aware case-folding SQL function (registered by the store; LIKE folds ASCII only)."""

Exact = Literal["sensitive", "insensitive"] | None


def search(
    store: ReferenceStore, criteria: Mapping[str, str], exact: Exact, *, balances: bool
) -> list[dict[str, Any]]:
    """Customers matching every criterion, oldest first, as response records.

    Raises:
        EditError: a field cannot be searched, or names an undefined custom field.
    """
    clauses: list[str] = []
    params: list[Any] = []
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
        elif name in UNSEARCHABLE_FIELDS:
            raise EditError(f"The reference server cannot search by {name}: it keeps only hashes")
        else:
            raise EditError(f"Cannot search by {name[:40]!r}")
    where = " AND ".join(clauses) or "1"
    return _records(store, f"SELECT c.rowid FROM customers c WHERE {where}", params, balances)


def by_codes(store: ReferenceStore, codes: list[str], *, balances: bool) -> list[dict[str, Any]]:
    """The records of the given customers, oldest first."""
    marks = ", ".join("?" for _ in codes) or "NULL"
    query = f"SELECT c.rowid FROM customers c WHERE c.code IN ({marks})"
    return _records(store, query, list(codes), balances)


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


def _records(
    store: ReferenceStore, rowid_query: str, params: list[Any], balances: bool
) -> list[dict[str, Any]]:
    """Records of the customers whose rowids ``rowid_query`` selects, in three queries."""
    conn = store.conn
    rows = conn.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM customers WHERE rowid IN ({rowid_query}) "
        "ORDER BY rowid",
        params,
    ).fetchall()
    records: dict[str, dict[str, Any]] = {}
    for row in rows:
        pairs = zip(RECORD_COLUMNS, row, strict=True)
        record = {name: "" if value is None else value for name, value in pairs}
        records[record["code"]] = record
    if not records:
        return []
    code_query = f"SELECT code FROM customers WHERE rowid IN ({rowid_query})"
    values = conn.execute(
        f"SELECT code, field_id, value FROM custom_values WHERE code IN ({code_query}) "
        "ORDER BY code, field_id",
        params,
    )
    for code, field_id, value in values:
        records[code][f"custom_field_{field_id}"] = value
    if balances:
        for record in records.values():
            record["campaigns"] = []  # after the custom fields, so the record reads in order
        found = conn.execute(
            "SELECT b.code, b.campaign_id, c.name, c.type, b.amount, b.item FROM balances b "
            f"JOIN campaigns c USING (campaign_id) WHERE b.code IN ({code_query}) "
            "ORDER BY b.code, b.campaign_id, b.item",
            params,
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
