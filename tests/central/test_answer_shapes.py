"""Conformance, the other way: answers in every shape the real service gives (and its public
clients read) against the kiosk's client.

Shapes as the public clients read them (api-notes.md): JSON errors as an ``errors`` list
(``SimsolSendService.cs``: ``data.SelectToken("errors")``) or one ``error``; XML lists wrapped
(``$customer_fields->account->fields->field``, ``campaigns->campaign``, ``transactions->
transaction``) or bare (``<customer>`` under ``<response>``), and a list of one as a single
element (a customer_info consumer tests ``empty($...['campaigns']['campaign'][0])`` before
reading a single campaign); ``id``/``name``/``type`` in ``campaigns_list`` and
``customer_info``, ``campaign_id``/``campaign_type``/``campaign_name`` in ``customer_balance``;
``level`` or ``needed_to_redeem`` for rewards; unknown keys anywhere.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from kiosk.central.client import ApiError, BadAnswer, CentralClient
from kiosk.domain.fields import Campaign, CustomFieldDef
from tests.central.conftest import CREDS, raises_central


def client_answering(body: bytes | str) -> CentralClient:
    raw = body.encode() if isinstance(body, str) else body
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=raw))
    return CentralClient("https://api.example.com/", CREDS, transport=transport)


@pytest.mark.parametrize(
    "body, message",
    [
        (
            '{"status":"error","errors":["Invalid campaign_id","Try again"]}',
            "Invalid campaign_id; Try again",
        ),
        ('{"status":"error","errors":"Only one"}', "Only one"),
        ('{"status":"error","error":"R4 style"}', "R4 style"),
        ('<response status="error"><error>XML one</error></response>', "XML one"),
        ('<response status="error"><errors><error>Wrapped</error></errors></response>', "Wrapped"),
        ('{"status":"error"}', "error without a message"),
    ],
)
async def test_errors_in_every_shape_are_read(body: str, message: str) -> None:
    async with client_answering(body) as api:
        with raises_central(ApiError) as caught:
            await api.record_customer({"first_name": "A"})
    assert caught.value.message == message


CUSTOMER_INFO_JSON = """{"status":"success",
 "customer":{"code":"A1B2C3D4","card_number":"04A2B3C4D5E6F7","first_name":"Nfc","last_name":"User",
   "customer_username":"nfc1","custom_field_3":"x","favourite":"tea"},
 "campaigns":[
   {"id":"11","name":"Points","type":"points","balance":"135","cumulative":"300",
    "first_transaction":"2023-01-02","last_transaction":"2024-02-03","currency":"",
    "points_ratio":"1","reward_ratio":"0.05",
    "available_rewards":[{"needed_to_redeem":"100","description":"Free coffee"}]},
   {"id":"12","name":"Bagels","type":"buyx","balance":"3",
    "items":[{"item_id":"1","name":"Bagel","balance":"2","earn_ratio":"1"},
             {"item_id":"2","name":"Muffin","balance":"1","earn_ratio":"1"}]},
   {"id":"13","name":"Gift","type":"giftcard"}
 ]}"""


async def test_customer_info_balances_come_from_the_top_level_campaigns() -> None:
    """The real answer: balances in a separate top-level list, not inside the customer; a
    campaign without a balance value is unknown (None), never 0; codes may be hexadecimal."""
    async with client_answering(CUSTOMER_INFO_JSON) as api:
        found = await api.customer_info(code="A1B2C3D4")
    assert (found.code, found.card_number) == ("A1B2C3D4", "04A2B3C4D5E6F7")
    assert found.profile == {"first_name": "Nfc", "last_name": "User", "customer_username": "nfc1"}
    assert found.custom_values == {3: "x"}
    assert found.balance("11") == Decimal(135)
    assert found.balance("12", "Bagel") == Decimal(2) and found.balance("12", "Muffin") == 1
    assert found.balance("13") is None  # listed without a balance: unknown
    assert found.balance("99") == 0  # not among the customer's campaigns: none there


async def test_customer_info_without_any_campaigns_leaves_balances_unknown() -> None:
    body = '{"status":"success","customer":{"code":"5","card_number":"55"}}'
    async with client_answering(body) as api:
        found = await api.customer_info(code="5")
    assert found.balances is None and found.balance("1") is None


async def test_customer_info_in_xml_with_a_list_of_one() -> None:
    body = """<response status="success"><customer><code>7</code><card_number>70</card_number>
    </customer><campaigns><campaign><id>1</id><name>P</name><type>points</type>
    <balance>12,5</balance><available_rewards><reward><needed_to_redeem>10</needed_to_redeem>
    <description>Tea</description></reward></available_rewards></campaign></campaigns>
    </response>"""
    async with client_answering(body) as api:
        found = await api.customer_info(code="7")
    assert [(b.campaign_id, b.balance) for b in found.balances or ()] == [("1", Decimal("12.5"))]


@pytest.mark.parametrize(
    "body",
    [
        '{"status":"success","campaigns":[{"id":"1","name":"Points","type":"points","currency":"",'
        '"points_ratio":"1","reward_ratio":""},{"id":"2","name":"Gift","type":"giftcard"},'
        '{"id":"3","name":"Stamps","type":"event"},{"id":"4","name":"Odd","type":"lottery"}],'
        '"pagination":{"total":"4","offset":"0"}}',
        '<response status="success"><campaigns><campaign><id>1</id><name>Points</name>'
        "<type>points</type></campaign><campaign><campaign_id>2</campaign_id>"
        "<campaign_name>Gift</campaign_name><campaign_type>giftcard</campaign_type></campaign>"
        "<campaign><id>3</id><name>Stamps</name><type>events</type></campaign></campaigns>"
        "</response>",
    ],
    ids=["json-with-an-unknown-type", "xml-wrapped-both-namings"],
)
async def test_campaigns_list_in_both_namings(body: str) -> None:
    async with client_answering(body) as api:
        campaigns = await api.list_campaigns()
    assert [(c.campaign_id, c.name, c.kind) for c in campaigns] == [
        ("1", "Points", "points"),
        ("2", "Gift", "giftcard"),
        ("3", "Stamps", "events"),
    ]
    # Issue 13: the points ratio is kept when given; an empty currency is unknown, not "".
    ratio = Decimal(1) if "points_ratio" in body else None
    assert campaigns[0] == Campaign("1", "Points", "points", None, ratio)
    assert campaigns[1].points_ratio is None and campaigns[1].currency is None


async def test_campaigns_list_follows_its_pagination() -> None:
    pages = []

    def handler(request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        pages.append((form["offset"], form["API"]))
        start = int(form["offset"])
        rows = ",".join(
            f'{{"id":"{n}","name":"C{n}","type":"points"}}'
            for n in range(start, min(start + 100, 150))
        )
        page = f'"pagination":{{"total":"150","offset":"{start}"}}'
        body = f'{{"status":"success","campaigns":[{rows}],{page}}}'
        return httpx.Response(200, content=body.encode())

    transport = httpx.MockTransport(handler)
    async with CentralClient("https://api.example.com/", CREDS, transport=transport) as api:
        campaigns = await api.list_campaigns()
    assert len(campaigns) == 150 and pages == [("0", "1.5"), ("100", "1.5")]


async def test_customer_balance_history_with_its_authorization_tags() -> None:
    body = """{"status":"success","campaign":{"campaign_id":"1","campaign_type":"points",
      "campaign_name":"Points","customer":{"code":"9","card_number":"90","balance":"40",
      "last_transaction":"2024-01-02","last_redemption":"",
      "transactions":[{"id":"501","date":"2024-01-02","amount":"10","redeemed":"N",
        "authorization":"shop1-k1-00ab","service_product":"","user_name":"kiosk","campaign":"Points"},
        {"id":"499","date":"2024-01-01","amount":"5","redeemed":"Y","authorization":""}]}}}"""
    async with client_answering(body) as api:
        history = await api.customer_balance("1", code="9")
    assert (history.campaign_type, history.balance) == ("points", Decimal(40))
    assert [(t.transaction_id, t.redeemed, t.authorization) for t in history.transactions] == [
        ("501", False, "shop1-k1-00ab"),
        ("499", True, ""),
    ]


async def test_custom_fields_from_the_account_wrapper_as_the_hotsite_kit_reads_them() -> None:
    body = """<response status="success"><account><fields>
      <field><name>first_name</name><label>First</label><type>Text</type><show>Y</show></field>
      <field><name>custom_field_2</name><label>Status</label><type>Pick</type><show>Y</show>
        <choices><choice>Single</choice><choice>Married</choice></choices></field>
      <field><name>custom_field_4</name><label>Cheeses</label><type>List</type>
        <choices><choice>Gouda</choice></choices></field>
    </fields></account></response>"""
    async with client_answering(body) as api:
        fields = await api.list_custom_fields()
    assert fields == [
        CustomFieldDef(2, "Status", "pick", ("Single", "Married")),
        CustomFieldDef(4, "Cheeses", "list", ("Gouda",)),
    ]


@pytest.mark.parametrize(
    "transaction, balance",
    [
        ('{"id":"77","balance":{"points":"145"}}', Decimal(145)),
        ('{"id":"77","balance":{"amount":"12.50","currency":"USD"}}', Decimal("12.50")),
        ('{"id":"77","balance":"3"}', Decimal(3)),
        ('{"id":"77"}', None),
    ],
)
async def test_receipts_carry_the_transaction_id_and_the_new_balance(
    transaction: str, balance: Decimal | None
) -> None:
    body = (
        '{"status":"success","receipt":{"campaign":{"id":"1","name":"P","type":"points"},'
        f'"customer":{{"code":"9"}},"transaction":{transaction}}}}}'
    )
    async with client_answering(body) as api:
        receipt = await api.record_activity(code="9", campaign_id="1", amount="10")
    assert (receipt.transaction_id, receipt.balance) == ("77", balance)


async def test_rewards_with_level_or_needed_to_redeem() -> None:
    body = (
        '{"status":"success","rewards":[{"id":"1","description":"Tea","level":"50"},'
        '{"id":"2","description":"Cake","needed_to_redeem":"80"},{"id":"3","description":"?"}]}'
    )
    async with client_answering(body) as api:
        rewards = await api.campaign_rewards("1")
    assert [(r.reward_id, r.level) for r in rewards] == [
        ("1", Decimal(50)),
        ("2", Decimal(80)),
        ("3", None),
    ]


async def test_a_search_answer_of_one_customer_as_a_single_element() -> None:
    body = (
        "<response status='success'><customer><code>1</code><first_name>Solo</first_name>"
        "</customer></response>"
    )
    async with client_answering(body) as api:
        (found,) = await api.customer_search({"first_name": "Solo"})
    assert found.profile == {"first_name": "Solo"}


@pytest.mark.parametrize(
    "bad",
    ['"' + "1" * 5000 + '"', '"12\\u0007"', '"\\u001b]0;owned\\u0007"', '"a b"', '""'],
    ids=["5000-digits", "bell", "escape", "space", "empty"],
)
async def test_a_customer_with_a_garbage_code_is_a_bad_answer_never_adopted(bad: str) -> None:
    body = f'{{"status":"success","customers":[{{"code":{bad},"card_number":"1"}}]}}'
    async with client_answering(body) as api:
        with raises_central(BadAnswer) as caught:
            await api.customer_search()
    assert "5000" not in str(caught.value) and "\x1b" not in str(caught.value)


async def test_an_empty_wrapper_is_an_empty_list_and_a_missing_one_is_unknown() -> None:
    body = """<response status="success">
<customer><code>1</code><campaigns>
</campaigns></customer>
<customer><code>2</code></customer>
</response>"""
    async with client_answering(body) as api:
        known_empty, unknown = await api.customer_search()
    assert known_empty.balances == () and unknown.balances is None
