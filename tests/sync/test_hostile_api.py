"""Sync against a central API that misbehaves for one customer: a server that drips its headers,
a success whose code is 5,000 digits, an error text full of escape sequences and a card number.
Each time sync keeps going for everyone else, nothing is adopted, and nothing reaches the
database, the log, the CLI or the screen raw (S5, S8, S10)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from kiosk.central.client import CentralClient
from kiosk.cli import main
from kiosk.domain.credentials import Credentials
from kiosk.storage.customer_store import Store
from kiosk.sync.worker import SyncWorker
from tests.sync.conftest import FAST

CREDS = Credentials("shop", "kiosk", "k-" + "9" * 20)
GOOD_CARD, BAD_CARD = "4000000000000002", "6001000000000011"
HOSTILE_ERROR = (
    "\x1b[2J\x1b]0;owned\x07Card 6001 0000 0000 0011 is blocked\x1b[0m\x00 call 555 0100"
    + "!" * 900
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Hostile

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        card = form.get("card_number", [""])[0]
        if form.get("type") != ["record_customer"] or card != BAD_CARD:
            code = "1" + card[-8:]
            self._json({"status": "success", "customer": {"status": "new", "code": code}})
            return
        if self.server.mode == "drip":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while not self.server.stopping.is_set():
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(0.05)
        elif self.server.mode == "long code":
            self._json({"status": "success", "customer": {"status": "new", "code": "7" * 5000}})
        else:
            self._json({"status": "error", "errors": [HOSTILE_ERROR]})

    def _json(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Hostile(ThreadingHTTPServer):
    daemon_threads = True
    mode = ""
    stopping: threading.Event


@pytest.fixture
def hostile() -> Iterator[_Hostile]:
    server = _Hostile(("127.0.0.1", 0), _Handler)
    server.stopping = threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()


async def _drain(kiosk: Store, server: _Hostile, mode: str) -> None:
    server.mode = mode
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    async with CentralClient(url, CREDS, timeout=0.5) as client:
        worker = SyncWorker(kiosk, client, backoff=FAST)
        # The guard only turns a hang into a failure; it is not a figure.
        await asyncio.wait_for(worker.drain(), 60)


def _register_both(kiosk: Store) -> str:
    kiosk.apply_edit({"card_number": GOOD_CARD, "first_name": "Good"})
    return kiosk.apply_edit({"card_number": BAD_CARD, "first_name": "Bad"}).plan.code


def _row(kiosk: Store, code: str) -> tuple:
    return kiosk.db.conn.execute(
        "SELECT state, in_doubt, last_error, central_code FROM outbox WHERE customer_code = ?",
        (code,),
    ).fetchone()


async def test_a_server_dripping_its_headers_does_not_hang_sync(
    kiosk: Store, hostile: _Hostile
) -> None:
    local_code = _register_both(kiosk)
    await _drain(kiosk, hostile, "drip")
    assert kiosk.find_customer(GOOD_CARD)["central_known"]  # everyone else went through
    state, in_doubt, error, _ = _row(kiosk, local_code)
    assert (state, in_doubt) == ("pending", 1)  # sent, no answer: checked before any resend
    assert "took more than 0.5 s" in error


async def test_a_5000_digit_code_is_never_adopted(kiosk: Store, hostile: _Hostile) -> None:
    local_code = _register_both(kiosk)
    await _drain(kiosk, hostile, "long code")
    assert kiosk.find_customer(GOOD_CARD)["central_known"]
    bad = kiosk.find_customer(BAD_CARD)
    assert bad["code"] == local_code and not bad["central_known"]
    state, in_doubt, error, central_code = _row(kiosk, local_code)
    assert (state, in_doubt, central_code) == ("pending", 1, None)
    assert "unusable customer code" in error and "7777777" not in error
    dump = "\n".join(kiosk.db.conn.iterdump())
    assert "7" * 64 not in dump


async def test_an_error_text_with_escapes_and_a_card_number_reaches_nobody_raw(
    kiosk: Store,
    hostile: _Hostile,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    local_code = _register_both(kiosk)
    await _drain(kiosk, hostile, "error")
    assert kiosk.find_customer(GOOD_CARD)["central_known"]
    state, _, error, _ = _row(kiosk, local_code)
    assert state == "attention"
    assert "Card ************0011 is blocked" in error
    assert len(error) < 400
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert main(["outbox", "attention", "--db", str(kiosk.path)]) == 0
    printed = capsys.readouterr().out
    assert "************0011" in printed
    (parked,) = kiosk.outbox.entries(state="attention")
    for seen in (error, logged, printed, parked.last_error or ""):
        assert "\x1b" not in seen and "\x07" not in seen and "\x00" not in seen
        assert "6001 0000 0000 0011" not in seen and BAD_CARD not in seen
