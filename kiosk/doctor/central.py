"""``kiosk doctor`` checks of the central loyalty API: can this kiosk reach it and log in.

Provides ``DOCTOR_CHECKS`` (run by :mod:`kiosk.cli.system` after the database checks), in the
order a request travels: the address is https (or loopback), the host name resolves, a TCP
connection and, for https, a TLS handshake with a verified certificate succeed, and the
credentials work (``CentralClient.ping()``, a harmless authenticated call). Each check waits at
most ``CHECK_TIMEOUT_SECONDS`` and is skipped when the one before it failed, so one cause gives
one failure. No line shows the API key (the client redacts it and we mask again, S8).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import threading
from urllib.parse import urlsplit

import httpx

from kiosk.central.answers import ApiError, UnknownOutcome, Unreachable
from kiosk.central.client import CentralClient, Credentials
from kiosk.doctor.checkup import Check, DoctorCheck, DoctorContext
from kiosk.domain.addresses import is_loopback
from kiosk.domain.api_messages import is_account_problem
from kiosk.logging_setup import mask_text
from kiosk.settings import ConfigError

CHECK_TIMEOUT_SECONDS = 5.0
"""How long each network check may take."""
NETWORK_FIX = "check the network cable/Wi-Fi and the router; then central.url in the config"
"""What to do when the API cannot be reached."""
SERVER_FIX = "the central API is in trouble: try again later; if it lasts, tell its provider"
"""What to do when the API answers badly."""


def _target(ctx: DoctorContext) -> tuple[str, str, int]:
    """Scheme, host and port of the configured address (settings are known valid here)."""
    assert ctx.settings is not None
    parts = urlsplit(ctx.settings.central.url)
    scheme = parts.scheme
    return scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80)


def check_central_url(ctx: DoctorContext) -> Check:
    """The address is https://, or http:// to this machine only (S8)."""
    name = "central URL"
    if ctx.settings is None:
        return Check.skip(name)
    scheme, host, port = _target(ctx)
    where = f"{scheme}://{host}:{port}"  # never the whole URL: only what the check is about
    if scheme == "https":
        return Check(name, True, f"{where} (https, certificate checked)")
    if scheme == "http" and is_loopback(host):
        return Check(name, True, f"{where} (http, allowed: this machine only)")
    return Check(
        name, False, f"{where} is not https", "use the API's https:// address in central.url"
    )


def check_central_dns(ctx: DoctorContext) -> Check:
    """The central API's host name resolves (the network and DNS work)."""
    name = "central DNS"
    if ctx.settings is None:
        return Check.skip(name)
    if not ctx.passed("central URL"):
        return Check.skip(name, "needs a usable central.url")
    _, host, port = _target(ctx)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return Check(name, True, f"{host} is an address, no lookup needed")
    addresses = _resolve(host, port)
    if isinstance(addresses, str):
        return Check(
            name,
            False,
            f"{host} does not resolve: {addresses}",
            "check the network cable/Wi-Fi and DNS: resolvectl status; ping -c1 " + host,
        )
    return Check(name, True, f"{host} -> {', '.join(addresses[:3])}")


def _resolve(host: str, port: int) -> list[str] | str:
    """Addresses for ``host``, or why not. getaddrinfo has no timeout: run it in a thread."""
    result: list[list[str] | str] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            result.append(sorted({str(info[4][0]) for info in infos}))
        except OSError as error:
            result.append(str(error))

    thread = threading.Thread(target=lookup, daemon=True)  # daemon: never hold up exit
    thread.start()
    thread.join(CHECK_TIMEOUT_SECONDS)
    return result[0] if result else f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"


def check_central_connect(ctx: DoctorContext) -> Check:
    """A TCP connection opens and, for https, the TLS certificate verifies (as the client's)."""
    name = "central connection"
    if ctx.settings is None:
        return Check.skip(name)
    if not (ctx.passed("central URL") and ctx.passed("central DNS")):
        return Check.skip(name, "needs an address that resolves")
    scheme, host, port = _target(ctx)
    where = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=CHECK_TIMEOUT_SECONDS) as sock:
            if scheme != "https":
                return Check(name, True, f"{where} accepts connections (plain http, loopback)")
            # The same trust store and checks as the client's (httpx, verify=True).
            tls = httpx.create_ssl_context()
            with tls.wrap_socket(sock, server_hostname=host) as secure:
                version = secure.version() or "TLS"
    except ssl.SSLCertVerificationError as error:
        return Check(
            name,
            False,
            f"the certificate of {host} is not trusted: {error.verify_message}",
            "check the clock (timedatectl status) and central.url; a network that intercepts "
            "https (a captive portal, a proxy) must let the kiosk through",
        )
    except ssl.SSLError as error:
        return Check(
            name,
            False,
            f"the TLS handshake with {where} failed: {error.reason or error}",
            "is central.url the API's https:// address (host and port)?",
        )
    except ConnectionRefusedError:
        return Check(
            name,
            False,
            f"{where} refused the connection: nothing listens there",
            "check the host and port in central.url; is the central API up?",
        )
    except TimeoutError:
        return Check(
            name,
            False,
            f"no answer from {where} within {CHECK_TIMEOUT_SECONDS:g} s",
            NETWORK_FIX + "; a firewall may block it",
        )
    except OSError as error:
        return Check(
            name, False, f"cannot connect to {where}: {error.strerror or error}", NETWORK_FIX
        )
    return Check(name, True, f"{where}: {version}, certificate verified")


def check_central_credentials(ctx: DoctorContext) -> Check:
    """The account id, user id and API key are accepted (``CentralClient.ping()``)."""
    name = "central credentials"
    if ctx.settings is None:
        return Check.skip(name)
    if not ctx.passed("credentials"):
        return Check.skip(name, "needs a usable credentials file")
    if not ctx.passed("central connection"):
        return Check.skip(name, "needs a connection to the central API")
    settings = ctx.settings
    central = settings.central
    where = f"{settings.source or 'the config'} and {central.credentials_file}"
    try:
        # As kiosk.sync.connect builds it, with the doctor's shorter timeout.
        credentials = Credentials(central.account_id, central.user_id, central.read_api_key())
        client = CentralClient(
            central.url,
            credentials,
            timeout=min(central.timeout_seconds, CHECK_TIMEOUT_SECONDS),
            max_connections=1,
        )
    except (ConfigError, ValueError) as error:
        return Check(name, False, mask_text(str(error)), f"fix {where}")

    async def ping() -> None:
        async with client, asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await client.ping()

    try:
        asyncio.run(ping())
    except ApiError as error:
        message = mask_text(str(error))
        if is_account_problem(message):
            return Check(
                name,
                False,
                f"the API key or account id is wrong: {message}",
                f"check central.account_id and central.user_id, and the key in {where}",
            )
        return Check(name, False, f"the central API refused the test call: {message}", SERVER_FIX)
    except Unreachable as error:
        return Check(name, False, f"network: {mask_text(str(error))}", NETWORK_FIX)
    except UnknownOutcome as error:
        return Check(name, False, f"server trouble: {mask_text(str(error))}", SERVER_FIX)
    except TimeoutError:
        return Check(
            name, False, f"server trouble: no answer within {CHECK_TIMEOUT_SECONDS:g} s", SERVER_FIX
        )
    return Check(name, True, f"account {settings.central.account_id} accepted the key (not shown)")


DOCTOR_CHECKS: list[DoctorCheck] = [
    check_central_url,
    check_central_dns,
    check_central_connect,
    check_central_credentials,
]
"""The central API checks, in the order ``kiosk doctor`` runs them."""
