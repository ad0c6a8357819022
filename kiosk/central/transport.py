"""The HTTP exchange with the central API, bounded in time and size, sorted by what failed.

:class:`Transport` posts one urlencoded form and returns the body. One overall deadline covers
the whole request: waiting for a connection, connecting, TLS, sending, the status line and
headers, and the body. httpx's own timeouts apply per read, so a server that drips its headers
or body one byte at a time would never trip them; the deadline does. Which failure it is depends
on whether the request may have reached the server, learnt from httpx's trace events (the request
headers start going out): while still connecting, :class:`Unreachable` (safe to resend); after,
or when it cannot be told, :class:`UnknownOutcome` (S5). Streamed answers
(:meth:`Transport.stream`, for a search of every customer) have the same deadline up to the
headers and then a deadline per piece of progress the caller reports, so an answer of any size
can arrive while a dripping server still cannot hold sync.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from kiosk.central.answers import UnknownOutcome, Unreachable, clean_text

_SENT_EVENTS = ("http11.send_request_headers.started", "http2.send_request_headers.started")


class _Trace:
    """What httpx reported of the request's progress. Only positive evidence counts: when no
    event arrived at all (a transport that does not trace), a late answer is in doubt."""

    def __init__(self) -> None:
        self.connecting = False
        self.sent = False

    async def __call__(self, event: str, info: Mapping[str, Any]) -> None:
        if event.startswith("connection."):
            self.connecting = True
        elif event in _SENT_EVENTS:
            self.sent = True

    @property
    def certainly_unsent(self) -> bool:
        """A connection was being made and no request byte had gone out."""
        return self.connecting and not self.sent


class Transport:
    """One pooled httpx client and the rules above."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: httpx.URL,
        *,
        deadline: float,
        max_response_bytes: int,
    ) -> None:
        self._http = http
        self._url = url
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes

    async def post(
        self, form: Mapping[str, str], headers: Mapping[str, str], hidden: tuple[str, ...]
    ) -> bytes:
        """POST the form; the body, read whole under the size cap, within the deadline.

        Raises:
            Unreachable: the request certainly did not reach the server.
            UnknownOutcome: it may have; no usable answer came.
        """
        trace = _Trace()
        try:
            async with asyncio.timeout(self.deadline):
                async with self._http.stream(
                    "POST",
                    self._url,
                    data=dict(form),
                    headers=dict(headers),
                    extensions={"trace": trace},
                ) as reply:
                    _check_status(reply)
                    return await self._read_all(reply)
        except TimeoutError:
            raise _late(trace, self.deadline) from None
        except httpx.HTTPError as problem:
            raise _failed(trace, problem, hidden) from None

    @asynccontextmanager
    async def stream(
        self, form: Mapping[str, str], headers: Mapping[str, str], hidden: tuple[str, ...]
    ) -> AsyncIterator[_Body]:
        """POST the form and yield the answer's body as it arrives (see the module docstring).

        The caller calls :meth:`_Body.progress` whenever a piece of the answer is complete; more
        than ``deadline`` seconds without progress ends the answer as :class:`UnknownOutcome`.
        """
        trace = _Trace()
        try:
            async with asyncio.timeout(self.deadline) as scope:
                async with self._http.stream(
                    "POST",
                    self._url,
                    data=dict(form),
                    headers=dict(headers),
                    extensions={"trace": trace},
                ) as reply:
                    _check_status(reply)
                    body = _Body(reply, scope, self.deadline)
                    body.progress()
                    yield body
        except TimeoutError:
            raise _late(trace, self.deadline) from None
        except httpx.HTTPError as problem:
            raise _failed(trace, problem, hidden) from None

    async def _read_all(self, reply: httpx.Response) -> bytes:
        declared = reply.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise UnknownOutcome(_too_large(self.max_response_bytes))
        chunks: list[bytes] = []
        size = 0
        async for chunk in reply.aiter_bytes():
            size += len(chunk)
            if size > self.max_response_bytes:
                raise UnknownOutcome(_too_large(self.max_response_bytes))
            chunks.append(chunk)
        return b"".join(chunks)


class _Body:
    """A streamed answer's body, with a deadline that moves forward on reported progress."""

    def __init__(self, reply: httpx.Response, scope: asyncio.Timeout, window: float) -> None:
        self._reply = reply
        self._scope = scope
        self._window = window
        self._loop = asyncio.get_running_loop()
        self._moved = -window

    def progress(self) -> None:
        """A piece of the answer is complete: the next one has ``window`` seconds (give or take
        a tenth of it: the deadline is moved at most ten times per window, not per customer)."""
        now = self._loop.time()
        if now - self._moved >= self._window / 10:
            self._moved = now
            self._scope.reschedule(now + self._window)

    def chunks(self) -> AsyncIterator[bytes]:
        """The raw body, as it arrives."""
        return self._reply.aiter_bytes()


def _check_status(reply: httpx.Response) -> None:
    if reply.status_code != 200:
        raise UnknownOutcome(f"The central API answered HTTP {reply.status_code}")


def _late(trace: _Trace, deadline: float) -> Exception:
    if trace.certainly_unsent:
        return Unreachable(f"The central API did not accept a connection within {deadline:g} s")
    return UnknownOutcome(f"The central API took more than {deadline:g} s to answer")


def _failed(trace: _Trace, problem: httpx.HTTPError, hidden: tuple[str, ...]) -> Exception:
    what = f"{type(problem).__name__}: {clean_text(str(problem), hidden)}"
    if isinstance(problem, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        # Raised before any byte of the request is written: certainly not processed.
        return Unreachable(f"Cannot reach the central API ({what})")
    return UnknownOutcome(f"No usable answer from the central API ({what})")


def _too_large(limit: int) -> str:
    return f"The central API's answer is larger than {limit} bytes; abandoned"


def monotonic_ms(started: float) -> float:
    """Milliseconds since ``started`` (a :func:`time.perf_counter` value), for log lines."""
    return (time.perf_counter() - started) * 1000
