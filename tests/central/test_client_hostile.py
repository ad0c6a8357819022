"""The client against hostile or broken answers (S10), its address check and its secrets (S8).

Bodies come from an ``httpx.MockTransport`` (exact control, byte counting) and, for a few, from
a tiny stdlib HTTP server on loopback so that the real transport is exercised too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from kiosk.central.client import (
    ApiError,
    CentralClient,
    NotFound,
    UnknownOutcome,
    Unreachable,
)
from tests.central.conftest import CREDS, SECRET_PIN, check_secret_free, raises_central

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<response status="error"><error>&lol9;</error></response>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<response status="success"><customer status="new"><code>&x;</code></customer></response>"""
PROXY_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
XML_EDIT = b'<response status="success">\n<customer status="update">\n<code>0012</code>\n' + (
    b"<card_number>1234567890</card_number>\n</customer>\n</response>\n"
)
XML_SEARCH = b"""<response status="success">
<customer><code>1</code><card_number>11</card_number><first_name>A</first_name>
<custom_field_2>Single</custom_field_2>
<campaign><campaign_id>1</campaign_id><campaign_name>P</campaign_name>
<campaign_type>points</campaign_type><balance>9,95</balance><item></item></campaign>
<campaign><campaign_id>2</campaign_id><campaign_name>C</campaign_name>
<campaign_type>buyx</campaign_type><balance>2</balance><item>Latte</item></campaign>
</customer>
<customer><code>0002</code><card_number></card_number></customer>
</response>"""

Handler = Callable[[httpx.Request], httpx.Response]


def mock_client(handler: Handler, **options: object) -> CentralClient:
    return CentralClient(
        "https://api.example.com/", CREDS, transport=httpx.MockTransport(handler), **options
    )


def answer(body: bytes, status: int = 200, **headers: str) -> Handler:
    return lambda request: httpx.Response(status, content=body, headers=headers)


@pytest.mark.parametrize(
    "body, status",
    [
        (BILLION_LAUGHS, 200),
        (EXTERNAL_ENTITY, 200),
        (b'{"status": "success", "customer": {"status": "new", "co', 200),  # truncated
        (b"\xff\xfe\x00garbage", 200),
        ('{"status": "error", "error": "caf\u00e9"}'.encode("latin-1"), 200),  # not UTF-8
        (PROXY_502, 502),
        (PROXY_502, 200),  # an HTML page with a 200 is no answer either
        (b"", 200),
        (b'{"status": "weird"}', 200),
        (b"[1, 2]", 200),
        (b"{" * 100_000, 200),  # deep nesting
        (b'{"status": "success"}', 200),  # success without a customer
        (b'{"status":"success","customer":{"status":"new","code":"' + b"7" * 5000 + b'"}}', 200),
        (b'{"status":"success","customer":{"status":"new","code":"12\\u001b[2J"}}', 200),
        (b'{"status":"success","customer":{"status":"new","code":"12 34"}}', 200),
        (b'{"status":"success","customer":{"status":"new","code":""}}', 200),
        (b'{"status":"success","customer":{"status":"new","code":{"x":"1"}}}', 200),
        (
            b'{"status":"success","customer":{"status":"new","code":"1","card_number":"\\u0007"}}',
            200,
        ),
        (b'{"status":"success","customer":{"status":"new","code":"12"}}', 503),
        (b"", 302),
    ],
)
async def test_unusable_answers_are_unknown_outcome(body: bytes, status: int) -> None:
    async with mock_client(answer(body, status)) as api:
        with raises_central(UnknownOutcome):
            await api.record_customer({"first_name": "A", "customer_PIN": SECRET_PIN})


class CountingBody(httpx.AsyncByteStream):
    """An endless body that counts the bytes the client asked for."""

    def __init__(self, total: int, chunk: int = 65536) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += self.chunk
            yield b" " * self.chunk


async def test_a_50_mb_body_is_abandoned_after_the_cap() -> None:
    body = CountingBody(50_000_000)
    handler = lambda request: httpx.Response(200, stream=body)  # noqa: E731
    async with mock_client(handler, max_response_bytes=1_000_000) as api:
        with raises_central(UnknownOutcome) as caught:
            await api.customer_search()
    assert "larger than 1000000 bytes" in str(caught.value)
    assert body.sent <= 1_000_000 + body.chunk


async def test_a_declared_oversize_body_is_not_read_at_all() -> None:
    body = CountingBody(50_000_000)
    handler = lambda request: httpx.Response(  # noqa: E731
        200, stream=body, headers={"Content-Length": "50000000"}
    )
    async with mock_client(handler, max_response_bytes=1_000_000) as api:
        with raises_central(UnknownOutcome):
            await api.customer_search()
    assert body.sent == 0


