"""``kiosk doctor`` central API checks against the reference server on loopback."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.cli.system import DoctorContext, check_credentials, make_context, run_doctor
from kiosk.doctor import central as doctor
from kiosk.reference.faults import FaultConfig
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer, start_server
from tests.system.conftest import API_KEY

GOOD_KEY = DEFAULT_CREDENTIALS.api_key


def central_section(url: str, credentials: Path) -> str:
    return (
        f'[central]\nurl = "{url}"\naccount_id = "{DEFAULT_CREDENTIALS.account_id}"\n'
        f'user_id = "{DEFAULT_CREDENTIALS.user_id}"\ncredentials_file = "{credentials}"'
    )


@pytest.fixture(autouse=True)
def _forget_keys(clean_logging: None) -> None:
    """Reading the key registers it with the log filter: forget it after each test."""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "c.db")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def config_for(
    write_config: Callable[..., Path], credentials: Path
) -> Callable[[str, str], DoctorContext]:
    """``config_for(url, key)``: a doctor context for that address with that key on file."""

    def make(url: str, key: str) -> DoctorContext:
        credentials.write_text(f"{key}\n")
        return make_context(str(write_config(central=central_section(url, credentials))))

    return make


def doctor_lines(ctx: DoctorContext) -> tuple[int, list[str]]:
    out = io.StringIO()
    # The credentials-file check first, as in `kiosk doctor`: the API check depends on it.
    status = run_doctor(ctx, [check_credentials, *doctor.DOCTOR_CHECKS], out=out)
    return status, out.getvalue().splitlines()[1:]


def test_good_credentials_pass_every_central_check(
    server: RunningServer, config_for: Callable[[str, str], DoctorContext]
) -> None:
    status, lines = doctor_lines(config_for(server.url, GOOD_KEY))
    port = server.url.rsplit(":", 1)[1].strip("/")
    assert status == 0, lines
    assert lines == [
        f"[ ok ] central URL: http://127.0.0.1:{port} (http, allowed: this machine only)",
        "[ ok ] central DNS: 127.0.0.1 is an address, no lookup needed",
        f"[ ok ] central connection: 127.0.0.1:{port} accepts connections (plain http, loopback)",
        f"[ ok ] central credentials: account {DEFAULT_CREDENTIALS.account_id} accepted the key "
        "(not shown)",
    ]
    assert GOOD_KEY not in "\n".join(lines)


def test_a_wrong_key_fails_with_the_credentials_message_and_never_shows_the_key(
    server: RunningServer,
    config_for: Callable[[str, str], DoctorContext],
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, lines = doctor_lines(config_for(server.url, API_KEY))
    assert status == 1
    assert lines[-1].startswith(
        "[FAIL] central credentials: the API key or account id is wrong: Authentication failed"
    )
    assert "; fix: check central.account_id and central.user_id, and the key in " in lines[-1]
    captured = capsys.readouterr()
    assert API_KEY not in "\n".join(lines) + captured.out + captured.err
    assert DEFAULT_CREDENTIALS.user_id not in "\n".join(lines)


def test_a_stopped_server_is_reported_as_unreachable_and_the_login_is_not_tried(
    server: RunningServer, config_for: Callable[[str, str], DoctorContext]
) -> None:
    server.stop()
    ctx = config_for(server.url, GOOD_KEY)
    status, lines = doctor_lines(ctx)
    assert status == 1
    assert lines[2].startswith("[FAIL] central connection: 127.0.0.1:")
    assert (
        "refused the connection: nothing listens there; fix: check the host and port" in (lines[2])
    )
    assert lines[3] == (
        "[skip] central credentials: skipped: needs a connection to the central API"
    )
    # Run on its own, the credentials check meets the client's Unreachable: a network problem.
    alone = doctor.check_central_credentials(config_for(server.url, GOOD_KEY))
    assert not alone.ok
    assert alone.detail.startswith("network: Cannot reach the central API")
    assert alone.fix == doctor.NETWORK_FIX


def test_a_server_answering_500_is_reported_as_server_trouble(
    server: RunningServer, config_for: Callable[[str, str], DoctorContext]
) -> None:
    server.control.set(FaultConfig(seed=1, http_500=1.0))
    status, lines = doctor_lines(config_for(server.url, GOOD_KEY))
    assert status == 1
    assert lines[-1] == (
        "[FAIL] central credentials: server trouble: The central API answered HTTP 500; "
        f"fix: {doctor.SERVER_FIX}"
    )


def test_a_host_that_does_not_resolve_fails_dns_and_skips_the_connection(
    config_for: Callable[[str, str], DoctorContext],
) -> None:
    status, lines = doctor_lines(config_for("https://kiosk-doctor-test.invalid/api", GOOD_KEY))
    assert status == 1
    assert lines[0] == (
        "[ ok ] central URL: https://kiosk-doctor-test.invalid:443 (https, certificate checked)"
    )
    assert lines[1].startswith("[FAIL] central DNS: kiosk-doctor-test.invalid does not resolve")
    assert lines[2] == "[skip] central connection: skipped: needs an address that resolves"
    assert lines[3] == "[skip] central credentials: skipped: needs a connection to the central API"
