"""Delivery of the counter's redemptions and purchases (issue 13), exactly once by their tags.

Provides :class:`CounterSender`, used by the sync worker for outbox entries of action
``redeem`` (sent with ``redeem``: a reward id, custom points, or a money amount) and
``purchase`` (sent with ``record_activity`` and the money ``amount``). Each carries its
entry's ``authorization`` tag and is sent, checked in doubt and undone when duplicated by
:class:`kiosk.sync.tagged.TaggedSender`, like a tagged credit; a redemption's tag is looked for
among the customer's redemptions (``redeemed=Y``).

The receipt's balance becomes the local one (plus what is still queued for that customer): a
purchase shows the points the central API computed, not the kiosk's expectation. A redemption
the central API refuses (another counter spent the points meanwhile) goes to staff with the
customer, the reward and the shortfall in plain words; it is never sent again by itself (staff
may retry or discard it), and its deduction is given back to the local balance
(:mod:`kiosk.storage.counter_entries`).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from kiosk.central.client import CentralClient, CentralError
from kiosk.domain.rewards import format_amount_in_unit
from kiosk.domain.secrets import mask_card
from kiosk.storage.counter_entries import COST, ITEM, WHAT, decimal
from kiosk.storage.customer_store import Store
from kiosk.storage.outbox import CustomerRef, OutboxEntry
from kiosk.storage.refresh import reconcile_balance
from kiosk.sync.credits import Activity, entry_tag
from kiosk.sync.intent import Attention, Retry
from kiosk.sync.tagged import TAG_PREFIX, Call, TaggedSender

log = logging.getLogger(__name__)

REDEEM_FIELDS = ("reward_to_redeem", "custom_points_redeem")
"""The request keys of a redemption that are sent (the rest is for the kiosk itself)."""


class CounterSender:
    """Sends redemptions and purchases; see the module docstring."""

    def __init__(
        self, store: Store, client: CentralClient, call: Call, tagged: TaggedSender
    ) -> None:
        self.store = store
        self.client = client
        self.call = call
        self.tagged = tagged

    async def deliver(self, entry: OutboxEntry, report: Any) -> None:
        """Send one counter entry (or decide its doubt) and reconcile the local balance.

        Raises:
            Retry: not decided yet (the worker tries again).
            Attention: refused, or undecidable; the message is for staff.
        """
        customer = self.store.outbox.customer(entry.customer_code)
        if not customer.central_known:
            raise Attention(
                f"{self._who(customer)} is not known to the central system yet, so this "
                f"{'redemption' if entry.action == 'redeem' else 'purchase'} cannot be sent; "
                "retry once the registration is delivered, or discard it",
                refused=True,
            )
        campaign_id = entry.request.get("campaign_id", "")
        # In doubt, the tag is the one that was sent (the store or kiosk may be renamed since).
        saved = (entry.credit_baseline or {}).get(TAG_PREFIX) if entry.in_doubt else None
        prefix = saved if isinstance(saved, str) and saved else self.tagged.prefix
        tag = entry_tag(prefix, entry.entry_id)
        redeem = entry.action == "redeem"
        if redeem:
            fields = {k: entry.request[k] for k in REDEEM_FIELDS if entry.request.get(k)}
            activity = Activity(tag, fields, redeem=True)
        else:
            activity = Activity(tag, {"amount": entry.request.get("amount", "")})
        try:
            receipt = await self.tagged.deliver(
                entry, customer, campaign_id, [activity], report, prefix=prefix
            )
        except Attention as problem:
            if redeem and problem.refused:
                message = await self._refusal(entry, customer, str(problem), report)
                raise Attention(message, refused=True) from None
            raise
        item = entry.request.get(ITEM, "") if redeem else ""
        if receipt is not None and receipt.balance is not None:
            local = reconcile_balance(
                self.store.outbox, self.store.view, customer.code, campaign_id, item,
                receipt.balance,
            )
            log.info("counter entry %s delivered; local balance %s", entry.entry_id[:8], local)

    async def _refusal(
        self, entry: OutboxEntry, customer: CustomerRef, reason: str, report: Any
    ) -> str:
        """The plain sentence for staff: whose redemption, of what, and how much was missing
        (read from the central balance when it answers)."""
        campaign_id = entry.request.get("campaign_id", "")
        campaign = self.store.campaign(campaign_id)
        kind = campaign.kind if campaign is not None else "points"
        currency = campaign.currency if campaign is not None else None
        item = entry.request.get(ITEM, "")
        cost = decimal(entry.request.get(COST)) or Decimal(0)
        what = entry.request.get(WHAT, "redemption")
        unit = format_amount_in_unit(kind, cost, currency, item=item)
        head = f"{self._who(customer)}'s '{what}' ({unit}) was refused by the central system"
        left = await self._central_balance(customer.code, campaign_id, item, report)
        if left is not None and left < cost:
            remaining = format_amount_in_unit(kind, max(left, Decimal(0)), currency, item=item)
            short = format_amount_in_unit(kind, cost - max(left, Decimal(0)), currency, item=item)
            return (
                f"{head}: only {remaining} were left ({short} short). Nothing was redeemed; "
                "the amount is back in the balance here. Discard it, or redeem less."
            )
        return (
            f"{head} ({reason.removeprefix('The central API refused this change: ')}). "
            "Nothing was redeemed; the amount is back in the balance here. Discard it, or "
            "retry once the cause is fixed."
        )

    async def _central_balance(
        self, code: str, campaign_id: str, item: str, report: Any
    ) -> Decimal | None:
        try:
            central = await self.call(report, self.client.customer_info(code=code))
        except (Retry, Attention, CentralError) as problem:
            log.info("balance of %s not read after a refusal: %s", mask_card(code), problem)
            return None
        found: Decimal | None = central.balance(campaign_id, item)
        return found

    def _who(self, customer: CustomerRef) -> str:
        names = self.store.customer_names([customer.code])
        name = names.get(customer.code)
        if name is not None and name.full_name:
            return name.full_name
        return f"Customer {mask_card(customer.card_number or customer.code)}"

