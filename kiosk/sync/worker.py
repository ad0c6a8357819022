"""The sync worker: delivers the outbox to the central API, exactly once in effect (S2-S6).

One coroutine per customer delivers that customer's entries strictly in order (S3); up to
``concurrency`` customers are served at once. Before each send that could duplicate or credit
twice the entry is marked in doubt in the database; a definitive answer clears it. A credit on a
customer the central API knows is sent as ``record_activity`` with its own ``authorization`` tag
(:mod:`kiosk.sync.tagged`); the rest as ``record_customer``. An entry found in doubt (no answer
came, or the kiosk was killed mid-send) is not resent blindly: after a settle time longer than a
request can stay in flight, the worker asks the central API what happened (S5): by the tag in
the history, by card number for a creation (:mod:`kiosk.sync.balance_check`), or by the balance
for a credit it cannot tag. What cannot be decided goes to the needs-attention list with the
reason."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from kiosk.central.client import (
    ApiError,
    CentralClient,
    CentralError,
    UnknownOutcome,
    Unreachable,
)
from kiosk.domain.api_messages import is_account_problem
from kiosk.domain.edit_rules import Credit, EditError, credit_of
from kiosk.domain.fields import PROFILE_FIELDS
from kiosk.domain.secrets import mask_card
from kiosk.storage.counter_entries import COUNTER_ACTIONS
from kiosk.storage.customer_store import Store
from kiosk.storage.look_back import profile_look_plan
from kiosk.storage.outbox import CustomerRef, OutboxEntry
from kiosk.storage.refresh import RefreshCounts, refresh_customers
from kiosk.storage.sync_state import record_contact
from kiosk.sync.balance_check import SENT_CARD, DoubtChecker
from kiosk.sync.counter import CounterSender
from kiosk.sync.credits import Activity, entry_tag, plan_activities, tag_prefix
from kiosk.sync.intent import Attention as _Attention
from kiosk.sync.intent import (
    Backoff,
    Undeliverable,
    prepare_request,
)
from kiosk.sync.intent import Retry as _Retry
from kiosk.sync.sweep import LedgerSweep
from kiosk.sync.tagged import SENT_AT, TAG_PREFIX, TAGGED, TaggedSender

log = logging.getLogger(__name__)

SETTLE_FACTOR = 3.0
"""The settle time of a request in doubt is this many times the client's deadline: past it, a
request held by a slow proxy has landed or never will (issue 12 scenario 3)."""
CONTACT_WRITE_SECONDS = 5.0
"""While the state of the line does not change, the time of last contact is written this often."""


@dataclass
class SyncReport:
    """What one drain did."""

    delivered: int = 0
    needs_attention: int = 0
    retried: int = 0
    checks: int = 0
    """In-doubt checks made (S5)."""
    requests: int = 0
    """HTTP calls made, checks included."""
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for ``kiosk sync once``."""
        return (
            f"delivered {self.delivered}, needs attention {self.needs_attention}, "
            f"retries {self.retried}, in-doubt checks {self.checks}, requests {self.requests}"
        )


