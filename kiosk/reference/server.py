"""The reference central API server: the calls the kiosk uses, over an SQLite file, with faults.

``kiosk central serve`` runs it; tests and the demo use :func:`start_server`, which returns a
:class:`RunningServer` (``.url``, ``.control`` for faults, read access to the store, ``.stop()``).
It is a stdlib ``ThreadingHTTPServer`` answering at ``/`` and ``/api.php``; one lock serialises
every use of the store (one SQLite connection shared by the threads), except that a long search
answer is read page by page through a connection of its own while it is written (chunked). The
calls are in :mod:`kiosk.reference.calls`, the data in :mod:`kiosk.reference.store` (a file of the
server's own, never a kiosk database), the faults in :mod:`kiosk.reference.faults`.

The choices it makes where the evidence about the real service is thin are listed, in one
place, in the docstring of the package, :mod:`kiosk.reference`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from kiosk.domain.credentials import Credentials
from kiosk.domain.render import OutputFormat, OutputFormatError, output_format
from kiosk.reference.calls import CentralApi
from kiosk.reference.faults import Decision, FaultConfig, FaultControl, control_allowed
from kiosk.reference.forms import MAX_BODY_BYTES, MAX_FIELDS, BadRequest, read_form
from kiosk.reference.render import error, render
from kiosk.reference.store import ReferenceError, ReferenceStore

log = logging.getLogger(__name__)

DEFAULT_CREDENTIALS = Credentials(
    account_id="greatwidgets", user_id="john1970", api_key="1959caadac9b13dcb3"
)
"""The documentation's example credentials, so that its example request works as is."""
__all__ = ["MAX_BODY_BYTES", "MAX_FIELDS", "RunningServer", "serve_forever", "start_server"]

CHUNK_BYTES = 64_000
"""A longer answer is sent chunked, as it is read (a search of every customer)."""
API_PATHS = frozenset(("/", "/api.php"))
"""Where the API answers."""
_PROXY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>\n"
)
_TEXT = "text/plain; charset=utf-8"
_XML = "text/xml; charset=utf-8"
T = TypeVar("T")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the stdlib's 5 refuses connections under a modest burst
    api: CentralApi
    lock: threading.Lock
    control: FaultControl
    stopping: threading.Event

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away (timeouts, faults) is routine here: no traceback on stderr.
        log.debug("reference server: connection from %s ended abruptly", client_address[0])


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """One connection; keeps it alive between requests (HTTP/1.1) unless a fault closes it."""

    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle's algorithm and delayed ACKs each
    # answer on a kept-alive connection would wait ~40 ms.
    disable_nagle_algorithm = True
    timeout = 30  # a client that stops sending mid-request does not hold a thread forever
    server_version = "KioskCentralReference/1"

    def log_message(self, format: str, *args: Any) -> None:
        # The request line of a GET carries the credentials, card numbers and PINs in its query
        # string (as real clients send them): the log gets the method and the path only (S8).
        path = urllib.parse.urlsplit(getattr(self, "path", "") or "").path
        args = tuple(
            f"{self.command} {path}" if isinstance(arg, str) and arg == self.requestline else arg
            for arg in args
        )
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path.startswith("/_control/"):
            self._control(parts.path, None)
        elif parts.path in API_PATHS and parts.query:
            self._api(None)
        elif parts.path in API_PATHS:
            self._send(405, b"Use POST with form fields, or GET with a query string\n", _TEXT)
        else:
            self._send(404, b"Not found\n", _TEXT)

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        body = self._read_body()
        if path.startswith("/_control/"):
            self._control(path, body)
        elif path in API_PATHS:
            self._api(body)
        else:
            self._send(404, b"Not found\n", _TEXT)

    def _read_body(self) -> bytes | None:
        """The request body, or None when it is too large or not delimited (not read)."""
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            self.close_connection = True  # the unread body would be taken for the next request
            return None
        return self.rfile.read(int(length))

    def _api(self, body: bytes | None) -> None:
        try:
            form: dict[str, str] | None = read_form(
                self.command,
                urllib.parse.urlsplit(self.path).query,
                self.headers.get("Content-Type", ""),
                body,
            )
        except BadRequest as problem:
            form, refused = None, str(problem)
        decision = self.server.control.decide(form.get("type") if form else None)
        if decision.latency_s:
            self.server.stopping.wait(decision.latency_s)
        if decision.before == "reset":
            self._reset()
            return
        if decision.before is not None:
            status = int(decision.before.removeprefix("http_"))
            page = _PROXY_PAGE if status == 502 else b"Internal Server Error\n"
            self._send(status, page, "text/html", close=True)
            return
        if decision.after == "late":
            # A slow proxy: the request reaches the API only after the client gave up on it.
            self.server.stopping.wait(decision.late_seconds)
        if form is None:
            pieces, status, content_type = _whole(error(refused), OutputFormat()), 200, _XML
        else:
            pieces, status, content_type = self._answer(form, decision)
        try:
            self._after(decision, pieces, status, content_type)
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # a streamed answer's reader connection is released even on a fault

    def _answer(self, form: dict[str, str], decision: Decision) -> tuple[Iterator[str], int, str]:
        """Apply the request; return the answer (pieces), its HTTP status and content type."""
        fmt = OutputFormat()
        try:
            fmt = output_format(form)
        except OutputFormatError as problem:
            return _whole(error(str(problem)), fmt), 200, fmt.content_type
        try:
            key = self.headers.get("api_access_key") or None
            with self.server.lock:
                payload = self.server.api.handle(
                    form, key, ignore_proposed_code=decision.ignore_proposed_code
                )
        except ReferenceError as problem:
            return _whole(error(str(problem)), fmt), 200, fmt.content_type
        except Exception:
            log.exception("reference server: unexpected failure")
            payload = error("Internal error; the outcome is unknown")
            return _whole(payload, fmt), 500, fmt.content_type
        return render(payload, fmt), 200, fmt.content_type

    def _after(
        self, decision: Decision, pieces: Iterator[str], status: int, content_type: str
    ) -> None:
        if decision.after == "drop":
            self.close_connection = True
            return  # the change is applied; the client gets no answer at all
        if decision.after == "garbage":
            noise = bytes(range(256)) * 4
            self._send(200, b"\x00\xff" + noise, content_type, close=True)
            return
        if decision.after == "truncated":
            answer = "".join(pieces).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer[: len(answer) // 2])
            self.close_connection = True
            return
        if decision.after == "stall":
            # Hold the answer longer than the client waits; stop() releases it early.
            self.server.stopping.wait(decision.stall_seconds)
        self._stream(status, pieces, content_type, close=decision.after == "stall")

    def _stream(
        self, status: int, pieces: Iterator[str], content_type: str, *, close: bool
    ) -> None:
        """Send an answer: with Content-Length when it fits one chunk, else chunked as read."""
        chunks = _chunks(pieces)
        head = next(chunks, b"")
        following = next(chunks, None)
        if following is None:
            self._send(status, head, content_type, close=close)
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        for chunk in itertools.chain((head, following), chunks):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0) before anything is applied."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _control(self, path: str, body: bytes | None) -> None:
        if not control_allowed(self.client_address[0]):
            self._send(403, b"/_control answers loopback peers only\n", _TEXT)
            return
        control = self.server.control
        if path == "/_control/faults":
            if body is not None and self.command == "POST":
                try:
                    data = json.loads(body.decode("utf-8"))
                    if not isinstance(data, dict):
                        raise ValueError("expected a JSON object")
                    control.set(FaultConfig.from_json(data))
                except (ValueError, TypeError) as problem:
                    self._json(400, {"error": str(problem)})
                    return
            elif self.command == "POST":
                self._json(400, {"error": "the body is missing or too large"})
                return
            self._json(200, control.config.to_json())
        elif path == "/_control/notifications" and self.command == "GET":
            with self.server.lock:
                notes = self.server.api.store.notifications()
            self._json(200, {"notifications": notes})
        else:
            self._send(404, b"Not found\n", _TEXT)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str, *, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if close or self.close_connection:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)


