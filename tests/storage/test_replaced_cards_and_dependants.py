"""Two small storage additions for the counter (issue 14): replaced cards are remembered with the
edit that replaced them, and a registration's dependants in the outbox are found and discarded
with it, in one transaction, each audited."""

from __future__ import annotations

import pytest

from kiosk.domain.edit_rules import EditError
from kiosk.storage.audit import audit_rows
from kiosk.storage.codes import adopt_code
from kiosk.storage.database import write_transaction


def new_customer(store, card: str = "6001000000000099") -> str:
    return store.apply_edit({"card_number": card, "first_name": "Ada"}).plan.code


def test_a_generated_card_remembers_the_card_it_replaced(store) -> None:
    code = new_customer(store)
    assert store.replaced_card("6001000000000099") is None
    store.apply_edit({"code": code, "card_number_generate": "16"})
    replaced = store.replaced_card("6001000000000099")
    assert replaced is not None and replaced.code == code
    assert store.replaced_card(store.customer(code)["card_number"]) is None


def test_a_changed_card_number_remembers_the_old_one_and_a_reused_number_is_no_longer_replaced(
    store,
) -> None:
    code = new_customer(store)
    store.apply_edit({"code": code, "card_number": "6001000000000100"})
    assert store.replaced_card("6001000000000099").code == code
    other = new_customer(store, "6001000000000099")  # the old number given to someone again
    assert store.replaced_card("6001000000000099") is None
    assert store.find_customer("6001000000000099")["code"] == other


def test_adopting_the_central_code_follows_into_replaced_cards(store) -> None:
    code = new_customer(store)
    store.apply_edit({"code": code, "card_number_generate": "16"})
    with write_transaction(store.db):
        adopt_code(store.db.conn, code, "9000000000000001")
    assert store.replaced_card("6001000000000099").code == "9000000000000001"


def test_a_failed_edit_records_no_replacement(store) -> None:
    code = new_customer(store)
    with pytest.raises(EditError):
        store.apply_edit({"code": code, "card_number_generate": "16", "email": "nope"})
    assert store.replaced_card("6001000000000099") is None


def test_customer_names_reads_many_customers_at_once(store) -> None:
    codes = [new_customer(store, f"60010000000001{i:02d}") for i in range(3)]
    names = store.customer_names([*codes, "no-such-code"])
    assert set(names) == set(codes)
    assert names[codes[0]].full_name == "Ada"
    assert names[codes[0]].card_number == "6001000000000100"


def test_a_registration_has_its_later_entries_as_dependants_and_other_entries_none(store) -> None:
    first = store.apply_edit({"card_number": "6001000000000099", "first_name": "Ada"})
    second = store.apply_edit({"code": first.plan.code, "city": "Porto"})
    third = store.apply_edit({"code": first.plan.code, "phone": "555-0100"})
    other = new_customer(store, "6001000000000200")
    store.apply_edit({"code": other, "city": "Faro"})
    queue = store.outbox
    assert [e.entry_id for e in queue.dependants(first.entry_id)] == [
        second.entry_id,
        third.entry_id,
    ]
    assert queue.dependants(second.entry_id) == []


def test_discarding_with_dependants_discards_them_in_one_go_each_audited(store) -> None:
    first = store.apply_edit({"card_number": "6001000000000099", "first_name": "Ada"})
    second = store.apply_edit({"code": first.plan.code, "city": "Porto"})
    queue = store.outbox
    queue.discard(first.entry_id, reason="left the shop", actor="staff", with_dependants=True)
    assert queue.entry(first.entry_id).state == "discarded"
    assert queue.entry(second.entry_id).state == "discarded"
    details = [row["detail"] for row in audit_rows(store.db)]
    assert any(f"depends on entry {first.entry_id[:8]}" in d for d in details)
    assert len(details) == 2


def test_discarding_without_dependants_leaves_them_waiting(store) -> None:
    first = store.apply_edit({"card_number": "6001000000000099", "first_name": "Ada"})
    second = store.apply_edit({"code": first.plan.code, "city": "Porto"})
    store.outbox.discard(first.entry_id, reason="test", actor="staff")
    assert store.outbox.entry(second.entry_id).state == "pending"
