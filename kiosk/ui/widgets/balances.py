"""A customer's balances: :class:`BalanceBoard`, the main one in large ``Digits``.

The first balance (by campaign) is the main one; buy-X campaigns list one line per product.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Digits, Static

from kiosk.storage.customer_store import BalanceRow

UNITS: dict[str, str] = {"points": "points", "visits": "visits", "dollars": "dollars"}


def balance_line(row: BalanceRow) -> str:
    """One balance as a line of text: ``Coffee club: 12 points``."""
    if row["campaign_type"] == "buyx":
        return f"{row['campaign_name']}: {row['balance']} x {row['item']}"
    unit = UNITS.get(row["campaign_type"], "")
    if row["campaign_type"] == "dollars":
        return f"{row['campaign_name']}: ${row['balance']}"
    return f"{row['campaign_name']}: {row['balance']} {unit}".rstrip()


class BalanceBoard(Vertical):
    """The main balance in ``Digits`` with its caption, then the other balances."""

    def __init__(self, balances: Sequence[BalanceRow], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.balances = list(balances)

    def compose(self) -> ComposeResult:
        if not self.balances:
            yield Static(
                "No points yet: they appear here after your first purchase.",
                classes="balance-line",
            )
            return
        main, *others = self.balances
        caption = balance_line(main).rsplit(":", 1)[0]
        unit = "$" if main["campaign_type"] == "dollars" else ""
        yield Static(caption, id="main-caption")
        with Center():
            yield Digits(f"{unit}{main['balance']}", id="main-balance")
        kind = main["campaign_type"]
        yield Static(main["item"] if kind == "buyx" else UNITS.get(kind, ""), id="main-unit")
        for row in others:
            yield Static(balance_line(row), classes="balance-line")