class SyncWorker:
    """Drains one store's outbox through one client; see the module docstring."""

    def __init__(
        self,
        store: Store,
        client: CentralClient,
        *,
        concurrency: int = 4,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] | None = None,
        store_name: str = "",
        kiosk_id: str | None = None,
        settle_seconds: float | None = None,
    ) -> None:
        """``store_name`` and ``kiosk_id`` (default: the host name) go into each credit's tag;
        ``settle_seconds`` (default: :data:`SETTLE_FACTOR` times the client's deadline) is how
        long a request in doubt is left to land before it is checked."""
        self.store = store
        self.queue = store.outbox
        self.client = client
        self.concurrency = max(1, concurrency)
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self.clock: Callable[[], float] = clock or store.clock.now
        """Kiosk-clock seconds (:mod:`kiosk.storage.clock`): retries, heartbeat and contact
        writes are timed on it, so a jump of the wall clock neither stalls nor storms them."""
        self._wake = asyncio.Event()
        self._line_down_until = 0.0
        """Kiosk time before which no new entry is tried: a request found the central API
        unreachable (each entry trying for itself cost a request and a commit per customer:
        with a week of queue that kept a core busy; issue 15)."""
        self._line_failures = 0
        self._last_contact: tuple[bool, str] | None = None
        self._last_contact_write = 0.0
        if settle_seconds is None:
            settle_seconds = SETTLE_FACTOR * float(getattr(client, "timeout", 10.0))
        self.settle_seconds = settle_seconds
        self.tag_prefix = tag_prefix(store_name or "shop", kiosk_id or socket.gethostname())
        self.checker = DoubtChecker(self.queue, client, self._call)
        self.tagged = TaggedSender(
            self.queue,
            client,
            self._call,
            prefix=self.tag_prefix,
            settle_seconds=settle_seconds,
            clock=self.clock,
            reach=self._reach,
        )
        self.sweep = LedgerSweep(store, client, self._call, self.tagged, self.clock)
        self.counter = CounterSender(store, client, self._call, self.tagged)

    def wake(self) -> None:
        """Tell a waiting worker that new entries were queued (call on the loop's thread)."""
        self._wake.set()

    async def drain(self, *, max_wait: float = 0.0) -> SyncReport:
        """Deliver until nothing is pending, or until the next retry is more than ``max_wait``
        seconds away. Returns what was done."""
        report = SyncReport()
        in_flight: dict[str, asyncio.Task[None]] = {}
        # Entries whose retry falls after the horizon wait for a later drain: a pass ends.
        horizon = self.clock() + max_wait
        try:
            while True:
                room = self.concurrency - len(in_flight)
                if room > 0 and self.clock() >= self._line_down_until:
                    now = min(self.clock(), horizon)
                    for entry in self.queue.ready(limit=room, exclude=set(in_flight), now=now):
                        in_flight[entry.customer_code] = asyncio.create_task(
                            self._attempt(entry, report)
                        )
                if in_flight:
                    done, _ = await asyncio.wait(
                        in_flight.values(), return_when=asyncio.FIRST_COMPLETED, timeout=1.0
                    )
                    for code, task in list(in_flight.items()):
                        if task in done:
                            del in_flight[code]
                            task.result()
                    continue
                due = self._next_try()
                if due is None or due > horizon:
                    return report
                await asyncio.sleep(max(0.0, due - self.clock()))
        finally:
            for task in in_flight.values():
                task.cancel()
            if in_flight:
                await asyncio.gather(*in_flight.values(), return_exceptions=True)

    async def run_forever(
        self, stop: asyncio.Event, *, idle_poll: float = 2.0, heartbeat: float = 30.0
    ) -> None:
        """Drain, then wait for new entries or the next retry, until ``stop`` is set.

        When a pass sent nothing and the last heartbeat is ``heartbeat`` seconds old, a harmless
        call keeps the online indicator true to the line's state even with an empty queue.
        """
        last_beat = -heartbeat
        while not stop.is_set():
            try:
                report = await self.drain(max_wait=0.0)
                if report.requests == 0 and self.clock() - last_beat >= heartbeat:
                    last_beat = self.clock()
                    await self._heartbeat()
                if report.requests == 0:
                    await self.sweep.run(report)
            except Exception:  # never let one bad entry stop the shop's sync
                log.exception("sync pass failed; trying again shortly")
            due = self._next_try()
            timeout = idle_poll if due is None else min(idle_poll, max(0.0, due - self.clock()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(stop.wait(), self._wake.wait()), timeout)

    def _next_try(self) -> float | None:
        """When the next entry may be tried: its retry time, not before the line is probed."""
        due = self.queue.next_due()
        return None if due is None else max(due, self._line_down_until)

    def _contact(self, *, ok: bool, failure: str = "") -> None:
        """Record contact with the central API, writing only when the state changes or every
        few seconds: a commit per request would cost a disk flush on the hot path."""
        now = self.clock()
        if ok:
            self._line_failures, self._line_down_until = 0, 0.0
        state = (ok, failure if not ok else "")
        if state != self._last_contact or now - self._last_contact_write >= CONTACT_WRITE_SECONDS:
            record_contact(self.store.db, ok=ok, failure=failure, at=now)
            self._last_contact, self._last_contact_write = state, now

    async def _reach(self, report: SyncReport) -> None:
        """Unless the central API was last seen answering, ask it something harmless first:
        a failure then leaves the entry exactly as it was (raises the worker's Retry)."""
        if self._last_contact is not None and self._last_contact[0]:
            return
        await self._call(report, self.client.ping())

    async def _heartbeat(self) -> None:
        """Record whether the central API answers, without changing anything there."""
        try:
            await self.client.ping()
        except (Unreachable, UnknownOutcome) as error:
            self._contact(ok=False, failure=_short(error))
        except CentralError as error:
            # It answers, but refuses us (a wrong key, say): not a working line for the shop.
            self._contact(ok=False, failure=f"refused: {_short(error)}")
            log.warning("central API answered the heartbeat with an error: %s", _short(error))
        else:
            self._contact(ok=True)

    async def _attempt(self, entry: OutboxEntry, report: SyncReport) -> None:
        """One attempt at one entry; every outcome is persisted before returning."""
        try:
            await self._deliver(entry, report)
        except _Retry as retry:
            report.retried += 1
            # Every failed attempt counts, so that the wait grows even when the failure came
            # before the send (a check or a balance read that got no answer).
            retry_at = self.clock() + self.backoff.delay(entry.attempts + 1, self.rng)
            if retry.not_before is not None:
                retry_at = max(retry_at, retry.not_before)
            self.queue.retry_later(entry, retry_at, str(retry), in_doubt=retry.in_doubt)
        except (Undeliverable, _Attention) as problem:
            report.needs_attention += 1
            refused = isinstance(problem, _Attention) and problem.refused
            self.queue.needs_attention(entry, str(problem), refused=refused)
            log.warning("entry %s needs attention: %s", entry.entry_id[:8], problem)
            if refused and entry.action in COUNTER_ACTIONS:
                # The refused redemption's deduction is back; show the central balance beside
                # what is still queued (another counter may have spent it, issue 13).
                await self._refresh_balances(entry.customer_code, report)

    async def _deliver(self, entry: OutboxEntry, report: SyncReport) -> None:
        if entry.action in COUNTER_ACTIONS:  # a redemption or purchase (issue 13)
            await self.counter.deliver(entry, report)
            if entry.in_doubt:
                await self._refresh_balances(entry.customer_code, report)
            return
        customer = self.queue.customer(entry.customer_code)
        credit = self._credit(entry)
        prefix = self._sent_prefix(entry)
        activities = self._activities(entry, customer, credit, prefix)
        if credit is not None and activities is not None:
            await self.tagged.deliver(
                entry, customer, credit.campaign_id, activities, report, prefix=prefix
            )
            if entry.in_doubt:
                await self._refresh_balances(customer.code, report)
            return
        doubt = entry.in_doubt
        if doubt:
            self.tagged.settled(entry)
        try:
            if doubt:
                report.checks += 1
                applied_code, customer = await self.checker.check(entry, customer, credit, report)
                if applied_code is not None:
                    self.queue.delivered(entry, customer.code, applied_code)
                    report.delivered += 1
                    if credit is not None:
                        await self._refresh_balances(applied_code, report)
                    return
                doubt = False  # the check showed it was not applied: a resend is safe
            fields = prepare_request(entry.request, customer, local_status=entry.local_status)
            baseline = None
            if credit is not None:
                baseline = await self.checker.baseline(customer, credit, report)
        except _Retry as retry:
            # Failures before the send leave the entry exactly as in doubt as it was.
            raise _Retry(str(retry), in_doubt=doubt) from None
        if credit is not None or not customer.central_known:
            # Only where a blind resend could duplicate or double-credit is the doubt written
            # down before sending; a plain update by central code is simply sent again. The
            # card number sent is kept with it: a later check must look for that card, not the
            # one the customer has by then (a replaced card, issue 12 scenario 1).
            sent = {SENT_CARD: fields["card_number"]} if fields.get("card_number") else {}
            self.queue.begin_send(entry, {**(baseline or {}), **sent, SENT_AT: self.clock()})
        action: Literal["new", "edit"] = "new" if entry.action == "new" else "edit"
        try:
            response = await self._call(report, self.client.record_customer(fields, action=action))
        except _Attention as problem:
            raise _Attention(str(problem), refused=True) from None
        generated = response.card_number if "card_number_generate" in fields else None
        self.queue.delivered(
            entry, customer.code, response.code, generated, look_back=self._profile_look(entry)
        )
        report.delivered += 1
        if credit is not None and entry.in_doubt:
            await self._refresh_balances(response.code, report)

    async def _refresh_balances(self, code: str, report: SyncReport) -> None:
        """After a credit's doubt is decided, show the central balance plus what is still
        queued: a pull meanwhile may have left the credit out (issue 12). Best effort: the
        next pull corrects anything this misses."""
        try:
            central = await self._call(report, self.client.customer_info(code=code))
        except (_Retry, _Attention, CentralError) as problem:
            log.info("balance of %s not refreshed after a doubt: %s", mask_card(code), problem)
            return
        refresh_customers(self.queue, self.store.view, [central], RefreshCounts())

    def _profile_look(self, entry: OutboxEntry) -> str | None:
        """A look back at a profile update sent more than once (a copy of an earlier attempt
        may land after a newer update): :mod:`kiosk.sync.sweep`."""
        fields = [name for name in entry.request if name in PROFILE_FIELDS]
        if entry.action != "edit" or entry.attempts == 0 or not fields:
            return None
        return profile_look_plan(fields, [self.clock() + self.tagged.look_after[0]])

    def _sent_prefix(self, entry: OutboxEntry) -> str:
        """The tag prefix of the entry's last send when it is in doubt (the store or kiosk may
        have been renamed since), else this kiosk's."""
        saved = (entry.credit_baseline or {}).get(TAG_PREFIX) if entry.in_doubt else None
        return saved if isinstance(saved, str) and saved else self.tag_prefix

    def _activities(
        self, entry: OutboxEntry, customer: CustomerRef, credit: Credit | None, prefix: str
    ) -> list[Activity] | None:
        """The tagged calls for a credit on a customer the central API knows, or None to send
        the entry as a ``record_customer`` request (see :func:`plan_activities`)."""
        if credit is None or not customer.central_known:
            return None
        if entry.in_doubt and not (entry.credit_baseline or {}).get(TAGGED):
            return None  # first sent with auto_add (before an upgrade): its balance decides it
        campaign = self.store.view.campaign(credit.campaign_id)
        kind = campaign.kind if campaign is not None else None
        ratio = campaign.points_ratio if campaign is not None else None
        tag = entry_tag(prefix, entry.entry_id)
        return plan_activities(entry.request, kind, credit, tag, ratio)

    def _credit(self, entry: OutboxEntry) -> Credit | None:
        if "auto_add" not in entry.request:
            return None
        try:
            return credit_of(entry.request, self.store.view)
        except EditError as problem:
            raise _Attention(f"The credit can no longer be checked locally: {problem}") from None

    async def _call(self, report: SyncReport, call: Any) -> Any:
        """Await one client call, sorting its failure into retry, doubt or attention."""
        report.requests += 1
        try:
            result = await call
        except Unreachable as error:
            self._contact(ok=False, failure=_short(error))
            # Never sent: the line is down. The other entries wait for the next try, with a
            # backoff of its own, instead of each failing (and writing) in turn.
            self._line_failures += 1
            delay = self.backoff.delay(self._line_failures, self.rng)
            self._line_down_until = max(self._line_down_until, self.clock() + delay)
            raise _Retry(f"central API unreachable: {_short(error)}", in_doubt=False) from None
        except UnknownOutcome as error:
            self._contact(ok=False, failure=_short(error))
            # It may still be in flight (a slow proxy): look at it only once it has settled.
            raise _Retry(
                f"no usable answer: {_short(error)}",
                in_doubt=True,
                not_before=self.clock() + self.settle_seconds,
            ) from None
        except ApiError as error:
            self._contact(ok=True)
            if is_account_problem(error.message):
                raise _Retry(
                    f"central API refused the account: {error.message}", in_doubt=True
                ) from None
            raise _Attention(f"The central API refused this change: {error.message}") from None
        self._contact(ok=True)
        return result

def _short(error: CentralError) -> str:
    text = str(error) or type(error).__name__
    return text[:200]


async def _first(*waits: Any) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
