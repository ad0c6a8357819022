"""Tagged credits (issue 12, S5): pure decisions, no I/O.

A credit the kiosk queued on a customer the central API knows is sent with ``record_activity``
carrying an ``authorization`` tag made from the entry itself, so that a lost answer is decided by
finding the tag in the customer's ``customer_balance`` history rather than by comparing balances
(which cannot tell our credit from another till's or the website's). Provides:

- :func:`tag_prefix` and :func:`entry_tag`: the tag, ``kiosk:<store-slug>:<kiosk-id>:<entry>``,
  derived from the entry id, so no column or migration is needed and a restart derives it again;
- :func:`plan_activities`: the ``record_activity`` calls a queued credit becomes, by campaign
  type, or None when it must be sent as today (``auto_add`` on ``record_customer``);
- :func:`read_history`: what a history says about our tags (found, duplicated, complete).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from kiosk.central.records import BalanceHistory
from kiosk.domain.edit_rules import Credit, format_amount
from kiosk.domain.fields import COUNT_KINDS, MONEY_KINDS
from kiosk.domain.rewards import points_to_amount

TAG_ROOT = "kiosk"
"""First word of every tag this kiosk software writes (the owner sees it in reports)."""
ENTRY_ID_CHARS = 16
"""Characters of the entry id in a tag: 64 random bits, unique among a shop's entries."""
PART_LIMIT = 40
"""The store slug and kiosk id are cut to this many characters each: a tag stays well under
the 255 characters the reference server keeps (the real field's size is not documented)."""
LOOK_AFTER = 600.0
"""Seconds after its delivery that a tagged credit is looked at again at the central API (a copy
held past the settle time lands by then; a deletion there shows): :mod:`kiosk.sync.sweep`."""
LOOK_AGAIN = 6 * 3600.0
"""A credit that was ever in doubt is looked at once more this long after its delivery."""
MAX_UNITS = 1000
"""Visits or events credited one activity each: at most this many per entry (the local edit rule
caps a credit at 1,000,000; a count above this is sent as today instead)."""
PURE_CREDIT_FIELDS = frozenset(("code", "campaign_id", "auto_add"))
"""A request with nothing but these is a credit alone (the staff screen's ``Add`` queues this);
anything more (a registration, a profile change) is sent as today, with ``record_customer``."""
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by ``-`` (``Café Nord`` -> ``cafe-nord``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG.sub("-", plain.lower()).strip("-")[:PART_LIMIT] or "unnamed"


def tag_prefix(store_name: str, kiosk_id: str) -> str:
    """``kiosk:<store-slug>:<kiosk-id>``: the part of every tag this kiosk writes."""
    return f"{TAG_ROOT}:{slug(store_name)}:{slug(kiosk_id)}"


def entry_tag(prefix: str, entry_id: str) -> str:
    """The tag of one queued entry."""
    return f"{prefix}:{entry_id[:ENTRY_ID_CHARS]}"


@dataclass(frozen=True)
class Activity:
    """One ``record_activity`` call: its tag and the fields that say what it credits."""

    tag: str
    fields: dict[str, str] = field(default_factory=dict)
    """``amount``, or ``service_product`` and ``buyx_quantity``; empty for one event; for a
    redemption ``reward_to_redeem`` or ``custom_points_redeem``."""
    redeem: bool = False
    """Sent with ``redeem`` (a redemption, ``redeemed=Y`` in the history), not
    ``record_activity``."""


def plan_activities(
    request: Mapping[str, str],
    kind: str | None,
    credit: Credit,
    tag: str,
    points_ratio: Decimal | None = None,
) -> list[Activity] | None:
    """The ``record_activity`` calls that make exactly this credit, or None to send it as today.

    Points: ``record_activity`` takes money spent and the campaign's ``points_ratio`` turns it
    into points, so N points are sent as ``amount = N / points_ratio`` when a whole-cent amount
    gives exactly N with no rounding (:func:`kiosk.domain.rewards.points_to_amount`); with the
    ratio unknown or no such amount the credit keeps ``auto_add`` and the balance check (S5's
    last resort). Visits and events are one activity per unit, each with its own tag
    (``<tag>.<n>``).
    """
    if not set(request) <= PURE_CREDIT_FIELDS or kind is None:
        return None
    if kind == "points":
        spent = points_to_amount(credit.amount, points_ratio)
        if spent is None:
            return None
        return [Activity(tag, {"amount": format_amount(spent)})]
    if kind == "buyx":
        return [Activity(tag, {"service_product": credit.item, "buyx_quantity": "1"})]
    if kind in MONEY_KINDS:
        return [Activity(tag, {"amount": format_amount(credit.amount)})]
    if kind in COUNT_KINDS:
        units = int(credit.amount)
        if Decimal(units) != credit.amount or not 1 <= units <= MAX_UNITS:
            return None
        if units == 1:
            return [Activity(tag)]
        return [Activity(f"{tag}.{n}") for n in range(1, units + 1)]
    return None  # a type this kiosk does not translate


@dataclass(frozen=True)
class HistoryFinding:
    """What one ``customer_balance`` history says about this kiosk's tags."""

    found: dict[str, str]
    """Tag -> transaction id, for each wanted tag present (the one kept when duplicated)."""
    duplicates: list[tuple[str, str]]
    """(tag, transaction id) of every extra copy of a tag of this kiosk: to be deleted."""
    complete: bool
    """The history holds every transaction of the customer in the campaign (fewer came than
    were asked for), so a tag absent from it was never applied."""


def read_history(
    history: BalanceHistory, wanted: Iterable[str], prefix: str, asked: int
) -> HistoryFinding:
    """Find ``wanted`` tags, and duplicated tags of this kiosk (``prefix``), in a history."""
    by_tag: dict[str, list[str]] = {}
    wanted = list(wanted)
    looked_for = set(wanted)  # a tag sent under an earlier name of this kiosk is still ours
    for transaction in history.transactions:
        tag = transaction.authorization
        # Credits and redemptions alike: a tag names one entry, whichever way it moved points.
        if tag in looked_for or tag.startswith(prefix + ":"):
            by_tag.setdefault(tag, []).append(transaction.transaction_id)
    found: dict[str, str] = {}
    duplicates: list[tuple[str, str]] = []
    for tag, ids in by_tag.items():
        ordered = sorted(ids, key=lambda tid: (len(tid), tid))  # numeric ids in number order
        duplicates.extend((tag, tid) for tid in ordered[1:])
    for tag in wanted:
        copies = by_tag.get(tag)
        if copies:
            found[tag] = sorted(copies, key=lambda tid: (len(tid), tid))[0]
    return HistoryFinding(found, duplicates, complete=len(history.transactions) < asked)
