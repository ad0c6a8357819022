"""Transport hardening: one deadline per request over connect, headers and body; API texts made
safe before anyone sees them (S8, S10)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kiosk.central.answers import MAX_MESSAGE_CHARS, clean_text
from kiosk.central.client import CentralClient, UnknownOutcome, Unreachable
from tests.central.conftest import CREDS, raises_central


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\x1b[31mRed\x1b[0m alert", "Red alert"),
        ("\x1b]0;owned\x07title", "title"),
        ("bell\x07 and\x00 nul\r\nnext", "bell and nul next"),
        ("\x9b2Jcsi", "csi"),
        ("right\u202eto left", "right to left"),
        ("card 6001000000000011 refused", "card ************0011 refused"),
        ("card 6001 0000 0000 0011 refused", "card ************0011 refused"),
        ("card 6001-0000-0000-0011", "card ************0011"),
        ("order 1234567 of 2024-01-02", "order 1234567 of 2024-01-02"),
    ],
)
def test_api_texts_are_cleaned(raw: str, shown: str) -> None:
    assert clean_text(raw) == shown


def test_api_texts_are_capped_and_secrets_redacted() -> None:
    long = clean_text("x" * 10_000)
    assert len(long) == MAX_MESSAGE_CHARS and long.endswith("…")
    assert clean_text("key s3cr3t-key-value here", ("s3cr3t-key-value",)) == "key [redacted] here"


class Dripper:
    """A loopback server that accepts, reads the request, then sends its answer one byte every
    ``pause`` seconds for ever (or only after ``delay_accept`` seconds, never reading)."""

    def __init__(self, answer: bytes, *, pause: float = 0.05) -> None:
        self.answer, self.pause = answer, pause
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self.requests = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                self.requests += 1
                answer = self.answer
                while not self.stopping.is_set():
                    conn.sendall(answer[:1] or b" ")
                    answer = answer[1:]
                    time.sleep(self.pause)
            except OSError:
                return

    def close(self) -> None:
        self.stopping.set()
        self.sock.close()


@pytest.fixture
def dripping_headers() -> Iterator[Dripper]:
    server = Dripper(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 10**6
    )
    yield server
    server.close()


@pytest.fixture
def dripping_body() -> Iterator[Dripper]:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    server = Dripper(head, pause=0.0005)
    yield server
    server.close()


@pytest.mark.parametrize("which", ["dripping_headers", "dripping_body"])
async def test_a_server_that_drips_cannot_hold_a_request(
    which: str, request: pytest.FixtureRequest
) -> None:
    """Every byte arrives well within httpx's per-read timeout; the whole never ends. The
    request ends at its deadline, in doubt (it was sent), however long the drip would go on."""
    server: Dripper = request.getfixturevalue(which)
    async with CentralClient(f"http://127.0.0.1:{server.port}/", CREDS, timeout=0.5) as api:
        started = time.monotonic()
        with raises_central(UnknownOutcome) as caught:
            # The guard only turns a hang into a failure; it is not a figure.
            await asyncio.wait_for(api.record_customer({"first_name": "A"}), 30)
        waited = time.monotonic() - started
    assert "took more than 0.5 s" in str(caught.value)
    assert server.requests == 1 and waited < 30


async def test_a_server_that_never_accepts_is_unreachable() -> None:
    """A listening socket whose backlog is full: the connection is never accepted, the deadline
    ends the request before any byte was sent: certainly not applied."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):  # fill the accept queue so the client's SYN is not answered
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        async with CentralClient(f"http://127.0.0.1:{port}/", CREDS, timeout=0.5) as api:
            with raises_central(Unreachable):
                await asyncio.wait_for(api.record_customer({"first_name": "A"}), 30)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
