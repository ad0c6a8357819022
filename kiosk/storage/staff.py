"""Staff actions on the local store: checking staff credentials and audited edits.

Provides :func:`verify_staff_pin`, :func:`verify_staff_card` and :func:`staff_edit`. Every change
staff make through the kiosk goes through :func:`staff_edit`, which applies the edit (and its
outbox entry, S1) and appends an audit row naming the staff identity. The detail never holds a
PIN, a password or a full card number (S8).
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.domain.secrets import verify_secret
from kiosk.storage.customer_store import Store
from kiosk.storage.records import AuditNote, EditResult


def verify_staff_pin(pin: str, staff_pin_hash: str | None) -> bool:
    """Check a typed staff PIN against the configured hash (S9); no hash means no staff mode."""
    return bool(pin) and verify_secret(pin, staff_pin_hash)


def verify_staff_card(card_number: str, staff_card_hash: str | None) -> bool:
    """Check a swiped card against the configured staff card hash, if one is configured."""
    return staff_card_hash is not None and verify_secret(card_number, staff_card_hash)


def staff_edit(
    store: Store, request: Mapping[str, str], *, actor: str, action: str, detail: str
) -> EditResult:
    """Apply one edit on behalf of staff and record it in the audit table, in one transaction.

    Raises:
        EditError: the rules refuse the request; nothing changed.
        StoreError: the database failed.
    """
    return store.apply_edit(request, audit=AuditNote(actor, action, detail))


STAFF_LOCK_KEY = "__staff__"
"""Row of ``pin_locks`` that counts wrong staff PINs (no customer code has underscores)."""


def search_customers(store: Store, text: str, *, limit: int = 20) -> list[dict[str, str]]:
    """Customers whose card, code or phone is ``text``, or whose name starts with it.

    Returns code, card_number, first_name, last_name and phone, ordered by name.
    """
    text = text.strip()
    if not text:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    prefix = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = store.db.conn.execute(
        "SELECT code, card_number, first_name, last_name, phone FROM customers "
        "WHERE card_number = ? OR code = ? OR (? != '' AND phone = ?) "
        "OR last_name LIKE ? ESCAPE '\\' OR first_name LIKE ? ESCAPE '\\' "
        "OR (first_name || ' ' || last_name) LIKE ? ESCAPE '\\' "
        "ORDER BY last_name, first_name LIMIT ?",
        (text, text, digits, text, prefix, prefix, prefix, limit),
    )
    keys = ("code", "card_number", "first_name", "last_name", "phone")
    return [dict(zip(keys, row, strict=True)) for row in rows]
