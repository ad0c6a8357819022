"""The demo: demo customers and campaigns, the cheat sheet, and everything ``kiosk demo`` starts.

Provides :data:`DEMO_CARDS`, :func:`seed_demo_store`, :func:`cheat_sheet` and
:func:`prepare_demo` (a temporary store, the reference central API on loopback seeded with the
same data, and a sync runner between them). Demo card numbers and PINs are printed on purpose:
they are fake and exist only in a temporary directory.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.domain.rewards import RewardLevel
from kiosk.storage.customer_store import Store
from kiosk.storage.rewards import replace_rewards

if TYPE_CHECKING:
    from kiosk.reference.store import ReferenceStore

DEMO_STAFF_PIN = "1234"
"""The demo staff PIN (its hash is ``kiosk.settings.DEMO_STAFF_PIN_HASH``)."""


@dataclass(frozen=True)
class DemoCard:
    """One demo card and what it shows."""

    label: str
    card_number: str
    pin: str | None
    """The PIN to type, or None when the demo asks to choose one."""
    what: str
    """What happens after the swipe."""
    customer: dict[str, str] = field(default_factory=dict)
    """Profile fields of the customer (empty for an unknown card)."""
    credits: tuple[tuple[str, str], ...] = ()
    """(campaign_id, auto_add) credits applied when seeding."""
    registered_here: bool = False
    """Registered on this kiosk (so it may choose its first PIN here, S9); the others came from
    the central API, and this kiosk knows their PINs because they signed in here before."""
    pin_hash: str | None = None
    """The PIN's salted slow hash, made ahead (``hash_secret(pin)``; a test checks each one):
    hashing the demo's PINs at start-up, on the kiosk and the central side, cost about 200 ms
    of the demo's first frame (issue 15)."""

    @property
    def swipe_text(self) -> str:
        """What a reader would type: track 2 only, ``;<card>?`` (then Enter)."""
        return f";{self.card_number}?"


DEMO_CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("1", "Coffee club", "points", "USD", Decimal(2)),
    Campaign("2", "Visits", "visits"),
    Campaign("3", "Free bagel", "buyx"),
    Campaign("4", "Gift card", "giftcard", "USD"),
)
"""Points (2 points per dollar spent), visits (the older count kind), buy-X and a gift card."""
DEMO_REWARDS: tuple[tuple[str, RewardLevel], ...] = (
    ("1", RewardLevel("1", "Free coffee", Decimal(100))),
    ("1", RewardLevel("2", "Free muffin", Decimal(160))),
    ("2", RewardLevel("3", "Free drink", Decimal(5))),
    ("3", RewardLevel("4", "Bagel", Decimal(5))),
)
"""(campaign id, reward) in the order the reference server numbers them (ids 1, 2, ...). A
buy-X reward names the product it is redeemed from (the reference server's reading)."""
DEMO_CUSTOM_FIELDS: tuple[CustomFieldDef, ...] = (
    CustomFieldDef(1, "Favourite cheese", "pick", ("Gouda", "Emental", "Swiss")),
    CustomFieldDef(2, "Last tasting", "datetime"),
)
DEMO_CARDS: tuple[DemoCard, ...] = (
    DemoCard(
        "Jane",
        "6001000000000011",
        "2468",
        "known customer with balances",
        {"first_name": "Jane", "last_name": "Doe", "phone": "555-0101", "email": "jane@x.test"},
        (("1", "120"), ("2", "3"), ("3", "Bagel"), ("4", "20")),
        pin_hash="scrypt$16384$8$1$2e66bff40d1697e008bdc442fa052527$"
        "95774c9d261112c263cae5972ed91f00916b6cf790e6f8dc126de98de10d70de",
    ),
    DemoCard(
        "Bob",
        "6001000000000029",
        "1357",
        "known customer",
        {"first_name": "Bob", "last_name": "Smith", "phone": "555-0102"},
        (("1", "15"),),
        pin_hash="scrypt$16384$8$1$7c48dbc066c037bf3b6eaabe8f4f0d3d$"
        "9fe58240de79323a2ee45b2ebd6b696e6abfc4f0f4d4416f2bc4d1aa1cea27e6",
    ),
    DemoCard(
        "Ana",
        "6001000000000037",
        None,
        "no PIN yet: choose one (twice)",
        {"first_name": "Ana", "last_name": "Lopez"},
        registered_here=True,
    ),
    DemoCard("New card", "6001000000000045", None, "unknown card: register, choose PIN"),
)
"""The demo's cards, in cheat-sheet order."""
DEMO_BAD_SWIPE = ";E?"
"""A swipe the reader could not read."""


def seed_demo_store(store: Store, cards: tuple[DemoCard, ...] = DEMO_CARDS) -> dict[str, str]:
    """Put the demo campaigns, custom fields and customers into ``store`` (idempotent enough:
    run it on an empty store). Edits are applied without queueing: this is "already synced"."""
    for campaign in DEMO_CAMPAIGNS:
        store.define_campaign(campaign)
        found = [reward for cid, reward in DEMO_REWARDS if cid == campaign.campaign_id]
        replace_rewards(store.db, campaign.campaign_id, found)
    for definition in DEMO_CUSTOM_FIELDS:
        store.define_custom_field(definition)
    codes: dict[str, str] = {}
    for card in cards:
        if not card.customer:
            continue
        request = {"card_number": card.card_number, **card.customer, "send_no_email": "yes"}
        if card.pin and card.pin_hash is None:
            request["customer_PIN"] = card.pin
        code = store.seed_synced(request, registered_here=card.registered_here).code
        if card.pin_hash is not None:
            store.keep_pin_hash(code, card.pin_hash)
        codes[card.card_number] = code
        for campaign_id, amount in card.credits:
            store.seed_synced({"code": code, "campaign_id": campaign_id, "auto_add": amount})
    return codes


