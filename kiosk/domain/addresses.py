"""Which network addresses the kiosk may talk to: the one definition of each rule (S8).

Provides :func:`is_loopback` (a host name or address on this machine) and
:func:`api_url_problem` (why a central API address is refused, or None). The settings check
uses them when the config is read, the central client again when it is built, and the reference
server for its control endpoint, so the rules cannot drift apart.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """True for ``localhost`` (and ``*.localhost``), 127.0.0.0/8, ``::1`` and IPv4-mapped
    loopback (``::ffff:127.0.0.1``); brackets and an IPv6 zone are ignored."""
    host = host.strip().strip("[]").split("%", 1)[0].lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def api_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the central API's address, or None when it can.

    It must be ``https://`` with a host (``http://`` only to a loopback address: a test or
    demo server on this machine) and must not embed credentials. The message never repeats a
    URL that holds a credential.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        has_userinfo = parts.username is not None or parts.password is not None
    except ValueError:
        return "must be an https:// address"
    if has_userinfo:
        return (
            "must not contain a user name or password; put the API key in central.credentials_file"
        )
    if parts.scheme not in ("http", "https") or not host:
        return "must be an https:// address"
    if parts.scheme == "http" and not is_loopback(host):
        return (
            "http:// is only allowed for a loopback address (127.0.0.1, ::1, localhost); "
            "use https://"
        )
    return None
