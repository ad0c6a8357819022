"""In-doubt checks of entries sent with ``record_customer`` (S5): a creation decided by the card
number that was sent, a credit that cannot be tagged decided by its balance (the last resort).

Provides :class:`DoubtChecker`, used by the sync worker. Tagged credits are decided by their tag
instead (:mod:`kiosk.sync.tagged`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kiosk.central.client import CentralClient, CentralCustomer, NotFound
from kiosk.domain.edit_rules import Credit
from kiosk.domain.secrets import mask_card
from kiosk.storage.outbox import CustomerRef, Outbox, OutboxEntry
from kiosk.sync.intent import Attention, Retry, credit_outcome
from kiosk.sync.tagged import Call

SENT_CARD = "card_sent"
"""Key, in an in-doubt entry's saved context, of the card number the request was sent with."""


class DoubtChecker:
    """Looks at the central API to decide an entry whose answer was lost; see the docstring."""

    def __init__(self, queue: Outbox, client: CentralClient, call: Call) -> None:
        self.queue = queue
        self.client = client
        self.call = call

    async def find(
        self, customer: CustomerRef, report: Any, *, card_sent: str | None = None
    ) -> CentralCustomer | None:
        """The central record of a customer: by central code, else by card number (S5): the
        card number a request in doubt was sent with, when there is one."""
        if customer.central_known:
            try:
                return await self.call(report, self.client.customer_info(code=customer.code))
            except Retry:
                raise
            except NotFound:
                return None
        card = card_sent or customer.card_number
        if not card:
            raise Attention(
                "A customer created on this kiosk without a card number may or may not have "
                "reached the central API; check there for a duplicate, then retry or discard"
            )
        found = await self.call(
            report, self.client.customer_search({"card_number": card}, exact_match="sensitive")
        )
        if len(found) > 1:
            raise Attention(
                f"Card {mask_card(card)} belongs to {len(found)} customers at "
                "the central API; give the right customer code, then retry"
            )
        return found[0] if found else None

    async def baseline(
        self, customer: CustomerRef, credit: Credit, report: Any
    ) -> dict[str, Any]:
        """The central balance before a credit is sent, kept to decide a later doubt (S5)."""
        try:
            central = await self.find(customer, report)
        except Attention:
            return {"known": False}
        # "existed": whether the customer was there before; a creation's bonus is then decided
        # by the creation itself (issue 12), not by a balance another till may also move.
        before = _balance(central, credit)
        if before is None:
            return {"known": False, "existed": central is not None}
        return {"known": True, "amount": str(before), "existed": central is not None}

    async def check(
        self,
        entry: OutboxEntry,
        customer: CustomerRef,
        credit: Credit | None,
        report: Any,
    ) -> tuple[str | None, CustomerRef]:
        """Decide an in-doubt entry (S5).

        Returns the central code when it was applied (None when it was not, or when resending
        is harmless) and the customer as it now stands locally; raises Attention when it
        cannot tell.
        """
        if credit is None and customer.central_known:
            return None, customer  # a plain update by central code: resending is harmless
        baseline = entry.credit_baseline or {"known": False}
        central = await self.find(customer, report, card_sent=baseline.get(SENT_CARD))
        if credit is not None and not customer.central_known and baseline.get("existed") is False:
            # This request was to create the customer with a sign-up bonus: the customer now
            # existing by the card that was sent means the creation, bonus included, applied.
            if central is not None:
                return central.code, customer
            return None, customer
        if credit is None:
            if central is not None and entry.action == "new":
                return central.code, customer  # "new" always creates: the customer is its work
            if central is not None:
                # The customer exists there (made by the lost request, or known before): adopt
                # its code so that the resend updates it instead of creating another.
                customer = self.queue.customer(self.queue.adopt_code(customer.code, central.code))
            return None, customer
        if not baseline.get("known"):
            raise Attention(
                "A credit was sent but no answer came, and the balance before it is not known; "
                "check the customer's balance at the central API, then retry or discard"
            )
        now = _balance(central, credit)
        if now is None:
            raise Attention(
                "A credit was sent but no answer came, and the central API did not say the "
                "balance; check the customer's balance there, then retry or discard"
            )
        outcome = credit_outcome(Decimal(baseline["amount"]), now, credit.amount)
        if outcome == "applied" and central is not None:
            return central.code, customer
        if outcome == "not_applied":
            if central is not None:
                customer = self.queue.customer(self.queue.adopt_code(customer.code, central.code))
            return None, customer
        raise Attention(
            "A credit was sent but no answer came, and the central balance has changed by a "
            "different amount since; check it there, then retry or discard"
        )


def _balance(central: CentralCustomer | None, credit: Credit) -> Decimal | None:
    """The central balance a credit goes to: 0 for a customer the API does not have yet, None
    when the answer did not say (unknown, never 0: a credit in doubt would be sent twice)."""
    if central is None:
        return Decimal(0)
    return central.balance(credit.campaign_id, credit.item)
