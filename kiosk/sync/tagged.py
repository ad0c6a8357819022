"""Delivery of tagged credits (issue 12, S5): ``record_activity`` with an ``authorization`` tag,
and the decision of a lost answer by finding the tag in ``customer_balance`` history.

Provides :class:`TaggedSender`, used by the sync worker for an entry that
:func:`kiosk.sync.credits.plan_activities` translates. The pure parts (tags, translation, reading
a history) are in :mod:`kiosk.sync.credits`; this module makes the calls and records outcomes.

In doubt, the entry is not looked at before the settle time has passed since its send (longer
than a request can stay in flight), so an original still on its way cannot land after the check.
Then: every tag found is applied (its transaction id is recorded); a tag absent from a history
that holds all the customer's transactions in the campaign was not applied and is sent again with
the same tag; absent from a history too long to read whole, the entry goes to staff. Any tag of
this kiosk found more than once (an original that landed after its resend all the same) is undone
with ``transaction_delete``, audited.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from kiosk.central.client import CentralClient, NotFound
from kiosk.central.records import BalanceHistory, Receipt
from kiosk.domain.secrets import mask_card
from kiosk.storage.look_back import look_back_plan
from kiosk.storage.outbox import CustomerRef, Outbox, OutboxEntry
from kiosk.sync.credits import LOOK_AFTER, LOOK_AGAIN, Activity, read_history
from kiosk.sync.intent import Attention, Retry

log = logging.getLogger(__name__)

SENT_AT = "sent_at"
"""Key, in an in-doubt entry's saved context, of the time its (last) send began."""
TAGGED = "tagged"
"""Key, in the saved context, marking a send made with tags (an entry first sent with
``auto_add`` before an upgrade keeps being decided by its balance)."""
TAG_PREFIX = "tag_prefix"
"""Key, in the saved context, of the tag prefix the send used. A doubt is decided by the tags
that were sent: the owner may rename the store or the kiosk (or the host) meanwhile, and a tag
made from the new names would be missing from the history and the credit sent twice."""
HISTORY_FIRST = 50
"""Transactions read first; most customers have fewer in a campaign, so one read is whole."""
HISTORY_MAX = 500
"""Transactions read when the first read was full (the most the reference server lists)."""

Call = Callable[[Any, Awaitable[Any]], Awaitable[Any]]
"""The worker's ``_call(report, awaitable)``: sorts a failure into Retry or Attention."""


