"""What an error message of the central API is about: the one definition of each pattern.

Provides :func:`is_account_problem` (our credentials or account are refused: nothing to do with
the entry being sent, so sync retries later and the doctor says "the key is wrong") and
:func:`is_request_problem` (the request itself is malformed: a missing or unknown field). Used by
the client, the sync decisions and the doctor, which once each had their own, different list.
"""

from __future__ import annotations

import re

_ACCOUNT = re.compile(
    r"authenticat|credential|api key|api_key|user_id|user_password|account_id|"
    r"account (is )?(not found|unknown|disabled|suspended)",
    re.IGNORECASE,
)
_REQUEST = re.compile(r"missing required|unknown field", re.IGNORECASE)


def is_account_problem(message: str) -> bool:
    """The API refused our credentials or account (``Authentication failed``, a wrong
    ``account_id``), not the data of one request."""
    return bool(_ACCOUNT.search(message))


def is_request_problem(message: str) -> bool:
    """The API found the request itself malformed (a required field missing, an unknown one)."""
    return bool(_REQUEST.search(message))
