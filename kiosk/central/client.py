"""An async client for the central loyalty API (ClientToolbox): one method per call the kiosk uses.

Every call goes out the way the public clients send it (api-notes.md): an urlencoded POST with
``user_id``, ``user_password`` (the API key) and ``account_id`` in the form, ``type`` naming the
call, ``API=1.5`` where real clients send it (``campaigns_list``, ``manage_fields``), and
``output=JSON``; the ``api_access_key`` header is an optional extra, never the only carrier.
Answers are read in JSON, JSONP or XML, in every shape :mod:`kiosk.central.records` knows. The
search of every customer for a pull is read as it arrives (:meth:`CentralClient.iter_customers`),
so an account of any size fills a kiosk in bounded memory.

Failures are sorted by what they mean for a retry (S2, S5):

- :class:`Unreachable`: the request certainly did not reach the API: safe to resend.
- :class:`UnknownOutcome`: it may have been applied and no usable answer came (a deadline, a
  reset after sending, a non-200 status, an oversized, unparseable or untrustworthy answer,
  :class:`BadAnswer`): resend only after checking what happened (S5).
- :class:`ApiError`: the API answered ``status="error"``: definitive, do not retry (S6).
- :class:`NotFound`: ``status="no_match"`` where one result was required.

Secrets (S8): the key travels in the form body, never in a URL; no exception message, repr or log
line carries it, nor a customer PIN or password. Every text from the API is cleaned
(:func:`~kiosk.central.answers.clean_text`) before it reaches a message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal

import httpx

from kiosk.central.answers import (
    ApiError,
    BadAnswer,
    CentralError,
    NotFound,
    UnknownOutcome,
    Unreachable,
    error_message,
    identifier,
    items,
    parse_body,
)
from kiosk.central.ledger_calls import API_VERSION, LedgerCalls
from kiosk.central.records import (
    BalanceHistory,
    CentralBalance,
    CentralCustomer,
    EditResponse,
    Receipt,
    Reward,
    customer_from,
    edit_response,
)
from kiosk.central.stream import CustomerStream, JsonCustomerStream
from kiosk.central.transport import Transport, monotonic_ms
from kiosk.domain.addresses import is_loopback
from kiosk.domain.api_messages import is_account_problem, is_request_problem
from kiosk.domain.credentials import Credentials
from kiosk.domain.fields import (
    CALL_FIELDS,
    CREDENTIAL_FIELDS,
    OUTPUT_FIELDS,
    SECRET_FIELDS,
)

__all__ = [
    "ApiError",
    "BadAnswer",
    "BalanceHistory",
    "CentralBalance",
    "CentralClient",
    "CentralCustomer",
    "CentralError",
    "Credentials",
    "EditResponse",
    "NotFound",
    "Receipt",
    "Reward",
    "UnknownOutcome",
    "Unreachable",
]

log = logging.getLogger(__name__)

class CentralClient(LedgerCalls):
    """The central API over one pooled HTTPS connection set; see the module docstring."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeout: float = 10.0,
        max_response_bytes: int = 5_000_000,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 8,
        use_header: bool = False,
    ) -> None:
        """Prepare the client; no connection is made until the first call.

        Args:
            base_url: the account's API address (``https://api.clienttoolbox.com/``).
            credentials: account id, user id and API key.
            timeout: the deadline of a whole request (connect, headers and body); for a streamed
                search, of the headers and of each customer after them.
            max_response_bytes: a longer (not streamed) body is abandoned (UnknownOutcome).
            transport: an httpx transport to use instead of the network (tests).
            max_connections: at most this many requests in flight (S3).
            use_header: also send the key in the ``api_access_key`` header (it is always in
                the form as ``user_password``).

        Raises:
            ValueError: the address is not HTTPS and not loopback, or it embeds credentials.
        """
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("The central API address must be an http(s) URL with a host")
        if url.userinfo:
            raise ValueError("Put the API credentials in the configuration, not in the URL")
        loopback = is_loopback(url.host)
        if url.scheme != "https" and not loopback:  # S8: HTTPS for any non-loopback address
            raise ValueError(
                f"The central API address must use https:// (only loopback may use http), "
                f"got {url.scheme}://{url.host}"
            )
        self._url = url
        self.timeout = timeout
        """The deadline of one request in seconds (the sync settle time derives from it)."""
        self._credentials = credentials
        self._use_header = use_header
        self._http = httpx.AsyncClient(
            transport=transport,
            verify=True,  # S8: certificate checks always on
            timeout=httpx.Timeout(timeout, pool=None),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
            # A proxy from the environment must not capture loopback traffic (tests, demo).
            trust_env=not loopback,
        )
        self._transport = Transport(
            self._http, url, deadline=timeout, max_response_bytes=max_response_bytes
        )

    def __repr__(self) -> str:
        return f"CentralClient({self._url.scheme}://{self._url.netloc.decode()})"

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._http.aclose()

    async def __aenter__(self) -> CentralClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def record_customer(
        self, fields: Mapping[str, str], *, action: Literal["edit", "new"] = "edit"
    ) -> EditResponse:
        """Send one ``record_customer`` request (rules in ``edit-semantics.md``).

        ``fields`` are the customer fields as the person asked for them (S4); output-format
        fields in it are ignored (the client chooses the format).

        Raises:
            ValueError: ``fields`` holds credentials or call fields (the client sets those).
            ApiError, Unreachable, UnknownOutcome: see the module docstring; a code or card
                number in the answer that is not bounded printable text is :class:`BadAnswer`.
        """
        body = _own_fields(fields, allow_output=True)
        body["customer_action"] = action
        payload = await self._call("record_customer", body, secrets=_secrets_of(fields))
        if payload["status"] != "success":
            raise BadAnswer(f"record_customer answered status {payload['status']!r}")
        return edit_response(payload)

    async def customer_search(
        self,
        fields: Mapping[str, str] | None = None,
        *,
        exact_match: Literal["sensitive", "insensitive"] | None = None,
        include_balances: bool = True,
    ) -> list[CentralCustomer]:
        """Find customers field by field; nothing found is ``[]``. For every customer of the
        account use :meth:`iter_customers`, which does not hold the whole answer."""
        body = _own_fields(fields or {})
        if exact_match is not None:
            body["exact_match"] = exact_match
        if include_balances:
            body["include_balances"] = "Y"
        payload = await self._call("customer_search", body, secrets=_secrets_of(body))
        if payload["status"] == "no_match":
            return []
        return [customer_from(entry) for entry in items(payload, "customers", "customer")]

    async def iter_customers(
        self, *, include_balances: bool = True
    ) -> AsyncIterator[CentralCustomer]:
        """Every customer of the account, as the search answer arrives.

        Memory stays bounded whatever the account's size: each customer is parsed as soon as
        it is complete (JSON as asked for, or XML if that is what comes) and handed on. The
        deadline applies to the headers and then to each customer. A customer record that
        cannot be trusted ends the iteration with :class:`BadAnswer` (those already yielded
        stay valid).

        Raises:
            ApiError, Unreachable, UnknownOutcome: as for every call.
        """
        body = {"include_balances": "Y"} if include_balances else {}
        form, headers, hidden = self._form("customer_search", body)
        started = time.perf_counter()
        count = 0
        outcome = "ok"
        try:
            async with self._transport.stream(form, headers, hidden) as answer:
                parser: CustomerStream | JsonCustomerStream | None = None
                head = b""
                async for chunk in answer.chunks():
                    if parser is None:
                        head += chunk
                        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
                        if not start:
                            continue
                        parser = CustomerStream() if start[:1] == b"<" else JsonCustomerStream()
                        chunk, head = start, b""
                    for entry in parser.feed(chunk):
                        answer.progress()
                        count += 1
                        yield customer_from(entry)
                if parser is None:
                    raise UnknownOutcome("The central API's answer is empty")
                parser.close()
                if parser.status == "error":
                    outcome = "error"
                    raise ApiError(error_message({"error": parser.error}, hidden))
        except CentralError as problem:
            outcome = outcome if outcome != "ok" else type(problem).__name__
            raise
        finally:
            log.debug(
                "central customer_search (streamed): %s, %d customers in %.1f ms",
                outcome,
                count,
                monotonic_ms(started),
            )

    async def customer_info(
        self, *, code: str | None = None, card_number: str | None = None
    ) -> CentralCustomer:
        """One customer's profile and balances, by code or by card number. The balances come
        from the answer's separate top-level ``campaigns`` list (or, in some shapes, from
        inside the customer); when the answer carries neither they are unknown (None).

        Raises:
            ValueError: neither or both of ``code`` and ``card_number`` given.
            NotFound: no such customer.
        """
        if (code is None) == (card_number is None):
            raise ValueError("Give exactly one of code and card_number")
        body = {"code": code} if code is not None else {"card_number": card_number or ""}
        payload = await self._call("customer_info", body)
        if payload["status"] == "no_match":
            raise NotFound("No customer with this code or card number")
        single = payload.get("customer")
        customers = (
            [single] if isinstance(single, dict) else items(payload, "customers", "customer")
        )
        if not customers:
            raise NotFound("No customer with this code or card number")
        if len(customers) > 1:
            raise ApiError("More than one customer has this card number")
        return customer_from(customers[0], campaigns=payload.get("campaigns"))

    async def validate_customer_password(
        self,
        *,
        code: str | None = None,
        card_number: str | None = None,
        customer_username: str | None = None,
        customer_password: str | None = None,
        customer_PIN: str | None = None,
    ) -> bool:
        """Check a customer's password or PIN: True when the API says ``success``.

        The API answers a wrong secret with ``status="error"``, the same status as a bad
        request; an error whose message is about the account or the request (credentials,
        a missing field) raises :class:`ApiError` so a misconfigured kiosk is not mistaken
        for a wrong PIN. ``no_match`` (a customer the API does not know) raises
        :class:`NotFound`.
        """
        who = {"code": code, "card_number": card_number, "customer_username": customer_username}
        secret = {"customer_password": customer_password, "customer_PIN": customer_PIN}
        body = {k: v for k, v in {**who, **secret}.items() if v is not None}
        if not any(v is not None for v in who.values()):
            raise ValueError("Give code, card_number or customer_username")
        if not any(v is not None for v in secret.values()):
            raise ValueError("Give customer_password or customer_PIN")
        try:
            payload = await self._call(
                "validate_customer_password", body, secrets=_secrets_of(body)
            )
        except ApiError as problem:
            # Not about the secret: the account or the request is wrong, so say so.
            if is_account_problem(problem.message) or is_request_problem(problem.message):
                raise
            return False
        if payload["status"] == "no_match":
            raise NotFound("No customer with this code, card number or username")
        return True

    async def generate_card_number(
        self, *, digits: int = 16, prefix: str = "", suffix: str = ""
    ) -> str:
        """A random card number not in use in the account (the API does not reserve it)."""
        body = {"how_many_digits": str(digits)}
        if prefix:
            body["card_number_prefix"] = prefix
        if suffix:
            body["card_number_suffix"] = suffix
        payload = await self._call("generate_card_number", body)
        if payload["status"] != "success":
            raise BadAnswer("generate_card_number answer has no card number")
        found = payload.get("card_number", payload.get("customer", {}))
        if isinstance(found, dict):
            found = found.get("card_number")
        return identifier(found, "card number")

    async def ping(self) -> None:
        """A harmless authenticated call; raises :class:`ApiError` on bad credentials."""
        await self._call("manage_fields", {"action": "list", "API": API_VERSION})

    def _form(
        self, call: str, fields: Mapping[str, str], *, output: str = "JSON"
    ) -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
        """The form as real clients send it, the headers, and what must never be shown."""
        creds = self._credentials
        form = {
            **fields,
            "type": call,
            "user_id": creds.user_id,
            "user_password": creds.api_key,
            "account_id": creds.account_id,
            "output": output,
        }
        headers = {"Accept": "application/json, text/xml;q=0.5"}
        if self._use_header:
            headers["api_access_key"] = creds.api_key
        hidden = (creds.api_key, creds.user_id, *_secrets_of(fields))
        return form, headers, hidden

    async def _call(
        self, call: str, fields: Mapping[str, str], *, secrets: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Send one call; return the parsed payload (status success or no_match).

        Raises:
            ApiError: ``status="error"``; Unreachable, UnknownOutcome: see the module docstring.
        """
        form, headers, hidden = self._form(call, fields)
        hidden = (*hidden, *secrets)
        started = time.perf_counter()
        outcome = "ok"
        try:
            payload = parse_body(await self._transport.post(form, headers, hidden))
            if payload["status"] == "error":
                outcome = "error"
                raise ApiError(error_message(payload, hidden))
            return payload
        except CentralError as problem:
            if outcome == "ok":
                outcome = type(problem).__name__
            raise
        finally:
            log.debug("central %s: %s in %.1f ms", call, outcome, monotonic_ms(started))


def _own_fields(fields: Mapping[str, str], *, allow_output: bool = False) -> dict[str, str]:
    """The caller's fields, refusing the ones the client sets itself."""
    for name in fields:
        if name in CREDENTIAL_FIELDS or name in CALL_FIELDS:
            raise ValueError(f"{name} is set by the client; leave it out of the fields")
        if name in OUTPUT_FIELDS and not allow_output:
            raise ValueError(f"{name} is set by the client; leave it out of the fields")
    return {k: v for k, v in fields.items() if k not in OUTPUT_FIELDS}


def _secrets_of(fields: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(fields[name] for name in SECRET_FIELDS if fields.get(name))
