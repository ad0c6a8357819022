"""Salted slow hashes for PINs and passwords, and masking of card numbers (invariants S8, S9).

Hashes are ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``: the cost parameters travel with the hash
so that they can be raised later without invalidating what is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os

SCRYPT_N = 2**14
"""CPU/memory cost: about 50 ms on a desktop core, a few hundred on a Pi; 16 MiB of memory."""
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_PREFIX = "scrypt"


def hash_secret(secret: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """Return a salted scrypt hash of ``secret`` in the self-describing format above."""
    salt = os.urandom(_SALT_BYTES)
    digest = hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_HASH_BYTES, maxmem=2**26
    )
    return f"{_PREFIX}${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str | None) -> bool:
    """Check ``secret`` against a hash from :func:`hash_secret`, in constant time.

    A missing or malformed stored hash never matches (and never raises).
    """
    if not stored:
        return False
    try:
        prefix, n, r, p, salt_hex, digest_hex = stored.split("$")
        if prefix != _PREFIX:
            return False
        expected = bytes.fromhex(digest_hex)
        actual = hashlib.scrypt(
            secret.encode("utf-8"),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def looks_like_hash(value: str) -> bool:
    """True when ``value`` has the shape of a hash made by :func:`hash_secret`."""
    parts = value.split("$")
    return len(parts) == 6 and parts[0] == _PREFIX and all(parts[1:])


MASK_PREFIX = "*" * 12
"""The fixed-width part of every mask."""


def mask_card(card_number: str | None) -> str:
    """Show a card number or code as people and logs may see it (S8): ``************1234``.

    The one masking rule of the kiosk (the reader package, which stands alone, applies the same
    rule in :mod:`device.masking`): a fixed-width mask, so the mask leaks no length, then the
    last 4 characters; a short value shows at most half of itself, so a mask never reveals a
    whole number. ``None`` or empty gives an empty string.
    """
    if not card_number:
        return ""
    keep = min(4, len(card_number) // 2)
    return MASK_PREFIX + (card_number[-keep:] if keep else "")