def _seed_demo_central(
    central: ReferenceStore, codes: dict[str, str], cards: tuple[DemoCard, ...] = DEMO_CARDS
) -> None:
    """The same demo data at the reference central API (its own file), under the same codes as
    the kiosk's (rule M2 keeps a proposed code), as after a first sync."""
    from kiosk.reference.store import CampaignRecord

    for campaign in DEMO_CAMPAIGNS:
        ratio = "" if campaign.points_ratio is None else str(campaign.points_ratio)
        central.define_campaign(
            CampaignRecord(
                campaign.campaign_id, campaign.name, campaign.kind, campaign.currency or "", ratio
            )
        )
    for campaign_id, reward in DEMO_REWARDS:
        reward_id = central.define_reward(
            campaign_id, reward.level or Decimal(0), reward.description
        )
        assert reward_id == reward.reward_id, "the demo's reward ids follow the server's numbering"
    for definition in DEMO_CUSTOM_FIELDS:
        central.define_custom_field(definition)
    for card in cards:
        if not card.customer:
            continue
        request = {"card_number": card.card_number, **card.customer, "send_no_email": "yes"}
        request["code"] = codes[card.card_number]
        if card.pin and card.pin_hash is None:
            request["customer_PIN"] = card.pin
        code = central.apply_edit(request).code
        if card.pin_hash is not None:
            central.keep_pin_hash(code, card.pin_hash)
        for campaign_id, amount in card.credits:
            central.apply_edit({"code": code, "campaign_id": campaign_id, "auto_add": amount})


def cheat_sheet(cards: tuple[DemoCard, ...] = DEMO_CARDS) -> str:
    """The cheat sheet: what to type to swipe each card, and the PINs."""
    lines = [
        "Swipe a card by typing its swipe text and pressing Enter (or paste it).",
        "",
        f"  {'card':<9} {'type this':<20} {'PIN':<5} what you see",
    ]
    for card in cards:
        pin = card.pin or "-"
        lines.append(f"  {card.label:<9} {card.swipe_text:<20} {pin:<5} {card.what}")
    lines += [
        f"  {'bad':<9} {DEMO_BAD_SWIPE:<20} {'-':<5} 'Please swipe again'",
        "",
        f"Staff mode: F9, then staff PIN {DEMO_STAFF_PIN}. Three wrong PINs lock a card.",
        "F1 shows this sheet. No key quits the kiosk (lock-down): stop it with",
        "SIGTERM (kill PID) or close the terminal.",
    ]
    return "\n".join(lines)


@dataclass
class DemoSetup:
    """Everything the demo runs with; :meth:`close` removes it all."""

    store: Store
    directory: Path
    sync_runner: Callable[[], Awaitable[None]] | None
    server: Any = None
    online_pins: Any = None
    """The central API's PIN check (``OnlinePins.check``), when the central API runs."""
    history_reader: Any = None
    """The central history read for the history screens (``CentralHistory.read``)."""
    notes: list[str] = field(default_factory=list)
    _tmp: Any = None

    def close(self) -> None:
        """Stop the central server, close the store, delete the temporary directory."""
        if self.server is not None:
            with contextlib.suppress(Exception):
                self.server.stop()
        self.store.close()
        if self._tmp is not None:
            self._tmp.cleanup()


def prepare_demo(*, with_central: bool = True) -> DemoSetup:
    """Create a temporary store with demo data, and the central API with a sync worker."""
    tmp = tempfile.TemporaryDirectory(prefix="kiosk-demo-")
    directory = Path(tmp.name)
    store = Store(directory / "kiosk.db")
    codes = seed_demo_store(store)
    setup = DemoSetup(store=store, directory=directory, sync_runner=None, _tmp=tmp)
    if with_central:
        try:
            _start_central(setup, codes)
        except Exception as error:  # the demo still works offline
            setup.notes.append(f"Central API not started ({type(error).__name__}): offline demo")
    return setup


def _start_central(setup: DemoSetup, codes: dict[str, str]) -> None:
    from kiosk.central.client import CentralClient
    from kiosk.reference.server import DEFAULT_CREDENTIALS, start_server
    from kiosk.reference.store import ReferenceStore
    from kiosk.sync.history_reader import CentralHistory
    from kiosk.sync.own_thread import runner_in_own_thread
    from kiosk.sync.pins import OnlinePins
    from kiosk.sync.service import SyncService

    central_path = setup.directory / "central.db"
    with ReferenceStore(central_path) as central:
        _seed_demo_central(central, codes)
    setup.server = start_server(central_path)
    url = setup.server.url

    def make(own: Store) -> SyncService:
        return SyncService(own, lambda: CentralClient(url, DEFAULT_CREDENTIALS, timeout=5.0))

    pins = OnlinePins(lambda: CentralClient(url, DEFAULT_CREDENTIALS, timeout=5.0))
    setup.online_pins = pins.check
    history = CentralHistory(
        lambda: CentralClient(url, DEFAULT_CREDENTIALS, timeout=5.0), setup.store
    )
    setup.history_reader = history.read
    # As in `kiosk run`: the service on its own thread, off the UI's loop (issue 15).
    run, wake = runner_in_own_thread(setup.store.path, make)
    setup.store.queued_listeners.append(wake)
    setup.sync_runner = run
    setup.notes.append(f"Central API (reference server) on {url}")
