"""Pull (S7), the sync and outbox commands, and the pure decisions of the worker (S2, S4, S5)."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.central.client import CentralClient
from kiosk.cli import main
from kiosk.domain.fields import Campaign
from kiosk.reference.server import RunningServer
from kiosk.storage.customer_store import Store
from kiosk.storage.outbox import CustomerRef
from kiosk.sync.intent import Backoff, Undeliverable, credit_outcome, prepare_request
from kiosk.sync.pull import pull
from tests.sync.workload import write_config


def on_central(central: RunningServer, request: dict[str, str]) -> str:
    """Apply an edit directly on the central side; returns the code."""
    return central.read(lambda store: store.apply_edit(request).code)


async def test_pull_fills_the_cache_and_keeps_queued_local_edits(
    kiosk: Store, central: RunningServer, client: CentralClient
) -> None:
    """S7: central customers, balances and campaigns arrive; a field with a queued local edit
    keeps its local value, and a queued credit is added on top of the central balance."""
    central.read(lambda store: store.define_campaign(Campaign("9", "Stamps", "visits")))
    code = on_central(
        central,
        {
            "card_number": "3000",
            "first_name": "Central",
            "city": "There",
            "auto_add": "40",
            "campaign_id": "1",
        },
    )
    on_central(central, {"card_number": "3001", "first_name": "Other"})
    await pull(kiosk, client)
    assert kiosk.customer(code)["central_known"]
    kiosk.apply_edit({"code": code, "city": "Here", "auto_add": "5", "campaign_id": "1"})
    on_central(central, {"code": code, "first_name": "Renamed", "city": "Elsewhere"})

    report = await pull(kiosk, client)

    local = kiosk.customer(code)
    assert local["first_name"] == "Renamed"  # no queued edit: the central value wins
    assert local["city"] == "Here"  # queued locally: kept until delivered
    assert kiosk.balances(code)[0]["balance"] == "45"  # 40 central + 5 queued
    assert report.customers == 2 and report.kept_local_fields >= 1
    assert "9" in {campaign.campaign_id for campaign in kiosk.campaigns()}


async def test_pull_leaves_an_unsent_registration_of_a_known_card_alone(
    kiosk: Store, central: RunningServer, client: CentralClient
) -> None:
    """S4/S7: a card registered here and also known centrally is not duplicated by a pull."""
    on_central(central, {"card_number": "4444", "first_name": "There"})
    kiosk.apply_edit({"card_number": "4444", "first_name": "Here"})
    report = await pull(kiosk, client)
    assert report.skipped_unsent_cards == 1
    assert kiosk.find_customer("4444")["first_name"] == "Here"  # one local customer, no M4b


def test_prepare_request_names_a_known_customer_by_central_code() -> None:
    """S4: once the central code is known it names the customer; output fields are dropped."""
    customer = CustomerRef(code="0012345678901234", card_number="77", central_known=True)
    sent = prepare_request(
        {"card_number": "77", "phone": "1", "output": "xml"}, customer, local_status="update"
    )
    assert sent == {"card_number": "77", "phone": "1", "code": "0012345678901234"}


def test_prepare_request_never_sends_a_code_only_the_kiosk_knows() -> None:
    """S4: an offline customer is named by its card number, not by its local code."""
    customer = CustomerRef(code="5555555555555555", card_number="1212", central_known=False)
    sent = prepare_request(
        {"code": "5555555555555555", "city": "X"}, customer, local_status="update"
    )
    assert sent == {"city": "X", "card_number": "1212"}
    proposed = prepare_request({"code": "42", "city": "X"}, customer, local_status="new")
    assert proposed["code"] == "42"  # M2: a code the person proposed is their intent


def test_prepare_request_keeps_an_offline_generated_card_number() -> None:
    """M6/S4 (our choice): the number already on the customer's card is sent as card_number."""
    customer = CustomerRef(code="1", card_number="9876543210", central_known=False)
    sent = prepare_request({"card_number_generate": "10"}, customer, local_status="new")
    assert sent == {"card_number": "9876543210"}


def test_prepare_request_refuses_an_unnameable_customer() -> None:
    """S4/S6: no central code and no card: the change cannot be matched; staff must decide."""
    customer = CustomerRef(code="1", card_number=None, central_known=False)
    with pytest.raises(Undeliverable):
        prepare_request({"code": "1", "city": "X"}, customer, local_status="update")


def test_backoff_grows_and_is_capped_with_jitter() -> None:
    """S2: capped exponential backoff with jitter."""
    backoff, rng = Backoff(base_seconds=1.0, cap_seconds=60.0), random.Random(1)
    delays = [backoff.delay(n, rng) for n in range(12)]
    assert all(0.5 * min(60, 2**n) <= d <= min(60, 2**n) for n, d in enumerate(delays))
    assert max(delays) <= 60 and len({round(d, 6) for d in delays}) == len(delays)


def test_an_in_doubt_credit_is_decided_by_the_balance_change() -> None:
    """S5: applied only when the balance moved by exactly the amount."""
    assert credit_outcome(Decimal(10), Decimal(15), Decimal(5)) == "applied"
    assert credit_outcome(Decimal(10), Decimal(10), Decimal(5)) == "not_applied"
    assert credit_outcome(Decimal(10), Decimal(12), Decimal(5)) == "unknown"


def test_sync_once_outbox_attention_retry_and_discard_from_the_command_line(
    tmp_path: Path, central: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """S6: `kiosk sync once` delivers and reports; a refused entry is listed by `kiosk outbox
    attention` with its reason and a masked card, and can be retried or discarded (audited)."""
    db = tmp_path / "cli.db"
    with Store(db) as store:
        store.define_campaign(Campaign("1", "Points", "points"))
        store.define_campaign(Campaign("66", "Only here", "points"))
        store.apply_edit({"card_number": "6011000011112222", "first_name": "Gil"})
        bad = store.apply_edit(
            {"card_number": "6011000011112222", "auto_add": "1", "campaign_id": "66"}
        )
    config = write_config(tmp_path, central.url, timeout=2)

    assert main(["sync", "once", "--config", str(config), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "delivered 1" in out and "needs attention 1" in out

    assert main(["outbox", "attention", "--db", str(db)]) == 0
    listing = capsys.readouterr().out
    assert bad.entry_id[:8] in listing and "************2222" in listing
    assert "6011000011112222" not in listing and "campaign" in listing.lower()

    assert main(["outbox", "retry", bad.entry_id[:8], "--db", str(db), "--by", "ann"]) == 0
    assert main(["sync", "once", "--config", str(config), "--db", str(db)]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit):  # a discard without a reason is refused
        main(["outbox", "discard", bad.entry_id[:8], "--db", str(db)])
    assert (
        main(
            [
                "outbox",
                "discard",
                bad.entry_id[:8],
                "--db",
                str(db),
                "--by",
                "ann",
                "--reason",
                "campaign closed",
            ]
        )
        == 0
    )
    with Store(db) as store:
        (entry,) = [e for e in store.outbox.entries() if e.entry_id == bad.entry_id]
        assert entry.state == "discarded"  # kept, never deleted
        audit = store.db.conn.execute("SELECT actor, action, detail FROM audit ORDER BY id")
        rows = audit.fetchall()
    assert [(actor, action) for actor, action, _ in rows] == [
        ("ann", "outbox.retry"),
        ("ann", "outbox.discard"),
    ]
    assert "campaign closed" in rows[-1][2]
    assert main(["outbox", "attention", "--db", str(db)]) == 0
    assert "Nothing needs attention" in capsys.readouterr().out
