"""The demo's data: its PIN hashes are made ahead (no slow hash before the demo's first frame,
issue 15), so each must be the hash of the PIN its cheat sheet prints, on both sides."""

from __future__ import annotations

from pathlib import Path

from kiosk.demo import DEMO_CARDS, _seed_demo_central, seed_demo_store
from kiosk.domain.secrets import verify_secret
from kiosk.reference.store import ReferenceStore
from kiosk.storage.customer_store import Store


def test_each_demo_pin_hash_is_the_hash_of_its_pin() -> None:
    with_pins = [card for card in DEMO_CARDS if card.pin]
    assert with_pins and all(card.pin_hash for card in with_pins)
    for card in with_pins:
        assert card.pin is not None
        assert verify_secret(card.pin, card.pin_hash), card.label
        assert not verify_secret(card.pin[::-1], card.pin_hash), card.label


def test_the_seeded_kiosk_and_central_check_each_demo_pin(tmp_path: Path) -> None:
    with Store(tmp_path / "kiosk.db") as store, ReferenceStore(tmp_path / "central.db") as central:
        codes = seed_demo_store(store)
        _seed_demo_central(central, codes)
        for card in DEMO_CARDS:
            if card.card_number not in codes:
                continue  # the unknown card
            code = codes[card.card_number]
            local = store.find_customer(card.card_number)
            assert local is not None and local["has_pin"] == bool(card.pin)
            if card.pin:
                assert store.verify_pin(code, card.pin) and central.verify_pin(code, card.pin)
                assert not store.verify_pin(code, "0000")
