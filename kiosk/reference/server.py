"""The reference central API server: the documented calls over a local SQLite file, with faults.

``kiosk central serve`` runs it; tests and the demo use :func:`start_server`, which returns a
:class:`RunningServer` (``.url``, ``.control`` for faults, read access to the store, ``.stop()``).
It is a stdlib ``ThreadingHTTPServer`` answering form-encoded POSTs at ``/`` and ``/api.php``;
one lock serialises every use of the store (one SQLite connection shared by the threads). The
calls themselves are in :mod:`kiosk.reference.calls`, the data in :mod:`kiosk.reference.store`
(a file of the server's own, never a kiosk database), the faults in :mod:`kiosk.reference.faults`.

Control endpoints (loopback peers only, else 403; no credentials; never subject to faults):
``GET /_control/faults``, ``POST /_control/faults`` (a JSON :class:`FaultConfig`, replacing the
config in force and reseeding it), ``GET /_control/notifications`` (the M10 owner e-mails).

Choices made where the documentation is silent or unsure (one place, on purpose):

- Errors are HTTP 200 with ``status="error"`` in the body (R4), including a body over 1 MB,
  invalid UTF-8 (raw or percent-encoded), too many fields and an unknown ``type``. A request
  that is not a POST to ``/`` or ``/api.php`` gets 404/405. An unexpected exception in the
  server (a bug) gets HTTP 500 with an error body, since its outcome is honestly unknown.
- A field given twice: the last one counts (as PHP reads form data).
- A1 for calls other than ``record_customer``: ``customer_action`` is not required.
- Unknown fields are refused with an error, in every call, rather than ignored.
- ``customer_search``: partial matching is a case-insensitive substring match (Unicode
  case folding); ``exact_match=sensitive|insensitive`` compares whole values; searching by
  ``customer_PIN`` or ``customer_password`` is refused (only hashes are stored). Nothing
  found is ``no_match``. Records list every profile field (empty when unset),
  ``custom_field_N`` values, and with ``include_balances=Y`` a ``campaigns`` list whose
  entries carry ``item`` (the product of a buy-X balance; empty otherwise).
- ``customer_info``: ``code`` wins over ``card_number``; a card number is matched like rule M4
  (several customers: error; none: a code equal to it); answered like a search of one.
- ``validate_customer_password``: an unknown customer, a wrong secret and a customer without a
  PIN all answer ``status="error"``; with both a password and a PIN, both must match. There is
  no lock-out here (the kiosk's own S9 lock applies at the counter).
- ``generate_card_number``: ``how_many_digits`` counts the whole number, prefix and suffix
  included (4 to 32, as rule A5); answers ``{"status": "success", "card_number": "..."}``. The
  number is not reserved.
- ``manage_fields``: ``add`` takes ``label``, ``field_type`` (Text, Date, Pick, List; the name
  ``type`` is taken by the call itself) and ``choices`` (comma separated, Pick/List only); ids
  are 1, 2, 3...; ``update`` and ``delete`` are refused. ``list`` answers ``fields`` entries
  of ``field_id``, ``label``, ``type`` and ``choices`` (comma separated).
- ``manage_campaigns`` is a reference-server extension (the real API's campaign administration
  is not documented to us): ``list``, and ``add`` with ``campaign_id``, ``name``,
  ``campaign_type`` (points, visits, dollars, buyx).
- M10: the owner "e-mail" is a row in the ``notifications`` table; nothing is sent.
- Faults apply to every API call (reads included), never to ``/_control``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from kiosk.domain import render
from kiosk.domain.credentials import Credentials
from kiosk.reference.calls import CentralApi
from kiosk.reference.faults import Decision, FaultConfig, FaultControl, control_allowed
from kiosk.reference.store import ReferenceError, ReferenceStore

log = logging.getLogger(__name__)

DEFAULT_CREDENTIALS = Credentials(
    account_id="greatwidgets", user_id="john1970", api_key="1959caadac9b13dcb3"
)
"""The documentation's example credentials, so that its example request works as is."""
MAX_BODY_BYTES = 1_000_000
"""A larger request body is refused (error response) without being read."""
MAX_FIELDS = 500
"""A request with more form fields is refused."""
API_PATHS = frozenset(("/", "/api.php"))
"""Where the API answers."""
_PROXY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>\n"
)
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
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/_control/"):
            self._control(path, None)
        elif path in API_PATHS:
            self._send(405, b"Use POST with form fields\n", "text/plain; charset=utf-8")
        else:
            self._send(404, b"Not found\n", "text/plain; charset=utf-8")

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        body = self._read_body()
        if path.startswith("/_control/"):
            self._control(path, body)
        elif path in API_PATHS:
            self._api(body)
        else:
            self._send(404, b"Not found\n", "text/plain; charset=utf-8")

    def _read_body(self) -> bytes | None:
        """The request body, or None when it is too large or not delimited (not read)."""
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            self.close_connection = True  # the unread body would be taken for the next request
            return None
        return self.rfile.read(int(length))

    def _api(self, body: bytes | None) -> None:
        decision = self.server.control.decide(_call_type(body))
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
        answer, status, content_type = self._answer(body, decision)
        self._after(decision, answer, status, content_type)

    def _answer(self, body: bytes | None, decision: Decision) -> tuple[bytes, int, str]:
        """Apply the request; return the rendered answer, its HTTP status and content type."""
        fmt = render.OutputFormat()
        status = 200
        try:
            form = _parse_form(body)
            try:
                fmt = render.output_format(form)
            except render.OutputFormatError as problem:
                payload: dict[str, Any] = render.error(str(problem))
            else:
                key = self.headers.get("api_access_key") or None
                with self.server.lock:
                    payload = self.server.api.handle(
                        form, key, ignore_proposed_code=decision.ignore_proposed_code
                    )
        except _BadRequest as problem:
            payload = render.error(str(problem))
        except ReferenceError as problem:
            payload = render.error(str(problem))
        except Exception:
            log.exception("reference server: unexpected failure")
            payload, status = render.error("Internal error; the outcome is unknown"), 500
        return render.render(payload, fmt).encode("utf-8"), status, fmt.content_type

    def _after(self, decision: Decision, answer: bytes, status: int, content_type: str) -> None:
        if decision.after == "drop":
            self.close_connection = True
            return  # the change is applied; the client gets no answer at all
        if decision.after == "garbage":
            noise = bytes(range(256)) * 4
            self._send(200, b"\x00\xff" + noise, content_type, close=True)
            return
        if decision.after == "truncated":
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
        self._send(status, answer, content_type, close=decision.after == "stall")

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0) before anything is applied."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _control(self, path: str, body: bytes | None) -> None:
        if not control_allowed(self.client_address[0]):
            self._send(403, b"/_control answers loopback peers only\n", "text/plain")
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
            self._send(404, b"Not found\n", "text/plain")

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


def _call_type(body: bytes | None) -> str | None:
    """The ``type`` field of a form body, for faults that strike only some calls."""
    if not body:
        return None
    try:
        fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
    except ValueError:
        return None
    values = fields.get("type")
    return values[-1] if values else None


class _BadRequest(Exception):
    """The body cannot be read as form fields; the message says why."""


def _parse_form(body: bytes | None) -> dict[str, str]:
    """Form fields of a request body (the last of a repeated field counts)."""
    if body is None:
        raise _BadRequest(
            f"The request has no readable body (a form of at most {MAX_BODY_BYTES} bytes, "
            "with Content-Length)"
        )
    try:
        text = body.decode("utf-8")
        pairs = urllib.parse.parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise _BadRequest("The request is not valid UTF-8") from None
    except ValueError:
        raise _BadRequest(f"The request has more than {MAX_FIELDS} fields") from None
    return dict(pairs)


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
