"""The counter in the local store (issue 13 items 3-6), on a real SQLite file: redemptions and
purchases applied at once and queued (S1), the offline policy, history offline, and finding a
customer without the card."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.domain.fields import Campaign
from kiosk.domain.rewards import OfflinePolicy, RewardLevel
from kiosk.storage.counter import RewardRefused
from kiosk.storage.counter_entries import describe
from kiosk.storage.customer_store import Store
from kiosk.storage.rewards import replace_rewards

CARD = "6001000000004321"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "kiosk.db") as opened:
        opened.define_campaign(Campaign("1", "Coffee club", "points", None, Decimal(1)))
        opened.define_campaign(Campaign("2", "Gift card", "giftcard", "USD"))
        replace_rewards(opened.db, "1", [RewardLevel("7", "Free coffee", Decimal(100))])
        opened.seed_synced(
            {"card_number": CARD, "first_name": "Jane", "last_name": "Doe",
             "phone": "555 010-1234", "campaign_id": "1", "auto_add": "135"}
        )
        opened.seed_synced({"card_number": "6001000000009999", "first_name": "Bob",
                            "last_name": "Janeway", "phone": "555-777-0000"})
        yield opened


def _code(store: Store) -> str:
    found = store.find_customer(CARD)
    assert found is not None
    return found["code"]


def test_a_redemption_is_taken_at_once_and_queued_in_the_same_transaction(store: Store) -> None:
    """Issue 13 item 4 (S1): the pending redemption shows in the balance at once."""
    code = _code(store)
    done = store.redeem(code, "1", reward_id="7", actor="staff", online=True)
    assert (done.cost, done.before, done.after) == (Decimal(100), Decimal(135), Decimal(35))
    assert done.entry_id is not None
    assert store.balance(code, "1") == Decimal(35)
    entry = store.outbox.entry(done.entry_id)
    assert entry is not None and entry.action == "redeem" and entry.state == "pending"
    assert entry.request["reward_to_redeem"] == "7" and entry.request["cost"] == "100"
    audit = store.db.conn.execute("SELECT actor, action FROM audit").fetchall()
    assert ("staff", "counter.redeem") in audit
    words = describe(entry.action, entry.request, store.campaign("1"))
    assert words == "Redeem 'Free coffee' (100 points) from Coffee club"


def test_discarding_an_unsent_redemption_gives_its_points_back(store: Store) -> None:
    """Issue 13 item 4: nothing sent, nothing taken."""
    code = _code(store)
    done = store.redeem(code, "1", points=Decimal(30), actor="staff", online=True)
    assert store.balance(code, "1") == Decimal(105)
    assert done.entry_id is not None
    store.outbox.discard(done.entry_id, reason="customer changed their mind", actor="staff")
    assert store.balance(code, "1") == Decimal(135)


def test_amounts_are_checked_before_the_confirmation(store: Store) -> None:
    """Issue 13 item 3: the problem is a plain sentence and nothing changes."""
    code = _code(store)
    with pytest.raises(RewardRefused, match="at most 2 decimals"):
        store.preview_redemption(code, "2", amount=Decimal("1.005"), online=True)
    with pytest.raises(RewardRefused, match="Choose one thing"):
        store.preview_redemption(code, "1", reward_id="7", points=Decimal(1), online=True)
    with pytest.raises(RewardRefused, match="no such reward"):
        store.preview_redemption(code, "1", reward_id="8", online=True)
    with pytest.raises(RewardRefused, match=r"needs 10, the balance is 0 \(10 short\)"):
        store.redeem(code, "2", amount=Decimal(10), actor="staff", online=True)
    assert store.outbox.counts() == {}
    assert store.balance(code, "1") == Decimal(135)


def test_the_offline_policy_applies_only_offline(store: Store) -> None:
    """Issue 13 item 4: a maximum per redemption and per day, or no offline redemption."""
    code = _code(store)
    store.offline_policy = OfflinePolicy(max_each=Decimal(50), max_per_day=Decimal(60))
    with pytest.raises(RewardRefused, match="at most 50"):
        store.redeem(code, "1", reward_id="7", actor="staff", online=False)
    store.redeem(code, "1", points=Decimal(40), actor="staff", online=False)
    assert store.spent_today("1") == Decimal(40)
    with pytest.raises(RewardRefused, match="20 is left today"):
        store.redeem(code, "1", points=Decimal(30), actor="staff", online=False)
    store.redeem(code, "1", points=Decimal(30), actor="staff", online=True)  # online: no limit
    store.offline_policy = OfflinePolicy(allowed=False)
    with pytest.raises(RewardRefused, match="need the central system"):
        store.preview_redemption(code, "1", points=Decimal(1), online=False)
    # Never contacted: the sync state says offline, so the policy applies by default.
    with pytest.raises(RewardRefused, match="need the central system"):
        store.preview_redemption(code, "1", points=Decimal(1))


def test_a_purchase_adds_the_expected_points_and_is_queued(store: Store) -> None:
    """Issue 13 item 3: points by the campaign's ratio, shown before it is queued."""
    code = _code(store)
    preview = store.preview_purchase(code, "1", Decimal("9.95"))
    assert preview.confirmation == "Purchase of $9.95: Jane earns 9.95 points, from 135 to 144.95"
    store.record_purchase(code, "1", Decimal("9.95"), actor="staff")
    assert store.balance(code, "1") == Decimal("144.95")
    entry = store.outbox.entries()[0]
    assert (entry.action, entry.request["amount"]) == ("purchase", "9.95")
    assert describe(entry.action, entry.request, store.campaign("1")) == (
        "Purchase of $9.95 in Coffee club (9.95 points expected)"
    )


