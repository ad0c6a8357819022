"""Looking back at delivered tagged credits (issue 12, items 3 and 6): :class:`LedgerSweep`.

The check of a doubt decides an entry once, after a settle time longer than a request should
stay in flight. A request held longer still (a proxy that holds it for minutes) lands after the
check, and its copy would stay unnoticed until the next doubt of that customer and campaign;
and a credit someone deletes at the central API would never be noticed at all. So every tagged
credit is looked at again :data:`~kiosk.sync.credits.LOOK_AFTER` after its delivery, and one
that was ever in doubt once more after :data:`~kiosk.sync.credits.LOOK_AGAIN`. One look reads
the customer's history in the campaign (one read for all the credits due there) and:

- deletes every extra copy of this kiosk's tags (audited), as the check of a doubt does;
- when a credit's tag is gone from a history that holds all the customer's transactions there,
  someone deleted the transaction at the central API: the entry goes to needs-attention with a
  plain explanation, for staff to send again (retry, same tag) or to accept (discard). It is
  never re-sent on its own: the owner may have reversed it on purpose;
- a tag absent from a history too long to read whole decides nothing; the look is done;
- a customer gone from the central API took their credits along: nothing is left to look at.

A profile update sent more than once (an attempt failed first: a copy may still be on its way)
is looked at after :data:`~kiosk.sync.credits.LOOK_AFTER` too: where the central record holds
an older value this kiosk sent for a field, and not the newest, the newest is queued again (S3:
the central record ends as the last edit made).

A failed call ends the pass; what was due stays due for the next one. The worker runs a pass
when its queue is idle.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kiosk.central.client import CentralClient, NotFound
from kiosk.central.records import BalanceHistory, CentralCustomer
from kiosk.domain.secrets import mask_card
from kiosk.storage.customer_store import Store
from kiosk.storage.look_back import (
    LookBack,
    deleted_centrally,
    due,
    looked,
    sent_values,
    waiting_fields,
)
from kiosk.storage.records import AuditNote
from kiosk.sync.credits import read_history
from kiosk.sync.intent import Attention, Retry
from kiosk.sync.tagged import HISTORY_FIRST, HISTORY_MAX, Call, TaggedSender

log = logging.getLogger(__name__)


def deleted_message(item: LookBack, code: str, campaign: str) -> str:
    """What staff read about a credit deleted at the central API."""
    transactions = ", ".join(sorted(set(item.transactions.values())))
    return (
        f"What this kiosk sent for customer {mask_card(code)} in {campaign} (a credit, purchase "
        f"or redemption) was applied at the central API "
        f"(transaction {transactions}) and has since been deleted there. If that was meant "
        "(the owner reversed it), discard this entry; to credit it again, retry it."
    )


class LedgerSweep:
    """Looks at delivered tagged credits again; see the module docstring."""

    def __init__(
        self, store: Store, client: CentralClient, call: Call, tagged: TaggedSender,
        clock: Callable[[], float],
    ) -> None:
        self.store = store
        self.client = client
        self.call = call
        self.tagged = tagged
        self.clock = clock

    async def run(self, report: Any) -> int:
        """Look at every credit due; returns how many were looked at."""
        items = due(self.store.db, self.clock())
        groups: dict[tuple[str, str], list[LookBack]] = defaultdict(list)
        for item in items:
            groups[(item.customer_code, item.campaign_id)].append(item)
        done = 0
        for (code, campaign_id), group in groups.items():
            try:
                if campaign_id:
                    await self._look(code, campaign_id, group, report)
                else:
                    await self._look_at_profile(code, group, report)
            except (Retry, Attention) as problem:
                log.info("look back at %s stopped: %s", mask_card(code), problem)
                break
            done += len(group)
        return done

    async def _look_at_profile(self, code: str, group: list[LookBack], report: Any) -> None:
        """Send again the newest value of each field whose older value, sent by this kiosk,
        the central record holds: a copy of an older update landed after the newer one (S3).
        A value nobody here sent (the website's edit) is left alone, and so is a field an
        entry still waiting will send anyway."""
        db = self.store.db
        try:
            central: CentralCustomer = await self.call(
                report, self.client.customer_info(code=code)
            )
        except NotFound:
            for item in group:
                looked(db, replace(item, later=[]), {})
            return
        waiting = waiting_fields(db, code)
        stale: dict[str, str] = {}
        for name in sorted({name for item in group for name in item.fields} - waiting):
            values = sent_values(db, code, name)
            held = central.profile.get(name)
            if held is not None and values and held != values[-1] and held in values[:-1]:
                stale[name] = values[-1]
        if stale:
            fields = ", ".join(sorted(stale))
            self.store.apply_edit(
                {"code": code, **stale},
                audit=AuditNote(
                    "sync",
                    "customer.stale_update_resent",
                    f"{fields} sent again: an older update landed after the newer one",
                ),
            )
            log.warning("an older update of %s landed last; resent %s", mask_card(code), fields)
        for item in group:
            looked(db, item, {})

    async def _look(
        self, code: str, campaign_id: str, group: list[LookBack], report: Any
    ) -> None:
        wanted = [tag for item in group for tag in item.transactions]
        customer = self.store.outbox.customer(code)
        asked = HISTORY_FIRST
        while True:
            try:
                history: BalanceHistory = await self.call(
                    report,
                    self.client.customer_balance(campaign_id, code=code, transactions=asked),
                )
            except NotFound:  # the customer was deleted there: their credits went with them
                for item in group:
                    looked(self.store.db, replace(item, later=[]), item.transactions)
                return
            finding = read_history(history, wanted, self.tagged.prefix, asked)
            if len(finding.found) == len(wanted) or finding.complete or asked >= HISTORY_MAX:
                break
            asked = HISTORY_MAX
        await self.tagged.undo(customer, campaign_id, finding.duplicates, report)
        campaign = self.store.view.campaign(campaign_id)
        name = campaign.name if campaign is not None else f"campaign {campaign_id}"
        for item in group:
            gone = [tag for tag in item.transactions if tag not in finding.found]
            if gone and finding.complete:
                deleted_centrally(self.store.db, item, deleted_message(item, code, name))
                report.needs_attention += 1
                log.warning("credit %s was deleted at the central API", item.entry_id[:8])
                continue
            kept = {tag: finding.found.get(tag, tid) for tag, tid in item.transactions.items()}
            looked(self.store.db, item, kept)