class DrippingBody(httpx.AsyncByteStream):
    """Sends a byte now and then, for ever: each read is quick, the whole never ends."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"status": '
        while True:
            await asyncio.sleep(0.02)
            yield b" "


async def test_a_body_that_never_ends_gives_unknown_outcome() -> None:
    handler = lambda request: httpx.Response(200, stream=DrippingBody())  # noqa: E731
    async with mock_client(handler, timeout=0.3) as api:
        with raises_central(UnknownOutcome):
            await api.customer_search()


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("[Errno -2] Name or service not known"), httpx.ConnectTimeout("slow")],
)
async def test_connect_failures_are_unreachable(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    async with mock_client(handler) as api:
        with raises_central(Unreachable):
            await api.record_customer({"first_name": "A"})


@pytest.mark.parametrize(
    "error",
    [httpx.ReadTimeout("read"), httpx.RemoteProtocolError("gone"), httpx.WriteError("reset")],
)
async def test_failures_after_sending_are_unknown_outcome(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    async with mock_client(handler) as api:
        with raises_central(UnknownOutcome):
            await api.record_customer({"first_name": "A"})


async def test_xml_answers_are_read_like_json() -> None:
    async with mock_client(answer(XML_EDIT)) as api:
        edited = await api.record_customer({"card_number_generate": "10"})
    assert (edited.status, edited.code, edited.card_number) == ("update", "0012", "1234567890")
    async with mock_client(answer(XML_SEARCH)) as api:
        first, second = await api.customer_search()
    assert (first.code, first.card_number, first.profile) == ("1", "11", {"first_name": "A"})
    assert first.custom_values == {2: "Single"}
    assert [(b.campaign_type, str(b.balance), b.item) for b in first.balances] == [
        ("points", "9.95", ""),
        ("buyx", "2", "Latte"),
    ]
    # No <campaign> at all for this customer: its balances are unknown, never taken as none.
    assert (second.code, second.card_number, second.balances) == ("0002", None, None)


async def test_jsonp_and_no_match_and_error_answers() -> None:
    jsonp = b'cb({"status":"success","customer":{"status":"new","code":"007"}});'
    async with mock_client(answer(jsonp)) as api:
        assert (await api.record_customer({"first_name": "A"})).code == "007"
    async with mock_client(answer(b'<response status="no_match"></response>')) as api:
        assert await api.customer_search({"card_number": "1"}) == []
        with raises_central(NotFound):
            await api.customer_info(card_number="1")
    async with mock_client(answer(b'{"status":"error","error":"No such campaign"}')) as api:
        with raises_central(ApiError) as caught:
            await api.record_customer({"auto_add": "5", "campaign_id": "9"})
    assert caught.value.message == "No such campaign"


async def test_an_api_echoing_secrets_has_them_redacted() -> None:
    echo = (f'{{"status":"error","error":"bad key {CREDS.api_key} for PIN {SECRET_PIN}"}}').encode()
    async with mock_client(answer(echo)) as api:
        with raises_central(ApiError) as caught:
            await api.record_customer({"customer_PIN": SECRET_PIN})
    assert "[redacted]" in caught.value.message


async def test_credentials_travel_in_the_form_and_the_header_is_an_extra() -> None:
    """api-notes: every public client sends user_password in the form; none sends a header."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b'{"status":"success","account":{"fields":[]}}')

    for use_header in (True, False):
        async with mock_client(handler, use_header=use_header) as api:
            await api.ping()
    header_form = parse_qs(seen[0].content.decode())
    body_form = parse_qs(seen[1].content.decode())
    assert seen[0].headers["api_access_key"] == CREDS.api_key
    assert "api_access_key" not in seen[1].headers
    assert header_form["user_password"] == body_form["user_password"] == [CREDS.api_key]
    for form in (header_form, body_form):
        assert form["user_id"] == [CREDS.user_id] and form["account_id"] == [CREDS.account_id]
        assert form["output"] == ["JSON"] and form["type"] == ["manage_fields"]
    assert seen[0].url.query == b""  # nothing in the URL


@pytest.mark.parametrize(
    "url",
    [
        "http://api.clienttoolbox.com/",
        "http://10.0.0.1/api.php",
        "http://127.0.0.1.example.com/",
        "ftp://127.0.0.1/",
        "https://user:pass@api.clienttoolbox.com/",
    ],
)
def test_only_https_or_loopback_addresses_are_accepted(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        CentralClient(url, CREDS)
    check_secret_free(caught.value, "pass")


@pytest.mark.parametrize(
    "url",
    [
        "https://api.clienttoolbox.com/",
        "http://127.0.0.1:8080/",
        "http://127.9.0.1/",
        "http://[::1]:8080/",
        "http://localhost:8080/api.php",
    ],
)
async def test_https_and_loopback_addresses_are_accepted(url: str) -> None:
    api = CentralClient(url, CREDS)
    check_secret_free(api)
    assert CREDS.user_id not in repr(api)
    await api.aclose()


def test_credentials_repr_hides_the_key() -> None:
    check_secret_free(CREDS)


class _HostileHandler(BaseHTTPRequestHandler):
    """Answers every POST with the body the test put on the server."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body: bytes = self.server.body  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[ThreadingHTTPServer]:
    """A tiny loopback server answering with ``server.body`` and ``server.status``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "body, status",
    [(BILLION_LAUGHS, 200), (EXTERNAL_ENTITY, 200), (PROXY_502, 502), (b"\xc3\x28", 200)],
    ids=["billion-laughs", "external-entity", "proxy-502", "invalid-utf8"],
)
async def test_hostile_bodies_over_a_real_socket(
    hostile: ThreadingHTTPServer, body: bytes, status: int
) -> None:
    hostile.body, hostile.status = body, status  # type: ignore[attr-defined]
    host, port = hostile.server_address[:2]
    async with CentralClient(f"http://{host}:{port}/", CREDS, timeout=2.0) as api:
        with raises_central(UnknownOutcome):
            await api.customer_search({"card_number": "1"})