def _whole(payload: dict[str, Any], fmt: OutputFormat) -> Iterator[str]:
    return iter(["".join(render(payload, fmt))])


def _chunks(pieces: Iterator[str]) -> Iterator[bytes]:
    """Pieces of an answer gathered into chunks of about :data:`CHUNK_BYTES`."""
    buffer: list[bytes] = []
    size = 0
    for piece in pieces:
        data = piece.encode("utf-8")
        buffer.append(data)
        size += len(data)
        if size >= CHUNK_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer or size == 0:
        yield b"".join(buffer)


@dataclass
class RunningServer:
    """A reference server running in a background thread."""

    url: str
    """Base URL of the API, e.g. ``http://127.0.0.1:41234/``."""
    control: FaultControl
    """Set faults at run time: ``control.set(FaultConfig(...))`` or ``control.set(stall=1.0)``."""
    _server: _Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def read(self, query: Callable[[ReferenceStore], T]) -> T:
        """Run ``query`` against the store under the server's lock (tests, the demo)."""
        with self._server.lock:
            return query(self._server.api.store)

    def notifications(self) -> list[dict[str, Any]]:
        """The owner notifications (M10) recorded so far."""
        return self.read(lambda store: store.notifications())

    def customer(self, code: str) -> dict[str, Any] | None:
        """One customer as stored (hashes excluded), or None."""
        return self.read(lambda store: store.customer(code))

    def count_customers(self) -> int:
        """How many customers the server's file holds."""
        return self.read(lambda store: store.count_customers())

    def stop(self) -> None:
        """Stop serving, release held (stalled) answers, and close the store."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        with self._server.lock:
            self._server.api.store.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    db_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    credentials: Credentials = DEFAULT_CREDENTIALS,
    faults: FaultConfig | None = None,
) -> RunningServer:
    """Open (or create) the store at ``db_path`` and serve it in a daemon thread.

    ``port=0`` picks a free port; the chosen one is in ``.url``.
    """
    store = ReferenceStore(db_path)
    server_class = _Server6 if ":" in host else _Server
    try:
        server = server_class((host, port), _Handler)
    except OSError:
        store.close()
        raise
    server.api = CentralApi(store, credentials)
    server.lock = threading.Lock()
    server.control = FaultControl(faults)
    server.stopping = threading.Event()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    bound = server.server_address
    bound_host, bound_port = str(bound[0]), int(bound[1])
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return RunningServer(f"http://{shown}:{bound_port}/", server.control, server, thread)


def serve_forever(running: RunningServer) -> None:
    """Block until interrupted (Ctrl-C), then stop the server."""
    try:
        while True:
            time.sleep(3600)
    finally:
        running.stop()
