"""Fixtures shared by every test package: a real SQLite store in a temporary directory, and the
session-wide collector of logs, exceptions and screen text that the S8 leak test checks
(:func:`register_secret`, :func:`record_text`, ``tests/test_no_secrets_leak.py``)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.storage.customer_store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store on a real SQLite file, with the documented custom fields and campaigns."""
    with Store(tmp_path / "kiosk.db") as opened:
        opened.define_custom_field(CustomFieldDef(1, "Favourite cheese", "text"))
        opened.define_custom_field(
            CustomFieldDef(2, "Marital status", "pick", ("Single", "Married"))
        )
        opened.define_custom_field(CustomFieldDef(3, "Last visit", "datetime"))
        opened.define_custom_field(
            CustomFieldDef(4, "Cheeses liked", "list", ("Gouda", "Emental", "Swiss"))
        )
        opened.define_campaign(Campaign("1", "Points", "points"))
        opened.define_campaign(Campaign("2", "Visits", "visits"))
        opened.define_campaign(Campaign("3", "Store credit", "dollars"))
        opened.define_campaign(Campaign("4", "Coffee card", "buyx"))
        yield opened


# S8 leak collector ------------------------------------------------------------------------------
# Everything the suite makes the code say is collected here, and tests/test_no_secrets_leak.py
# (moved to the end of the run) checks none of it holds a secret: every log record at DEBUG and
# up (formatted, with its traceback), the text of every exception our code raised (uncaught, or
# caught by pytest.raises), and screen text recorded by the UI tests (tests/ui/conftest.py) and
# the real-terminal test. S8 in docs/design.md.

LEAK_TEST_FILE = "test_no_secrets_leak.py"
API_KEYS: tuple[str, ...] = ("1959caadac9b13dcb3",)
"""API keys that must never appear (the reference server's demo key is added below)."""


@dataclass
class LeakCollector:
    """What the suite produced, and the values that must never be in it."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    """(where it came from, text)."""
    secrets: set[str] = field(default_factory=set)
    """Values that must appear nowhere: API keys, full card numbers, passwords."""
    pins: set[str] = field(default_factory=set)
    """PINs: short digit strings, so only flagged in a PIN context (``PIN: 2468``)."""

    def record(self, source: str, text: str) -> None:
        if text:
            self.texts.append((source, text))


LEAKS = LeakCollector()
"""The session's collector (one process: the suite runs serially)."""


def register_secret(value: str, *, pin: bool = False) -> None:
    """Declare a test value secret: the leak test fails if it shows up anywhere.

    ``pin=True`` for PINs, which are checked only next to the word PIN/password, since four
    digits also occur innocently (times, amounts, masked card endings).
    """
    if value:
        (LEAKS.pins if pin else LEAKS.secrets).add(value)


def record_text(source: str, text: str) -> None:
    """Record text the code put on a screen or a terminal (UI and terminal tests call this)."""
    LEAKS.record(source, text)


def _register_known_secrets() -> None:
    from kiosk.demo import DEMO_CARDS, DEMO_STAFF_PIN

    for key in API_KEYS:
        register_secret(key)
    try:
        from kiosk.reference.server import DEFAULT_CREDENTIALS

        register_secret(DEFAULT_CREDENTIALS.api_key)
    except (ImportError, AttributeError):  # the leak test still checks the fixed key
        pass
    for card in DEMO_CARDS:
        register_secret(card.card_number)
        if card.pin:
            register_secret(card.pin, pin=True)
    register_secret(DEMO_STAFF_PIN, pin=True)


class _CollectingHandler(logging.Handler):
    """Keeps every record formatted as a log line would be, traceback included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            LEAKS.record(f"log {record.name}", self.format(record))
        except Exception:  # a record that cannot be formatted still must not break a test
            LEAKS.record(f"log {record.name}", f"{record.msg!s} {record.args!r}")


def _exception_text(error: BaseException) -> str:
    """What an exception says: its type and message, and those of its causes."""
    seen: set[int] = set()
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += traceback.format_exception_only(type(current), current)
        current = current.__cause__ or current.__context__
    return "".join(parts)


def _record_caught(exit_method: Any) -> Any:
    def __exit__(self: Any, exc_type: Any, exc_val: Any, exc_tb: Any) -> Any:
        if isinstance(exc_val, BaseException):
            LEAKS.record("exception (pytest.raises)", _exception_text(exc_val))
        return exit_method(self, exc_type, exc_val, exc_tb)

    return __exit__


def pytest_configure(config: pytest.Config) -> None:
    """Install the collectors before any test module is imported."""
    _register_known_secrets()
    logging.getLogger().addHandler(_CollectingHandler())
    # Exceptions a test expects are caught by pytest.raises and never reach a report: record them
    # as they pass through its context managers (private API of the pinned pytest 8.4).
    from _pytest import raises as raises_module

    for name in ("RaisesExc", "RaisesGroup"):
        cls = getattr(raises_module, name, None)
        if cls is not None and "__exit__" in vars(cls):
            cls.__exit__ = _record_caught(vars(cls)["__exit__"])


@pytest.fixture(autouse=True)
def _log_everything() -> Iterator[None]:
    """Let DEBUG records be produced, so the leak check sees every line code could log."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    yield
    root.setLevel(level)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Record exceptions that escaped our code into a test (not the test's own asserts)."""
    yield
    excinfo = call.excinfo
    if excinfo is None or isinstance(excinfo.value, pytest.skip.Exception | pytest.fail.Exception):
        return
    if isinstance(excinfo.value, AssertionError):
        last = excinfo.traceback[-1] if excinfo.traceback else None
        if last is not None and Path(str(last.path)).is_relative_to(Path(__file__).parent):
            return  # a failed assert of the test itself, which may quote secrets on purpose
    LEAKS.record(f"exception in {item.nodeid}", _exception_text(excinfo.value))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The leak test runs last: it checks what every other test produced."""
    last = [item for item in items if item.path.name == LEAK_TEST_FILE]
    items[:] = [item for item in items if item.path.name != LEAK_TEST_FILE] + last
