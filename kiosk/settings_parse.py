"""Reading and checking the values of ``kiosk.toml``, for :mod:`kiosk.settings`.

Provides ``Table`` (reads typed values out of one TOML table, collecting every problem instead of
stopping at the first), ``check_url`` (the central API address: https unless loopback, no
credentials in it), ``check_reader_spec`` (a ``kind:target`` reader spec) and ``show_value``
(a value as TOML would write it, for messages). Every message names its key
(``sync.concurrency: ...``) and none echoes a secret (S8).

Kept apart from :mod:`kiosk.settings` so that the settings model and loading stay short; this
module knows nothing of the ``Settings`` classes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from device.readers import KNOWN_OPTIONS, parse_spec
from kiosk.domain.addresses import api_url_problem
from kiosk.domain.secrets import looks_like_hash

READER_KINDS: tuple[str, ...] = tuple(KNOWN_OPTIONS)
"""The reader spec prefixes the kiosk knows (``kind:target``; ``terminal`` has no target)."""
HASH_PIN_HINT = "run `kiosk config hash-pin` and paste the line it prints"
"""Where a bad or missing staff PIN hash comes from."""


def show_value(value: Any) -> str:
    """A value as it would be written in TOML, for error messages (never used for secrets)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


class Table:
    """Reads typed values out of one TOML table, collecting problems instead of stopping."""

    def __init__(self, data: Any, prefix: str, problems: list[str]) -> None:
        self.prefix = prefix
        self.problems = problems
        self.seen: set[str] = set()
        if not isinstance(data, dict):
            problems.append(f"{prefix}: must be a table ([{prefix}]), got {show_value(data)}")
            data = {}
        self.data: dict[str, Any] = data

    def key(self, name: str) -> str:
        """The full key name for messages: ``sync.concurrency``."""
        return f"{self.prefix}.{name}" if self.prefix else name

    def get(self, name: str, required: bool) -> Any:
        """The raw value (None when absent), remembered as known; a missing required key is a
        problem."""
        self.seen.add(name)
        if name not in self.data and required:
            self.problems.append(f"missing key {self.key(name)}")
        return self.data.get(name)

    def text(self, name: str, default: str | None = None, *, ids: bool = False) -> str | None:
        """A non-empty string (an integer too with ``ids``); required when ``default`` is None."""
        value = self.get(name, required=default is None)
        if value is None:
            return default
        if ids and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(
                f"{self.key(name)}: must be a non-empty string, got {show_value(value)}"
            )
            return default
        if "CHANGE-ME" in value:
            self.problems.append(f"{self.key(name)}: still the example value; set it")
        return value.strip()

    def number(self, name: str, default: float, low: int, high: int, what: str = "whole") -> Any:
        """An int (``what="whole"``) or, for ``what="seconds"``, an int or float, in range."""
        value = self.get(name, required=False)
        if value is None:
            return default
        kinds = int if what == "whole" else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            noun = "whole number" if what == "whole" else "number of seconds"
            self.problems.append(
                f"{self.key(name)}: must be a {noun} from {low} to {high}, got {show_value(value)}"
            )
            return default
        return value

    def flag(self, name: str, default: bool) -> bool:
        """``true`` or ``false``."""
        value = self.get(name, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problems.append(
                f"{self.key(name)}: must be true or false, got {show_value(value)}"
            )
            return default
        return value

    def amount(self, name: str, default: Decimal) -> Decimal:
        """An amount from 0 to 1,000,000 with at most 2 decimals (0: no limit)."""
        value = self.get(name, required=False)
        if value is None:
            return default
        number: Decimal | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = Decimal(str(value))
        if (
            number is None
            or not number.is_finite()
            or not 0 <= number <= 1_000_000
            or number != number.quantize(Decimal("0.01"))
        ):
            self.problems.append(
                f"{self.key(name)}: must be a number from 0 (no limit) to 1000000 with at "
                f"most 2 decimals, got {show_value(value)}"
            )
            return default
        return number

    def path(self, name: str, default: Path | None) -> Path | None:
        """An absolute path (``~`` expanded)."""
        value = self.text(name, str(default) if default else None)
        if value is None:
            return None
        path = Path(value).expanduser()
        if not path.is_absolute():
            self.problems.append(
                f"{self.key(name)}: must be an absolute path, got {show_value(value)}"
            )
        return path

    def secret_hash(self, name: str, required: bool) -> str | None:
        """A PIN or card hash made by ``kiosk config hash-pin``, or None."""
        # Never echo the value: a mistaken plain PIN must not reach a terminal or a log (S8).
        value = self.get(name, required=False)
        if value is None:
            if required:
                self.problems.append(f"missing key {self.key(name)} ({HASH_PIN_HINT})")
            return None
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            self.problems.append(
                f"{self.key(name)}: looks like a plain PIN or card number; the config holds only "
                f"a hash: {HASH_PIN_HINT}"
            )
        elif not isinstance(value, str) or not looks_like_hash(value.strip()):
            self.problems.append(
                f"{self.key(name)}: is not a hash made by kiosk (scrypt$...); {HASH_PIN_HINT}"
            )
        else:
            return value.strip()
        return None

    def finish(self) -> None:
        """Report keys nobody asked for: a typo must not silently fall back to a default."""
        known = ", ".join(sorted(self.seen))
        where = f"[{self.prefix}]" if self.prefix else "the top level"
        for name in self.data:
            if name not in self.seen:
                self.problems.append(
                    f"unknown key {self.key(name)} (known keys in {where}: {known})"
                )


def check_url(url: str | None, problems: list[str]) -> None:
    """Add a problem unless ``url`` may be the central API's address
    (:func:`kiosk.domain.addresses.api_url_problem`)."""
    if url is None:
        return
    problem = api_url_problem(url)
    if problem is not None:
        problems.append(f"central.url: {problem}")


def check_reader_spec(spec: str, problems: list[str]) -> None:
    """Add a problem unless ``spec`` is a reader spec the reader package accepts (its own
    :func:`device.readers.parse_spec`: one definition of a valid spec), with a whole baud."""
    try:
        parsed = parse_spec(spec)
    except ValueError as error:
        problems.append(f"reader.spec: {error}")
        return
    baud = parsed.options.get("baud")
    if parsed.kind == "serial" and baud is not None and not baud.isdigit():
        problems.append(f"reader.spec: baud must be a whole number, got {show_value(baud)}")


def card_rules_of(reader: Table, problems: list[str]) -> dict[str, Any]:
    """``reader.card_min_digits``, ``card_max_digits``, ``card_prefixes``, ``card_luhn``."""
    low = int(reader.number("card_min_digits", 4, 4, 32))
    high = int(reader.number("card_max_digits", 32, 4, 32))
    if low > high:
        problems.append(f"reader.card_min_digits ({low}) is more than card_max_digits ({high})")
    prefixes = reader.get("card_prefixes", required=False) or []
    if not isinstance(prefixes, list) or not all(
        isinstance(p, str) and p.isascii() and p.isdigit() for p in prefixes
    ):
        problems.append('reader.card_prefixes must be a list of digit strings, e.g. ["6001"]')
        prefixes = []
    luhn = reader.get("card_luhn", required=False)
    if luhn is not None and not isinstance(luhn, bool):
        problems.append("reader.card_luhn must be true or false")
    return {
        "card_min_digits": low,
        "card_max_digits": high,
        "card_prefixes": tuple(prefixes),
        "card_luhn": luhn is True,
    }
