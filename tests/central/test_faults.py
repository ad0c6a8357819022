"""Injected faults: what each one does to the data and what the client raises (S2, S5)."""

from __future__ import annotations

import httpx
import pytest

from kiosk.central.client import CentralClient, UnknownOutcome
from kiosk.reference.faults import Decision, FaultConfig, FaultControl, control_allowed
from kiosk.reference.server import RunningServer
from tests.central.conftest import CREDS, SECRET_PIN, raises_central


async def card_exists(client: CentralClient, card: str) -> bool:
    return bool(await client.customer_search({"card_number": card}, exact_match="sensitive"))


@pytest.mark.parametrize(
    "setting", ["drop_after_apply", "garbage", "truncated"], ids=lambda s: f"{s}-applied"
)
async def test_after_apply_faults_apply_the_change_but_give_unknown_outcome(
    central: RunningServer, client: CentralClient, setting: str
) -> None:
    central.control.set(FaultConfig(**{setting: 1.0}))
    with raises_central(UnknownOutcome):
        await client.record_customer({"card_number": "1111", "customer_PIN": SECRET_PIN})
    central.control.set(FaultConfig())
    assert await card_exists(client, "1111")  # the change WAS applied (why S5 asks first)


@pytest.mark.parametrize("setting", ["reset_before", "http_500", "http_502", "http_503"])
async def test_before_apply_faults_apply_nothing_and_give_unknown_outcome(
    central: RunningServer, client: CentralClient, setting: str
) -> None:
    central.control.set(FaultConfig(**{setting: 1.0}))
    with raises_central(UnknownOutcome):
        await client.record_customer({"card_number": "2222", "customer_PIN": SECRET_PIN})
    central.control.set(FaultConfig())
    assert not await card_exists(client, "2222")
    assert central.count_customers() == 0


async def test_http_5xx_status_is_in_the_message(
    central: RunningServer, client: CentralClient
) -> None:
    central.control.set(http_502=1.0)
    with raises_central(UnknownOutcome) as caught:
        await client.ping()
    assert "HTTP 502" in str(caught.value)


async def test_stall_gives_unknown_outcome_within_the_client_timeout(
    central: RunningServer,
) -> None:
    central.control.set(FaultConfig(stall=1.0, stall_seconds=30.0))
    async with CentralClient(central.url, CREDS, timeout=0.5) as quick:
        with raises_central(UnknownOutcome):
            await quick.record_customer({"card_number": "3333"})
    central.control.set(FaultConfig())
    assert central.read(lambda store: store.view.codes_with_card("3333")) != []


async def test_ignore_proposed_code_gives_a_different_code(
    central: RunningServer, client: CentralClient
) -> None:
    central.control.set(ignore_proposed_code=True)
    created = await client.record_customer({"code": "89898989898989", "first_name": "John"})
    assert created.status == "new" and created.code != "89898989898989"
    again = await client.record_customer({"code": created.code, "first_name": "Jon"})
    assert (again.status, again.code) == ("update", created.code)  # known codes still match


async def test_latency_still_answers(central: RunningServer, client: CentralClient) -> None:
    central.control.set(latency_ms=20)
    assert (await client.record_customer({"first_name": "Slow"})).status == "new"


async def test_faults_never_touch_the_control_endpoint(central: RunningServer) -> None:
    central.control.set(http_500=1.0)
    response = httpx.get(central.url + "_control/faults")
    assert response.status_code == 200 and response.json()["http_500"] == 1.0


def test_control_endpoint_replaces_the_config_over_http(central: RunningServer) -> None:
    response = httpx.post(
        central.url + "_control/faults", json={"seed": 3, "garbage": 0.5, "stall_seconds": 1}
    )
    assert response.status_code == 200
    assert central.control.config == FaultConfig(seed=3, garbage=0.5, stall_seconds=1.0)
    bad = httpx.post(central.url + "_control/faults", json={"garbage": 2})
    unknown = httpx.post(central.url + "_control/faults", json={"explode": 1})
    assert (bad.status_code, unknown.status_code) == (400, 400)
    assert central.control.config.garbage == 0.5  # a refused config changes nothing


@pytest.mark.parametrize(
    "peer, allowed",
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False),
        ("192.168.1.20", False),
        ("::ffff:10.0.0.1", False),
        ("2001:db8::1", False),
        ("localhost", False),  # peers are addresses; a name is not trusted
        ("", False),
    ],
)
def test_control_answers_loopback_peers_only(peer: str, allowed: bool) -> None:
    assert control_allowed(peer) is allowed


def outcomes(control: FaultControl, count: int) -> list[Decision]:
    return [control.decide() for _ in range(count)]


def test_decisions_are_reproducible_from_a_seed() -> None:
    config = FaultConfig(seed=42, reset_before=0.2, http_503=0.2, garbage=0.3, stall=0.2)
    first = outcomes(FaultControl(config), 200)
    second = outcomes(FaultControl(config), 200)
    other = outcomes(FaultControl(FaultConfig(**{**config.to_json(), "seed": 43})), 200)
    assert first == second and first != other
    kinds = {d.before or d.after for d in first}
    assert kinds == {"reset", "http_503", "garbage", "stall", None}
    assert all(d.after is None for d in first if d.before)  # nothing is applied after a reset


async def test_fault_sequence_over_http_repeats_with_the_same_seed(
    central: RunningServer, client: CentralClient
) -> None:
    async def run() -> list[str]:
        central.control.set(FaultConfig(seed=7, http_500=0.3, garbage=0.3))
        seen = []
        for number in range(12):
            try:
                await client.record_customer({"first_name": f"N{number}"})
                seen.append("ok")
            except UnknownOutcome as problem:
                seen.append("500" if "HTTP 500" in str(problem) else "garbage")
        return seen

    first, second = await run(), await run()
    assert first == second and {"ok", "500", "garbage"} <= set(first)


@pytest.mark.parametrize(
    "config",
    [
        {"garbage": 1.5},
        {"reset_before": -0.1},
        {"drop_after_apply": 0.6, "stall": 0.6},
        {"latency_ms": -1},
    ],
)
def test_fault_config_refuses_impossible_settings(config: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        FaultConfig(**config)


@pytest.mark.parametrize(
    "data", [{"garbage": "0.5"}, {"ignore_proposed_code": 1}, {"seed": 1.5}, {"nope": 0}]
)
def test_fault_config_from_json_checks_types(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FaultConfig.from_json(data)