class TaggedSender:
    """Sends and decides tagged credits; see the module docstring."""

    def __init__(
        self,
        queue: Outbox,
        client: CentralClient,
        call: Call,
        *,
        prefix: str,
        settle_seconds: float,
        clock: Callable[[], float],
        reach: Callable[[Any], Awaitable[None]] | None = None,
    ) -> None:
        self.reach = reach
        """Makes sure the central API answers before a send is begun (the worker's, which
        pings only when the line was not last seen up): a send begun to a dead line would
        mark the backup copy "sent since" and put the entry in doubt for nothing."""
        self.queue = queue
        self.client = client
        self.call = call
        self.prefix = prefix
        self.settle_seconds = settle_seconds
        self.clock = clock
        self.look_after = (LOOK_AFTER, LOOK_AGAIN)
        """Seconds after a delivery to look at its transactions again: every credit at the
        first, one that was ever in doubt at the second too (:mod:`kiosk.sync.sweep`)."""

    def settled(self, entry: OutboxEntry) -> None:
        """Raise Retry until the settle time since the entry's send has passed."""
        sent_at = (entry.credit_baseline or {}).get(SENT_AT)
        if isinstance(sent_at, (int, float)) and self.clock() < sent_at + self.settle_seconds:
            raise Retry(
                "waiting for a request that may still be in flight to land before checking it",
                in_doubt=True,
                not_before=sent_at + self.settle_seconds,
            )

    async def deliver(
        self,
        entry: OutboxEntry,
        customer: CustomerRef,
        campaign_id: str,
        activities: list[Activity],
        report: Any,
        *,
        prefix: str | None = None,
    ) -> Receipt | None:
        """Send the activities not yet applied, and record the entry delivered with their ids.
        Returns the receipt of the last call sent (None when every one was found applied).

        ``prefix`` is the one the activities' tags were made with (default: this kiosk's);
        it is saved with the send and used to read the history. An activity marked ``redeem``
        is sent with ``redeem`` (issue 13), the rest with ``record_activity``.
        """
        prefix = prefix or self.prefix
        done: dict[str, str] = {}
        last: Receipt | None = None
        if entry.in_doubt:
            report.checks += 1
            self.settled(entry)
            try:
                done = await self.check(
                    customer, campaign_id, [a.tag for a in activities], report, prefix=prefix,
                    what="redemption" if any(a.redeem for a in activities) else "credit",
                )
            except Retry as retry:  # a failed look-up: still in doubt, no new settle time
                raise Retry(str(retry), in_doubt=True) from None
        pending = [a for a in activities if a.tag not in done]
        if pending:
            if self.reach is not None:
                try:
                    await self.reach(report)
                except Retry as retry:  # nothing left: as in doubt as it was
                    raise Retry(str(retry), in_doubt=entry.in_doubt or bool(done)) from None
            self.queue.begin_send(
                entry, {SENT_AT: self.clock(), TAGGED: True, TAG_PREFIX: prefix}
            )
            for activity in pending:
                send = self.client.redeem if activity.redeem else self.client.record_activity
                try:
                    receipt: Receipt = await self.call(
                        report,
                        send(
                            code=customer.code,
                            campaign_id=campaign_id,
                            authorization=activity.tag,
                            **activity.fields,
                        ),
                    )
                except Retry as retry:
                    # Units already applied keep the entry in doubt whatever this failure was.
                    raise Retry(
                        str(retry), in_doubt=retry.in_doubt or bool(done),
                        not_before=retry.not_before,
                    ) from None
                except Attention as problem:
                    # Refused: this unit was not applied; earlier ones were (they stay in doubt).
                    raise Attention(str(problem), refused=not done) from None
                done[activity.tag] = receipt.transaction_id
                last = receipt
        now = self.clock()
        after, again = self.look_after
        looks = [now + after, now + again] if entry.in_doubt else [now + after]
        self.queue.delivered(
            entry, customer.code, customer.code, transactions=done,
            look_back=look_back_plan(done, looks),
        )
        report.delivered += 1
        return last

    async def check(
        self,
        customer: CustomerRef,
        campaign_id: str,
        wanted: list[str],
        report: Any,
        *,
        prefix: str | None = None,
        what: str = "credit",
    ) -> dict[str, str]:
        """The wanted tags found applied (tag -> transaction id), after undoing duplicates of
        ``prefix``'s tags (default: this kiosk's).

        Raises:
            Attention: a tag is absent from a history too long to read whole, or the customer
                is gone from the central API.
        """
        asked = HISTORY_FIRST
        while True:
            try:
                history: BalanceHistory = await self.call(
                    report,
                    self.client.customer_balance(
                        campaign_id, code=customer.code, transactions=asked
                    ),
                )
            except NotFound:
                raise Attention(
                    f"A {what} was sent to customer {mask_card(customer.code)} but "
                    "no answer "
                    "came, and the central API no longer knows the customer; check there, then "
                    "retry or discard"
                ) from None
            finding = read_history(history, wanted, prefix or self.prefix, asked)
            await self.undo(customer, campaign_id, finding.duplicates, report)
            if len(finding.found) == len(wanted) or finding.complete:
                return finding.found
            if asked >= HISTORY_MAX:
                raise Attention(
                    f"A {what} was sent but no answer came, and the customer's last "
                    f"{asked} "
                    "transactions in this campaign do not reach back to it, so the central API "
                    "cannot say whether it was applied; look for its tag "
                    f"({wanted[0]}) in the customer's history there, then retry or discard"
                )
            asked = HISTORY_MAX

    async def undo(
        self, customer: CustomerRef, campaign_id: str, duplicates: list[tuple[str, str]],
        report: Any,
    ) -> None:
        """Delete extra copies of this kiosk's tags, each audited; a failure is left for the
        next check (another till of the same kiosk name may have deleted it first)."""
        for tag, transaction_id in duplicates:
            try:
                await self.call(
                    report,
                    self.client.transaction_delete(
                        code=customer.code, campaign_id=campaign_id, transaction_id=transaction_id
                    ),
                )
            except Attention as problem:
                log.info("duplicate %s not deleted: %s", transaction_id, problem)
                continue
            self.queue.audit(
                "outbox.duplicate_undone",
                f"tag {tag}: duplicate transaction {transaction_id} in campaign {campaign_id} "
                "deleted at the central API",
            )
            log.warning("undid duplicate transaction %s of tag %s", transaction_id, tag)

