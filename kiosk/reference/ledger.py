"""The ledger of the reference server: balances, transactions and rewards.

A mixin of :class:`~kiosk.reference.store.ReferenceStore`: every credit and redemption is a
transaction row (with the ``authorization`` text it was sent with) that moves one balance, so
that ``customer_balance`` can list the history and ``transaction_delete`` can undo one.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from decimal import Decimal

from kiosk.domain.edit_rules import format_amount
from kiosk.reference.schema import utc_now


class Ledger:
    """Balances, transactions and rewards over the store's connection."""

    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (provided by the store)."""
        raise NotImplementedError

    def add_transaction(
        self,
        code: str,
        campaign_id: str,
        amount: Decimal,
        *,
        item: str = "",
        redeemed: bool = False,
        authorization: str = "",
    ) -> tuple[int, Decimal]:
        """Record a transaction and move the balance (call inside :meth:`transaction`).

        Returns the transaction id and the new balance.
        """
        row = self.conn.execute(
            "SELECT amount FROM balances WHERE code = ? AND campaign_id = ? AND item = ?",
            (code, campaign_id, item),
        ).fetchone()
        total = (Decimal(row[0]) if row else Decimal(0)) + (-amount if redeemed else amount)
        self.conn.execute(
            "INSERT INTO balances (code, campaign_id, item, amount) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (code, campaign_id, item) DO UPDATE SET amount = excluded.amount",
            (code, campaign_id, item, format_amount(total)),
        )
        cursor = self.conn.execute(
            "INSERT INTO transactions (code, campaign_id, date, amount, redeemed, item, "
            "authorization) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                code,
                campaign_id,
                utc_now(),
                format_amount(amount),
                "Y" if redeemed else "N",
                item,
                authorization,
            ),
        )
        return int(cursor.lastrowid or 0), total

    def define_reward(self, campaign_id: str, level: Decimal, description: str) -> str:
        """Add a reward to a campaign; returns its id."""
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO rewards (campaign_id, level, description) VALUES (?, ?, ?)",
                (campaign_id, format_amount(level), description),
            )
        return str(cursor.lastrowid)

    def rewards(self, campaign_id: str) -> list[dict[str, str]]:
        """The rewards of one campaign, cheapest first: id, description, level."""
        rows = self.conn.execute(
            "SELECT reward_id, description, level FROM rewards WHERE campaign_id = ? "
            "ORDER BY CAST(level AS REAL), reward_id",
            (campaign_id,),
        )
        return [{"id": str(r[0]), "description": r[1], "level": r[2]} for r in rows]

    def transactions(self, code: str, campaign_id: str, limit: int) -> list[dict[str, str]]:
        """The latest ``limit`` transactions of a customer in a campaign, newest first."""
        rows = self.conn.execute(
            "SELECT id, date, amount, redeemed, item, authorization, user_name FROM transactions "
            "WHERE code = ? AND campaign_id = ? ORDER BY id DESC LIMIT ?",
            (code, campaign_id, limit),
        )
        keys = ("id", "date", "amount", "redeemed", "service_product", "authorization", "user_name")
        return [dict(zip(keys, (str(r[0]), *r[1:]), strict=True)) for r in rows]

    def delete_transaction(self, code: str, campaign_id: str, transaction_id: str) -> bool:
        """Remove one transaction and undo its effect on the balance; False if there is none."""
        with self.transaction():
            row = self.conn.execute(
                "SELECT amount, redeemed, item FROM transactions WHERE id = ? AND code = ? "
                "AND campaign_id = ?",
                (transaction_id, code, campaign_id),
            ).fetchone()
            if row is None:
                return False
            amount_text, redeemed, item = row
            self.conn.execute("DELETE FROM transactions WHERE id = ?", (transaction_id,))
            undo = Decimal(amount_text) if redeemed == "Y" else -Decimal(amount_text)
            self.conn.execute(
                "UPDATE balances SET amount = ? WHERE code = ? AND campaign_id = ? AND item = ?",
                (
                    format_amount(self.balance(code, campaign_id, item) + undo),
                    code,
                    campaign_id,
                    item,
                ),
            )
        return True

    def balance(self, code: str, campaign_id: str, item: str = "") -> Decimal:
        """One balance (0 when the customer has none there)."""
        row = self.conn.execute(
            "SELECT amount FROM balances WHERE code = ? AND campaign_id = ? AND item = ?",
            (code, campaign_id, item),
        ).fetchone()
        return Decimal(row[0]) if row else Decimal(0)
