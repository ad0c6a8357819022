"""Fault injection for the reference server: what can go wrong, decided reproducibly from a seed.

:class:`FaultConfig` says how often each failure happens; :class:`FaultControl` holds the
live config (replaceable at run time) and a ``random.Random(seed)`` from which
:meth:`FaultControl.decide` draws a :class:`Decision` for each API request. Every decision
draws the same number of random values whatever fires, so a sequential run with the same seed
meets the same faults in the same order. Faults happen in two phases:

- before the request is applied: ``reset_before``, ``http_500``, ``http_502``, ``http_503``
  (the change is NOT applied);
- after it is applied: ``drop_after_apply``, ``garbage``, ``truncated``, ``stall`` (the change
  IS applied, but the client gets no usable answer); and ``apply_late``, drawn with them: the
  request is held ``late_seconds`` (past the client's deadline) and only then applied, as a slow
  proxy does (issue 12: a check made before it lands must not conclude "not applied").

The probabilities of one phase are checked in the order listed and must add up to at most 1.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from kiosk.domain.addresses import is_loopback

BeforeFault = Literal["reset", "http_500", "http_502", "http_503"]
"""A fault that strikes before the request is applied."""
AfterFault = Literal["drop", "garbage", "truncated", "stall", "late"]
"""A fault that strikes after the request is applied."""

_BEFORE: tuple[tuple[str, BeforeFault], ...] = (
    ("reset_before", "reset"),
    ("http_500", "http_500"),
    ("http_502", "http_502"),
    ("http_503", "http_503"),
)
_AFTER: tuple[tuple[str, AfterFault], ...] = (
    ("drop_after_apply", "drop"),
    ("garbage", "garbage"),
    ("truncated", "truncated"),
    ("stall", "stall"),
    ("apply_late", "late"),
)


@dataclass(frozen=True)
class FaultConfig:
    """How often each fault strikes; all zero (the default) is a well-behaved server."""

    seed: int | None = None
    """Seed of the decisions; None draws a fresh one (not reproducible)."""
    latency_ms: float = 0.0
    """Added to every API request before it is handled."""
    drop_after_apply: float = 0.0
    """Probability: apply, then close the connection without answering."""
    reset_before: float = 0.0
    """Probability: reset the connection (TCP RST) before applying."""
    http_500: float = 0.0
    """Probability: answer HTTP 500 before applying."""
    http_502: float = 0.0
    """Probability: answer HTTP 502 with a proxy's HTML page before applying."""
    http_503: float = 0.0
    """Probability: answer HTTP 503 before applying."""
    garbage: float = 0.0
    """Probability: apply, then answer 200 with random bytes."""
    truncated: float = 0.0
    """Probability: apply, then send half the answer and close."""
    stall: float = 0.0
    """Probability: apply, then hold the answer for ``stall_seconds``."""
    stall_seconds: float = 30.0
    """How long a stalled answer is held (longer than the client's timeout)."""
    apply_late: float = 0.0
    """Probability: hold the request ``late_seconds``, then apply it (the client gave up)."""
    late_seconds: float = 3.0
    """How long a late request is held before it is applied (longer than the client's timeout)."""
    ignore_proposed_code: bool = False
    """A new customer created with a given ``code`` gets a random code instead (M2 reversed)."""
    only_writes: bool = False
    """Faults other than latency strike only ``record_customer`` calls; look-ups always answer
    (to test what a client does with a lost write when it can still ask what happened)."""

    def __post_init__(self) -> None:
        for name, _ in (*_BEFORE, *_AFTER):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} is a probability from 0 to 1, got {value}")
        for phase in (_BEFORE, _AFTER):
            if sum(getattr(self, name) for name, _ in phase) > 1.0 + 1e-9:
                names = ", ".join(name for name, _ in phase)
                raise ValueError(f"The probabilities of {names} add up to more than 1")
        if self.latency_ms < 0 or self.stall_seconds < 0 or self.late_seconds < 0:
            raise ValueError("latency_ms, stall_seconds and late_seconds must not be negative")

    def to_json(self) -> dict[str, Any]:
        """The config as a JSON object (the ``/_control/faults`` format)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultConfig:
        """Build a config from a JSON object; keys left out keep their defaults.

        Raises:
            ValueError: an unknown key, a value of the wrong type, or a bad probability.
        """
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                raise ValueError(f"Unknown fault setting {key[:40]!r}")
            if key in ("ignore_proposed_code", "only_writes"):
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
            elif key == "seed":
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ValueError("seed must be an integer or null")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{key} must be a number")
            else:
                value = float(value)
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class Decision:
    """What happens to one API request."""

    latency_s: float = 0.0
    before: BeforeFault | None = None
    after: AfterFault | None = None
    stall_seconds: float = 0.0
    late_seconds: float = 0.0
    ignore_proposed_code: bool = False


class FaultControl:
    """The live fault config of a running server, and the seeded source of its decisions.

    Thread-safe: the server's handler threads call :meth:`decide`; tests and the control
    endpoint call :meth:`set`.
    """

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._rng = random.Random()
        self.history: list[Decision] = []
        """Every decision made since the last :meth:`set`, in order (for reproducibility checks)."""
        self.set(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        """The config in force."""
        with self._lock:
            return self._config

    def set(self, config: FaultConfig | None = None, **changes: Any) -> FaultConfig:
        """Replace the config (or change some settings of it) and reseed the decisions."""
        with self._lock:
            new = replace(config or self._config, **changes)
            self._config = new
            self._rng = random.Random(new.seed)
            self.history = []
            return new

    def decide(self, call: str | None = None) -> Decision:
        """Draw the fate of one API request (``call`` is its ``type`` field, if known)."""
        with self._lock:
            config = self._config
            # Always two draws, so the sequence does not depend on which fault fired.
            before = _pick(config, _BEFORE, self._rng.random())
            after = _pick(config, _AFTER, self._rng.random())
            if config.only_writes and call != "record_customer":
                before = after = None
            decision = Decision(
                latency_s=config.latency_ms / 1000.0,
                before=before,  # type: ignore[arg-type]
                after=None if before else after,  # type: ignore[arg-type]
                stall_seconds=config.stall_seconds,
                late_seconds=config.late_seconds,
                ignore_proposed_code=config.ignore_proposed_code,
            )
            self.history.append(decision)
            return decision


def _pick(config: FaultConfig, phase: tuple[tuple[str, str], ...], draw: float) -> str | None:
    total = 0.0
    for name, fault in phase:
        total += getattr(config, name)
        if draw < total:
            return fault
    return None


def control_allowed(peer_host: str) -> bool:
    """Whether a peer may use ``/_control``: loopback addresses only (IPv4-mapped included).

    A peer address, never a name: ``localhost`` is not an address a socket reports."""
    return peer_host.strip().lower() != "localhost" and is_loopback(peer_host)
