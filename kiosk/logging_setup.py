"""Logging for the kiosk: stderr (journald under systemd) with card numbers and secrets masked.

Provides ``setup_logging()``, ``register_secret()``, ``mask_text()`` and the ``RedactingFilter``
it installs on the root handler (S8: no credential or full card number reaches a log line).

Under systemd (stderr connected to the journal, detected through ``$JOURNAL_STREAM``) each line
starts with a ``<N>`` syslog priority that ``SyslogLevelPrefix=yes`` turns into the journal
priority: ``<4>kiosk.sync: message``. Elsewhere lines read ``WARNING kiosk.sync: message``.
The level comes from ``$KIOSK_LOG_LEVEL`` (a name such as ``DEBUG`` or a number), default INFO.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import quote, quote_plus

from kiosk.domain.secrets import mask_card

LEVEL_ENV = "KIOSK_LOG_LEVEL"
"""Environment variable holding the log level."""
REDACTED = "[REDACTED]"
"""What a registered secret is replaced with."""
MIN_SECRET_LENGTH = 4
"""Shorter values are not registered: replacing every "12" in every line would garble the log."""

_CARD_NUMBER = re.compile(
    # A run of 8+ digits, or 3+ groups of 4 digits split by spaces or dashes (4111 1111 1111 1111).
    # Dates (2024-01-15) and times do not match; long plain numbers (byte counts) are masked too,
    # which is the safe side to err on.
    r"(?<!\d)(?:\d{8,}|\d{4}(?:[ -]\d{4}){2,})(?!\d)"
)
_SYSLOG_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str) -> None:
    """Redact ``secret`` from every log line from now on (the API key, a password)."""
    if secret and len(secret) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            # Also its form-encoded spelling: the key travels in a form POST body (api-notes).
            _secrets.update({secret, quote_plus(secret), quote(secret, safe="")})


def clear_secrets() -> None:
    """Forget every registered secret (for tests)."""
    with _secrets_lock:
        _secrets.clear()


def _mask_card(match: re.Match[str]) -> str:
    # The kiosk's one masking rule, applied to the digits of the run (separators dropped).
    return mask_card("".join(char for char in match.group(0) if char.isdigit()))


def mask_text(text: str) -> str:
    """Return ``text`` with registered secrets redacted and card numbers masked to the last 4."""
    with _secrets_lock:
        # Longest first, so that a secret containing another is redacted whole.
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _CARD_NUMBER.sub(_mask_card, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record so that its message, traceback and stack carry no secret.

    Installed on handlers rather than loggers: a logger's filters do not see records that
    propagate from child loggers, a handler's filters see every record it emits.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line, nor leak its args
            message = f"{record.msg!s} (bad log arguments)"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class KioskFormatter(logging.Formatter):
    """``<N>name: message`` for journald (each line prefixed), else ``LEVEL name: message``."""

    def __init__(self, journal: bool) -> None:
        super().__init__()
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.name}: {super().format(record)}"
        if not self.journal:
            return f"{record.levelname} {text}"
        # journald splits a stream on newlines; prefix every line so a traceback keeps its level.
        prefix = f"<{syslog_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in text.splitlines() or [""])


def syslog_priority(levelno: int) -> int:
    """The syslog priority (0..7) for a logging level; levels between names round down."""
    for level in sorted(_SYSLOG_PRIORITY, reverse=True):
        if levelno >= level:
            return _SYSLOG_PRIORITY[level]
    return 7


def stream_is_journal(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is the journal stream systemd gave us.

    ``$JOURNAL_STREAM`` is ``device:inode`` of that stream; it is inherited by children whose
    stderr may go elsewhere (a terminal under ``cage``), so compare it with the actual fd.
    """
    env = os.environ if environ is None else environ
    value = env.get("JOURNAL_STREAM", "")
    device, _, inode = value.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (info.st_dev, info.st_ino) == (int(device), int(inode))


def parse_level(value: str | None, default: int = logging.INFO) -> int:
    """A level from ``DEBUG``/``info``/``10``; ``default`` when empty or unknown."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return int(value)
    level = logging.getLevelName(value.upper())
    return level if isinstance(level, int) else default


def setup_logging(
    level: int | str | None = None,
    *,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> logging.Handler:
    """Configure the root logger once for the process and return its handler.

    Args:
        level: overrides ``$KIOSK_LOG_LEVEL``.
        stream: where to write (default stderr). A TUI on the same terminal should pass a file
            or keep the default only when stderr is not the screen (it is the journal under
            systemd).
        environ: the environment to read (tests pass a dict).

    Calling it again replaces the handler it installed before, leaving other handlers alone.
    """
    env = os.environ if environ is None else environ
    stream = sys.stderr if stream is None else stream
    if isinstance(level, str):
        level = parse_level(level)
    elif level is None:
        level = parse_level(env.get(LEVEL_ENV))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_kiosk_handler", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream)
    handler._kiosk_handler = True  # type: ignore[attr-defined]
    handler.setFormatter(KioskFormatter(journal=stream_is_journal(stream, env)))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs each request URL at INFO; keep it quieter unless we are debugging.
    logging.getLogger("httpx").setLevel(
        logging.NOTSET if level <= logging.DEBUG else logging.WARNING
    )
    return handler
