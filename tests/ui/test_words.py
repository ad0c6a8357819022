"""The words people at the counter read, as pure functions: staff amounts (kiosk/ui/credit.py),
customer field messages (kiosk/ui/wording.py), queued changes (kiosk/ui/queue_words.py).

The decisions stay the domain's: these tests check that the words accept exactly what the edit
engine accepts, and never show an API name."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.edit_rules import EditError, credit_of
from kiosk.domain.fields import Campaign, CustomFieldDef, custom_value_problem, field_problem
from kiosk.ui.credit import credit_problem, credit_question, credit_rule
from kiosk.ui.wording import value_problem

CAMPAIGNS = [
    Campaign("1", "Coffee club", "points"),
    Campaign("2", "Visits", "visits"),
    Campaign("3", "Store credit", "dollars"),
    Campaign("4", "Free bagel", "buyx"),
]
API_NAME = re.compile(r"custom_\w+|card_number|customer_\w+|auto_add|campaign_id")
AMOUNTS = st.one_of(
    st.text(alphabet="0123456789.,-+ e", max_size=12),
    st.decimals(min_value=-10, max_value=2_000_000, places=3).map(str),
    st.text(max_size=8),
)


class OneCampaign:
    def __init__(self, campaign: Campaign) -> None:
        self._campaign = campaign

    def campaign(self, campaign_id: str) -> Campaign | None:
        return self._campaign if campaign_id == self._campaign.campaign_id else None


def store_accepts(campaign: Campaign, text: str) -> bool:
    if field_problem("auto_add", text) is not None:
        return False
    try:
        credit_of({"campaign_id": campaign.campaign_id, "auto_add": text}, OneCampaign(campaign))
    except EditError:
        return False
    return True


@given(campaign=st.sampled_from(CAMPAIGNS), text=AMOUNTS)
def test_an_amount_is_refused_on_screen_exactly_when_the_store_would_refuse_it(
    campaign, text
) -> None:
    problem = credit_problem(campaign, text)
    if not text.strip():
        assert problem is None  # nothing typed yet: the rule shows, not an error
        return
    assert (problem is None) == store_accepts(campaign, text)
    if problem is not None:
        assert problem.endswith(credit_rule(campaign))
        assert not API_NAME.search(problem)


@pytest.mark.parametrize("campaign", CAMPAIGNS, ids=lambda c: c.kind)
def test_each_rule_names_its_unit(campaign) -> None:
    unit = {"points": "points", "visits": "visits", "dollars": "dollars", "buyx": "product"}
    assert unit[campaign.kind] in credit_rule(campaign).lower()


def test_the_confirmation_states_the_balance_before_and_after() -> None:
    balances = [
        {"campaign_id": "3", "item": "", "balance": "10.5"},
        {"campaign_id": "4", "item": "Bagel", "balance": "2"},
    ]
    dollars, bagel = CAMPAIGNS[2], CAMPAIGNS[3]
    assert credit_question(dollars, "9,95", "Ana", balances) == (
        "Add $9.95 to Store credit for Ana?\nStore credit: $10.50 -> $20.45"
    )
    assert credit_question(bagel, " Bagel ", "Ana", balances) == (
        "Add one Bagel to Free bagel for Ana?\nBagel: 2 -> 3"
    )
    assert credit_question(CAMPAIGNS[1], "2", "Ana", []) == (
        "Add 2 visits to Visits for Ana?\nVisits: 0 -> 2 visits"
    )
    assert Decimal("20.45") == Decimal("10.5") + Decimal("9.95")


FIELDS = ["first_name", "phone", "email", "custom_date", "postal_code", "customer_PIN"]


@given(name=st.sampled_from(FIELDS), value=st.text(max_size=40))
def test_a_field_value_is_refused_in_words_exactly_when_the_domain_refuses_it(name, value) -> None:
    problem = value_problem(name, value, label="Label")
    assert (problem is None) == (field_problem(name, value) is None)
    if problem is not None:
        assert not API_NAME.search(problem)


PICK = CustomFieldDef(2, "Marital status", "pick", ("Single", "Married"))


@given(value=st.text(max_size=20))
def test_a_custom_value_is_refused_in_words_exactly_when_the_domain_refuses_it(value) -> None:
    problem = value_problem("custom_field_2", value, label=PICK.label, definition=PICK)
    refused = bool(value) and custom_value_problem(PICK, value) is not None
    assert (problem is not None) == refused
    if problem is not None:
        assert problem.startswith("Marital status:") and not API_NAME.search(problem)
