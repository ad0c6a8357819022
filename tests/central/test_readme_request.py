"""The README's central API section shows a request exactly as the kiosk sends it: this test
makes the client send that request and compares the bytes with the README's block."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from kiosk.central.client import CentralClient
from kiosk.reference.server import DEFAULT_CREDENTIALS

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_the_readme_request_is_what_the_client_sends() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = b'{"status":"success","customer":{"status":"new","code":"1602246124083605"}}'
        return httpx.Response(200, content=body)

    transport = httpx.MockTransport(handler)
    async with CentralClient(
        "https://api.clienttoolbox.com/api.php", DEFAULT_CREDENTIALS, transport=transport
    ) as client:
        await client.record_customer(
            {
                "card_number": "5555000011112222",
                "first_name": "Jane",
                "auto_add": "10",
                "campaign_id": "1",
            }
        )
    (request,) = seen
    sent = "\n".join(
        [
            f"{request.method} {request.url.raw_path.decode()} HTTP/1.1",
            *(f"{name.decode()}: {value.decode()}" for name, value in request.headers.raw),
            "",
            request.content.decode(),
        ]
    )
    section = README.read_text(encoding="utf-8").split("### What the kiosk sends", 1)[1]
    shown = re.search(r"```http\n(.*?)\n```", section, re.DOTALL)
    assert shown is not None, "the README's central API section shows no request"
    assert shown.group(1) == sent
    assert "user_password=" in sent and "api_access_key" not in sent
