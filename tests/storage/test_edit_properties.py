"""Property tests: random sequences of edits keep the store's invariants.

Invariants (edit-semantics.md M3/M6, design.md S1, rule A6): generated codes are unique and 16
digits; generated card numbers are unique; every applied edit has exactly one outbox entry; an
error changes nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.edit_rules import EditError
from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.storage.customer_store import Store

CARDS = st.sampled_from(["1111", "2222", "3333", "12345678", "0042"])
NAMES = st.text(min_size=0, max_size=12)
FIELD = st.one_of(
    st.tuples(st.just("first_name"), NAMES),
    st.tuples(st.just("card_number"), CARDS),
    st.tuples(st.just("card_number"), st.text(max_size=5)),
    st.tuples(st.just("custom_date"), st.sampled_from(["2020-01-31", "2020-02-30", "x"])),
    st.tuples(st.just("card_number_generate"), st.sampled_from(["4", "6", "10", "3", "x"])),
    st.tuples(st.just("new_code"), st.sampled_from(["Yes", "No", "maybe"])),
    st.tuples(st.just("auto_add"), st.sampled_from(["1", "2,50", "-1", "Latte"])),
    st.tuples(st.just("campaign_id"), st.sampled_from(["1", "4", "9"])),
    st.tuples(st.just("custom_field_2"), st.sampled_from(["Single", "Other"])),
    st.tuples(st.just("email"), st.sampled_from(["a@b.co", "nope"])),
    st.tuples(st.just("bogus_field"), st.just("1")),
)


def build_request(pairs: list[tuple[str, str]], use_code: str | None) -> dict[str, str]:
    """A request from generated field pairs, optionally naming an existing customer's code."""
    request = dict(pairs)
    if use_code is not None:
        request["code"] = use_code
    return request


def table(store: Store, name: str) -> list[tuple]:
    """All rows of one table, in a stable order."""
    return store.db.conn.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(st.lists(FIELD, max_size=4), st.booleans(), st.integers(0, 50)),
        min_size=1,
        max_size=25,
    )
)
def test_random_edit_sequences_keep_the_invariants(steps) -> None:
    """M3, M6, S1, A6 over random sequences of valid and invalid edits."""
    with tempfile.TemporaryDirectory() as directory:
        store = Store(Path(directory) / "p.db")
        store.define_custom_field(CustomFieldDef(2, "Status", "pick", ("Single", "Married")))
        store.define_campaign(Campaign("1", "Points", "points"))
        store.define_campaign(Campaign("4", "Coffee", "buyx"))
        applied = 0
        generated_codes: set[str] = set()
        generated_cards: list[str] = []
        for pairs, by_code, pick in steps:
            codes = [row[0] for row in store.db.conn.execute("SELECT code FROM customers")]
            use_code = codes[pick % len(codes)] if (by_code and codes) else None
            request = build_request(pairs, use_code)
            before = [table(store, t) for t in ("customers", "balances", "outbox", "custom_values")]
            try:
                result = store.apply_edit(request)
            except EditError:
                after = [
                    table(store, t) for t in ("customers", "balances", "outbox", "custom_values")
                ]
                assert after == before, "an error must change nothing (A6)"
                continue
            applied += 1
            plan = result.plan
            if plan.status == "new" and "code" not in request:
                assert len(plan.code) == 16 and plan.code.isdigit()
                assert plan.code not in generated_codes
                generated_codes.add(plan.code)
            if plan.generated_card_number is not None:
                generated_cards.append(plan.generated_card_number)
        assert len(generated_cards) == len(set(generated_cards)), "generated cards are unique"
        entries = store.outbox.entries()
        assert len(entries) == applied, "exactly one outbox entry per applied edit (S1)"
        assert len({entry.entry_id for entry in entries}) == applied
        codes = [row[0] for row in store.db.conn.execute("SELECT code FROM customers")]
        assert len(codes) == len(set(codes)), "codes are unique"
        store.close()
