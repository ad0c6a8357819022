"""The central API's catalogue and transaction calls, as a part of :class:`~kiosk.central.
client.CentralClient`: campaigns, rewards and custom fields (what a pull needs), and
``record_activity``, ``redeem``, ``customer_balance`` and ``transaction_delete`` (credits,
redemptions, the history that finds a transaction again by its ``authorization`` tag, and the
undoing of a duplicate, S5).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kiosk.central.answers import NotFound, items
from kiosk.central.records import (
    BalanceHistory,
    Receipt,
    Reward,
    amount,
    campaign_from,
    field_from,
    history_from,
    receipt_from,
    reward_from,
)
from kiosk.domain.fields import Campaign, CustomFieldDef

log = logging.getLogger("kiosk.central.client")

API_VERSION = "1.5"
"""The ``API`` field the PHP wrapper and the hotsite kit send with campaigns_list/manage_fields."""
CAMPAIGN_PAGE = 100
"""Campaigns asked for per ``campaigns_list`` page."""


class LedgerCalls:
    """Calls on campaigns and transactions; the client provides :meth:`_call`."""

    async def _call(
        self, call: str, fields: Mapping[str, str], *, secrets: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        raise NotImplementedError

    async def customer_balance(
        self,
        campaign_id: str,
        *,
        code: str | None = None,
        card_number: str | None = None,
        transactions: int = 50,
    ) -> BalanceHistory:
        """A customer's balance and latest ``transactions`` in one campaign (``customer_balance``).

        Raises:
            ValueError: neither or both of ``code`` and ``card_number`` given.
            NotFound: no such customer.
        """
        if (code is None) == (card_number is None):
            raise ValueError("Give exactly one of code and card_number")
        body = {"campaign_id": campaign_id, "transactions_number": str(transactions)}
        body.update({"code": code} if code is not None else {"card_number": card_number or ""})
        payload = await self._call("customer_balance", body)
        if payload["status"] == "no_match":
            raise NotFound("No customer with this code or card number")
        return history_from(payload)

    async def record_activity(
        self,
        *,
        code: str,
        campaign_id: str,
        amount: str | None = None,
        service_product: str | None = None,
        buyx_quantity: str | None = None,
        promo_id: str | None = None,
        authorization: str | None = None,
    ) -> Receipt:
        """Credit a campaign (``record_activity``): points (``amount`` spent), gift card or earned
        (``amount``), buy-X (``service_product``, ``buyx_quantity``), events (nothing more).
        ``authorization`` is stored with the transaction: the tag to find it again (S5)."""
        body = _present(
            code=code,
            campaign_id=campaign_id,
            amount=amount,
            service_product=service_product,
            buyx_quantity=buyx_quantity,
            promo_id=promo_id,
            authorization=authorization,
        )
        return receipt_from(await self._call("record_activity", body))

    async def redeem(
        self,
        *,
        code: str,
        campaign_id: str,
        reward_to_redeem: str | None = None,
        custom_points_redeem: str | None = None,
        custom_dollars_redeem: str | None = None,
        authorization: str | None = None,
    ) -> Receipt:
        """Redeem (``redeem``): a reward id (points, buy-X, events), an amount (gift card,
        earned), or custom points/dollars; an error when the balance is too low."""
        body = _present(
            code=code,
            campaign_id=campaign_id,
            reward_to_redeem=reward_to_redeem,
            custom_points_redeem=custom_points_redeem,
            custom_dollars_redeem=custom_dollars_redeem,
            authorization=authorization,
        )
        return receipt_from(await self._call("redeem", body))

    async def transaction_delete(self, *, code: str, campaign_id: str, transaction_id: str) -> None:
        """Remove one transaction (``transaction_delete``): how a duplicate credit is undone."""
        body = {"code": code, "campaign_id": campaign_id, "transaction_id": transaction_id}
        await self._call("transaction_delete", body)

    async def list_campaigns(self) -> list[Campaign]:
        """The account's campaigns (``campaigns_list``, page by page); a campaign of a type the
        kiosk does not know is left out (logged), never a reason to fail the pull."""
        campaigns: list[Campaign] = []
        offset = 0
        while True:
            body = {"API": API_VERSION, "offset": str(offset), "length": str(CAMPAIGN_PAGE)}
            payload = await self._call("campaigns_list", body)
            if payload["status"] == "no_match":
                return campaigns
            page = items(payload, "campaigns", "campaign")
            for entry in page:
                campaign = campaign_from(entry)
                if campaign is None:
                    log.warning("campaigns_list: a campaign of an unknown type is left out")
                else:
                    campaigns.append(campaign)
            offset += len(page)
            total = amount(_pagination(payload).get("total"))
            if not page or total is None or offset >= total or len(page) < CAMPAIGN_PAGE:
                return campaigns

    async def campaign_rewards(self, campaign_id: str) -> list[Reward]:
        """The rewards of one campaign (``campaign_rewards``)."""
        payload = await self._call("campaign_rewards", {"campaign_id": campaign_id})
        if payload["status"] == "no_match":
            return []
        return [reward_from(entry) for entry in items(payload, "rewards", "reward")]

    async def list_custom_fields(self) -> list[CustomFieldDef]:
        """The account's custom fields (``manage_fields`` with ``action=list``): the answer's
        ``account{fields[]}`` (or a bare ``fields`` list); fixed fields in it are skipped."""
        payload = await self._call("manage_fields", {"action": "list", "API": API_VERSION})
        if payload["status"] == "no_match":
            return []
        account = payload.get("account")
        source = account if isinstance(account, dict) else payload
        found = (field_from(entry) for entry in items(source, "fields", "field"))
        return [definition for definition in found if definition is not None]


def _present(**fields: str | None) -> dict[str, str]:
    return {name: value for name, value in fields.items() if value is not None}


def _pagination(payload: Mapping[str, Any]) -> dict[str, Any]:
    value = payload.get("pagination")
    return value if isinstance(value, dict) else {}
