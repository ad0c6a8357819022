"""An async client for the central loyalty API (ClientToolbox): one method per call the kiosk uses.

:class:`CentralClient` sends every call as a form-encoded POST, always asks for ``output=JSON``
and still reads XML (a body starting with ``<``, parsed with defusedxml; a DTD is refused, so
entity bombs cannot hang it). Failures are sorted by what they mean for a retry (S2, S5):

- :class:`Unreachable`: the request certainly did not reach the API (DNS, refused, connect
  timeout, TLS handshake): safe to resend.
- :class:`UnknownOutcome`: the request may have been applied and no usable answer came (read
  timeout, reset after sending, any non-200 status, an oversized or unparseable body): resend
  only after checking what happened (S5).
- :class:`ApiError`: the API answered ``status="error"``: definitive, do not retry (S6).
- :class:`NotFound`: ``status="no_match"`` where one result was required.

Secrets (S8): the API key travels in the ``api_access_key`` header (or ``user_password`` with
``use_header=False``), never in a URL; no exception message, repr or log line carries it, nor a
customer PIN or password; logs hold only the call type, the outcome and timings.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import time
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from kiosk.central.answers import (
    DIGITS,
    ApiError,
    CentralBalance,
    CentralCustomer,
    CentralError,
    EditResponse,
    NotFound,
    UnknownOutcome,
    Unreachable,
    customer_from,
    many,
    one,
    parse_body,
    redact,
    text,
)
from kiosk.domain.credentials import Credentials
from kiosk.domain.fields import (
    CALL_FIELDS,
    CREDENTIAL_FIELDS,
    OUTPUT_FIELDS,
    SECRET_FIELDS,
    Campaign,
    CustomFieldDef,
)

__all__ = [
    "ApiError",
    "CentralBalance",
    "CentralClient",
    "CentralCustomer",
    "CentralError",
    "Credentials",
    "EditResponse",
    "NotFound",
    "UnknownOutcome",
    "Unreachable",
]

log = logging.getLogger(__name__)

FIELD_TYPES: dict[str, str] = {"Text": "text", "Date": "datetime", "Pick": "pick", "List": "list"}
"""``manage_fields`` type names and the :class:`CustomFieldDef` kinds they stand for (A4)."""
# Messages of status="error" answers to validate_customer_password that are about the request
# or the account rather than the customer's secret: those raise ApiError instead of False.
_ACCOUNT_PROBLEM = re.compile(
    r"authenticat|credential|api key|user_id|account_id|missing required|unknown field", re.I
)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CentralClient:
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
        use_header: bool = True,
    ) -> None:
        """Prepare the client; no connection is made until the first call.

        Args:
            base_url: the account's API address (``https://api.clienttoolbox.com/``).
            credentials: account id, user id and API key.
            timeout: seconds for connecting, for each read, and for reading a whole body.
            max_response_bytes: a longer body is abandoned (UnknownOutcome) after this many.
            transport: an httpx transport to use instead of the network (tests).
            max_connections: at most this many requests in flight (S3).
            use_header: send the key in the ``api_access_key`` header, else in ``user_password``.

        Raises:
            ValueError: the address is not HTTPS and not loopback, or it embeds credentials.
        """
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("The central API address must be an http(s) URL with a host")
        if url.userinfo:
            raise ValueError("Put the API credentials in the configuration, not in the URL")
        loopback = is_loopback_host(url.host)
        if url.scheme != "https" and not loopback:  # S8: HTTPS for any non-loopback address
            raise ValueError(
                f"The central API address must use https:// (only loopback may use http), "
                f"got {url.scheme}://{url.host}"
            )
        self._url = url
        self._credentials = credentials
        self._timeout = timeout
        self._max_bytes = max_response_bytes
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
        fields in it are ignored (the client always asks for JSON).

        Raises:
            ValueError: ``fields`` holds credentials or call fields (the client sets those).
            ApiError, Unreachable, UnknownOutcome: see the module docstring.
        """
        for name in fields:
            if name in CREDENTIAL_FIELDS or name in CALL_FIELDS:
                raise ValueError(f"{name} is set by the client; leave it out of the fields")
        body = {k: v for k, v in fields.items() if k not in OUTPUT_FIELDS}
        body["customer_action"] = action
        payload = await self._call("record_customer", body, secrets=_secrets_of(fields))
        if payload["status"] != "success":
            raise UnknownOutcome(f"record_customer answered status {payload['status']!r}")
        customer = one(payload, "customer")
        status = text(customer.get("status"))
        code = text(customer.get("code"))
        card = customer.get("card_number")
        if status not in ("new", "update") or not DIGITS.fullmatch(code):
            raise UnknownOutcome("record_customer answer has no valid customer status and code")
        return EditResponse(status, code, None if card in (None, "") else text(card))  # type: ignore[arg-type]

    async def customer_search(
        self,
        fields: Mapping[str, str] | None = None,
        *,
        exact_match: Literal["sensitive", "insensitive"] | None = None,
        include_balances: bool = True,
    ) -> list[CentralCustomer]:
        """Find customers field by field; no field returns everyone; nothing found is ``[]``."""
        body = dict(fields or {})
        for name in body:
            if name in CREDENTIAL_FIELDS or name in CALL_FIELDS or name in OUTPUT_FIELDS:
                raise ValueError(f"{name} is set by the client; leave it out of the fields")
        if exact_match is not None:
            body["exact_match"] = exact_match
        if include_balances:
            body["include_balances"] = "Y"
        payload = await self._call("customer_search", body, secrets=_secrets_of(body))
        if payload["status"] == "no_match":
            return []
        return [customer_from(item) for item in many(payload, "customer")]

    async def customer_info(
        self, *, code: str | None = None, card_number: str | None = None
    ) -> CentralCustomer:
        """One customer's profile and balances, by code or by card number.

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
        customers = [customer_from(item) for item in many(payload, "customer")]
        if not customers:
            raise NotFound("No customer with this code or card number")
        if len(customers) > 1:
            raise ApiError("More than one customer has this card number")
        return customers[0]

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
        for a wrong PIN. A customer the API does not know raises :class:`NotFound`.
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
            if _ACCOUNT_PROBLEM.search(problem.message):
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
        card = text(payload.get("card_number"))
        if payload["status"] != "success" or not DIGITS.fullmatch(card):
            raise UnknownOutcome("generate_card_number answer has no card number")
        return card

    async def list_custom_fields(self) -> list[CustomFieldDef]:
        """The custom fields defined for the account (``manage_fields`` with ``action=list``)."""
        payload = await self._call("manage_fields", {"action": "list"})
        if payload["status"] == "no_match":
            return []
        try:
            return [
                CustomFieldDef(
                    field_id=int(text(item.get("field_id"))),
                    label=text(item.get("label")),
                    kind=FIELD_TYPES[text(item.get("type"))],  # type: ignore[arg-type]
                    choices=tuple(c for c in text(item.get("choices")).split(",") if c),
                )
                for item in many(payload, "field")
            ]
        except (KeyError, ValueError) as problem:
            raise UnknownOutcome(f"manage_fields answer does not parse ({problem})") from None

    async def list_campaigns(self) -> list[Campaign]:
        """The account's campaigns (reference-server ``manage_campaigns`` with ``action=list``)."""
        payload = await self._call("manage_campaigns", {"action": "list"})
        if payload["status"] == "no_match":
            return []
        campaigns = []
        for item in many(payload, "campaign"):
            kind = text(item.get("campaign_type"))
            if kind not in ("points", "visits", "dollars", "buyx"):
                raise UnknownOutcome(f"manage_campaigns answer has campaign type {kind[:20]!r}")
            campaigns.append(
                Campaign(text(item.get("campaign_id")), text(item.get("campaign_name")), kind)  # type: ignore[arg-type]
            )
        return campaigns

    async def ping(self) -> None:
        """A harmless authenticated call; raises :class:`ApiError` on bad credentials."""
        await self._call("manage_fields", {"action": "list"})

    async def _call(
        self, call: str, fields: Mapping[str, str], *, secrets: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Send one call; return the parsed payload (status success or no_match).

        Raises:
            ApiError: ``status="error"``; Unreachable, UnknownOutcome: see the module docstring.
        """
        creds = self._credentials
        form = {
            **fields,
            "type": call,
            "user_id": creds.user_id,
            "account_id": creds.account_id,
            "output": "JSON",
        }
        headers = {"Accept": "application/json, text/xml;q=0.5"}
        if self._use_header:
            headers["api_access_key"] = creds.api_key
        else:
            form["user_password"] = creds.api_key
        hidden = (creds.api_key, creds.user_id, *secrets)
        started = time.perf_counter()
        outcome = "ok"
        try:
            body = await self._exchange(form, headers, hidden)
            payload = parse_body(body)
            if payload["status"] == "error":
                message = redact(text(payload.get("error")) or "error without a message", hidden)
                outcome = "error"
                raise ApiError(message)
            return payload
        except CentralError as problem:
            if outcome == "ok":
                outcome = type(problem).__name__
            raise
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.debug("central %s: %s in %.1f ms", call, outcome, elapsed)

    async def _exchange(
        self, form: dict[str, str], headers: dict[str, str], hidden: tuple[str, ...]
    ) -> bytes:
        """POST the form and return the body, read under the size cap and the time limit."""
        try:
            async with self._http.stream("POST", self._url, data=form, headers=headers) as reply:
                if reply.status_code != 200:
                    raise UnknownOutcome(f"The central API answered HTTP {reply.status_code}")
                declared = reply.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self._max_bytes:
                    raise UnknownOutcome(_too_large(self._max_bytes))
                chunks: list[bytes] = []
                size = 0
                # A server that drips bytes forever defeats a per-read timeout: bound the whole.
                async with asyncio.timeout(self._timeout):
                    async for chunk in reply.aiter_bytes():
                        size += len(chunk)
                        if size > self._max_bytes:
                            raise UnknownOutcome(_too_large(self._max_bytes))
                        chunks.append(chunk)
                return b"".join(chunks)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as problem:
            # Raised before any byte of the request is written: certainly not processed.
            raise Unreachable(
                f"Cannot reach the central API ({type(problem).__name__}: "
                f"{redact(str(problem), hidden)})"
            ) from None
        except TimeoutError:
            raise UnknownOutcome("The central API took too long to send its answer") from None
        except httpx.HTTPError as problem:
            raise UnknownOutcome(
                f"No usable answer from the central API ({type(problem).__name__}: "
                f"{redact(str(problem), hidden)})"
            ) from None


def _too_large(limit: int) -> str:
    return f"The central API's answer is larger than {limit} bytes; abandoned"


def _secrets_of(fields: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(fields[name] for name in SECRET_FIELDS if fields.get(name))
