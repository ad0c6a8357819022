"""Looking back and looking up at the counter (issue 13 items 5 and 6): history and search.

Provides :class:`LookupDesk`, a part of :class:`kiosk.storage.customer_store.Store`:
:meth:`~LookupDesk.history` (what is still queued for a customer's campaign, then the last
central history the kiosk read, so it works offline), :meth:`~LookupDesk.cache_history` (keeps
such a history; the sync side reads it, :func:`kiosk.sync.history.fetch_history`) and
:meth:`~LookupDesk.search_customers` (by the last 4 digits of a card, part of a phone number or
part of a name, for a customer who forgot the card). Results show cards masked (S8).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from kiosk.domain.edit_rules import format_amount
from kiosk.domain.secrets import mask_card
from kiosk.storage.counter_entries import COST, EXPECTED, WHAT, decimal
from kiosk.storage.database import Database, utc_now, write_transaction
from kiosk.storage.outbox import Outbox

TAG_ROOT = "kiosk:"
"""How this kiosk software's ``authorization`` tags begin (:mod:`kiosk.sync.credits`)."""
_DIGITS = re.compile(r"[0-9]+")
_NON_DIGITS = ("-", " ", "(", ")", "+", ".", "/")


@dataclass(frozen=True)
class HistoryLine:
    """One line of a customer's history in one campaign."""

    when: str
    """ISO date and time (as the central API or the kiosk wrote it)."""
    amount: Decimal
    """In the campaign's unit; what was earned, or what was redeemed (see ``redeemed``)."""
    redeemed: bool
    what: str
    """What for: the reward, ``purchase of 12.50``, the product, or the central note."""
    pending: bool
    """Still queued here (not yet confirmed by the central API)."""


@dataclass(frozen=True)
class CustomerMatch:
    """A customer found by staff without the card."""

    code: str
    name: str
    masked_card: str
    phone_hint: str
    """The last 4 digits of the phone number, ``…0101``, or ""."""


class CentralTransaction(Protocol):
    """One transaction of a central history (the client's ``Transaction``)."""

    @property
    def transaction_id(self) -> str: ...

    @property
    def date(self) -> str: ...

    @property
    def amount(self) -> Decimal | None: ...

    @property
    def redeemed(self) -> bool: ...

    @property
    def authorization(self) -> str: ...

    @property
    def item(self) -> str: ...


class LookupDesk:
    """The store's history and search; see the module docstring."""

    db: Database
    outbox: Outbox

    def history(self, code: str, campaign_id: str, limit: int = 10) -> list[HistoryLine]:
        """The latest ``limit`` lines: what is still queued here (newest first), then the last
        central history read (newest first)."""
        lines = [line for line in self._queued_lines(code, campaign_id)][::-1]
        rows = self.db.conn.execute(
            "SELECT date, amount, redeemed, what FROM history_cache "
            "WHERE code = ? AND campaign_id = ? ORDER BY position LIMIT ?",
            (code, campaign_id, limit),
        )
        for date, amount, redeemed, what in rows:
            lines.append(
                HistoryLine(date, decimal(amount) or Decimal(0), bool(redeemed), what, False)
            )
        return lines[:limit]

    def cache_history(
        self, code: str, campaign_id: str, transactions: Iterable[CentralTransaction]
    ) -> int:
        """Keep a central history (newest first) in place of the one kept before; returns how
        many lines it has."""
        rows = []
        for position, found in enumerate(transactions):
            rows.append(
                (
                    code,
                    campaign_id,
                    position,
                    found.transaction_id,
                    found.date,
                    None if found.amount is None else format_amount(found.amount),
                    int(found.redeemed),
                    self._what(found),
                    utc_now(),
                )
            )
        with write_transaction(self.db):
            self.db.conn.execute(
                "DELETE FROM history_cache WHERE code = ? AND campaign_id = ?", (code, campaign_id)
            )
            self.db.conn.executemany(
                "INSERT INTO history_cache (code, campaign_id, position, transaction_id, date, "
                "amount, redeemed, what, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def search_customers(self, text: str, limit: int = 20) -> list[CustomerMatch]:
        """Customers by the last 4 digits of the card (exactly 4 digits), part of a phone
        number (3 digits or more), or part of a name (2 letters or more, any case); [] for
        anything shorter (too many would match)."""
        wanted = text.strip()
        digits = "".join(_DIGITS.findall(wanted))
        clauses: list[str] = []
        params: list[str] = []
        if digits and len(digits) == len(wanted.replace(" ", "").replace("-", "")):
            phone = "phone"
            for mark in _NON_DIGITS:
                phone = f"replace({phone}, '{mark}', '')"
            if len(digits) == 4:
                clauses.append("substr(card_number, -4) = ?")
                params.append(digits)
            if len(digits) >= 3:
                clauses.append(f"instr({phone}, ?) > 0")
                params.append(digits)
        elif sum(ch.isalpha() for ch in wanted) >= 2:
            like = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append(
                "(first_name LIKE ? ESCAPE '\\' OR last_name LIKE ? ESCAPE '\\' OR "
                "(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) LIKE ? ESCAPE '\\')"
            )
            params.extend([like, like, like])
        if not clauses:
            return []
        rows = self.db.conn.execute(
            "SELECT code, first_name, last_name, card_number, phone FROM customers "
            f"WHERE {' OR '.join(clauses)} ORDER BY last_name, first_name, code LIMIT ?",
            [*params, limit],
        )
        found = []
        for code, first, last, card, phone in rows:
            name = " ".join(part for part in (first, last) if part)
            phone_digits = "".join(_DIGITS.findall(phone or ""))
            hint = f"…{phone_digits[-4:]}" if len(phone_digits) >= 4 else ""
            found.append(CustomerMatch(code, name, mask_card(card or code), hint))
        return found

    def _queued_lines(self, code: str, campaign_id: str) -> list[HistoryLine]:
        """Entries of this customer still queued that move this campaign, oldest first."""
        lines = []
        for entry in self.outbox.undelivered_entries(code):
            request = entry.request
            if request.get("campaign_id") != campaign_id:
                continue
            note = " (waiting for staff)" if entry.state == "attention" else ""
            if entry.action == "redeem":
                cost = decimal(request.get(COST)) or Decimal(0)
                what = request.get(WHAT, "redemption")
                lines.append(HistoryLine(entry.created_at, cost, True, what + note, True))
            elif entry.action == "purchase":
                expected = decimal(request.get(EXPECTED))
                what = f"purchase of {request.get('amount', '?')}"
                if expected is None:
                    what += ", points when the central system answers"
                amount = expected or Decimal(0)
                lines.append(HistoryLine(entry.created_at, amount, False, what + note, True))
            elif "auto_add" in request:
                added = decimal(request["auto_add"])
                what = "added here" if added is not None else request["auto_add"]
                lines.append(
                    HistoryLine(entry.created_at, added or Decimal(1), False, what + note, True)
                )
        return lines

    def _what(self, found: CentralTransaction) -> str:
        """What a central transaction was for: the reward or purchase a kiosk entry of this
        kiosk made, the product, or the note it was sent with."""
        tag = found.authorization.strip()
        if tag.startswith(TAG_ROOT):
            entry = self.outbox.entry(tag.rsplit(":", 1)[-1].split(".", 1)[0])
            if entry is not None and entry.action == "redeem":
                return entry.request.get(WHAT, "redemption")
            if entry is not None and entry.action == "purchase":
                return f"purchase of {entry.request.get('amount', '?')}"
            return found.item or ("redeemed at a kiosk" if found.redeemed else "added at a kiosk")
        return found.item or tag or ("redeemed" if found.redeemed else "earned")