@dataclass(frozen=True)
class _Seen:
    transaction_id: str
    date: str
    amount: Decimal | None
    redeemed: bool
    authorization: str
    item: str = ""


def test_history_shows_the_queue_then_the_last_central_history(store: Store) -> None:
    """Issue 13 item 5: from the local queue when offline, with the central lines last read."""
    code = _code(store)
    store.cache_history(
        code,
        "1",
        [
            _Seen("12", "2026-12-01T10:00:00", Decimal(100), True, "counter 2"),
            _Seen("11", "2026-11-30T10:00:00", Decimal(35), False, ""),
        ],
    )
    store.record_purchase(code, "1", Decimal(5), actor="staff")
    store.redeem(code, "1", reward_id="7", actor="staff", online=True)
    lines = store.history(code, "1")
    assert [(line.amount, line.redeemed, line.what, line.pending) for line in lines] == [
        (Decimal(100), True, "Free coffee", True),
        (Decimal(5), False, "purchase of 5", True),
        (Decimal(100), True, "counter 2", False),
        (Decimal(35), False, "earned", False),
    ]
    assert len(store.history(code, "1", limit=3)) == 3


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("4321", ["Jane Doe"]),  # the last 4 digits of the card (and of no phone)
        ("0000", ["Bob Janeway"]),  # 4 digits matching a phone number's part
        ("010-12", ["Jane Doe"]),  # part of a phone number, written with a dash
        ("777", ["Bob Janeway"]),
        ("jane", ["Jane Doe", "Bob Janeway"]),  # part of a name, any case
        ("Jane D", ["Jane Doe"]),
        ("j", []),  # too short to search
        ("55", []),
        ("%", []),
    ],
)
def test_staff_find_a_customer_without_the_card(
    store: Store, text: str, names: list[str]
) -> None:
    """Issue 13 item 6: by the last 4 digits of the card, part of a phone, or part of a name;
    cards are shown masked (S8)."""
    found = store.search_customers(text)
    assert sorted(match.name for match in found) == sorted(names)
    for match in found:
        assert match.masked_card.endswith(("4321", "9999")) and "6001" not in match.masked_card
    if text == "4321":
        assert found[0].phone_hint == "…1234"


def test_the_counter_cli_previews_then_redeems_and_purchases(
    store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13 (CLI beside ``kiosk customer edit``): the exact effect first, --yes to queue."""
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)  # no config file: the default policy
    db = ["--db", str(store.path)]
    args = ["customer", "redeem", *db, CARD, "--campaign", "1", "--reward", "7"]
    assert main(args) == 0
    preview = capsys.readouterr().out
    assert "Redeem 'Free coffee' for 100 points: Jane goes from 135 to 35" in preview
    assert store.outbox.counts() == {}
    assert main([*args, "--yes"]) == 0
    assert "Queued" in capsys.readouterr().out
    assert main([*args, "--yes"]) == 1  # 35 left: refused, nothing queued
    assert "65 short" in capsys.readouterr().out
    purchase = ["customer", "purchase", *db, CARD, "--campaign", "1", "--amount", "2,50", "--yes"]
    assert main(purchase) == 0
    assert "Jane earns 2.5 points, from 35 to 37.5" in capsys.readouterr().out
    assert store.outbox.counts() == {"pending": 2}
    assert store.balance(_code(store), "1") == Decimal("37.5")
