"""The account's API credentials (rule A1), shared by the client and the reference server."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Credentials:
    """Account id, user id and API key (the ``user_password`` of the form); the key never shows
    in a repr."""

    account_id: str
    user_id: str
    api_key: str = field(repr=False)
