"""The doctor's result and context types: ``Check``, ``DoctorContext`` and ``DoctorCheck``.

``kiosk doctor`` (:mod:`kiosk.cli.system`) runs checks written in several layers: its own, those
of the local store (:mod:`kiosk.doctor.database`) and those of the central API
(:mod:`kiosk.doctor.central`). Imports flow one way (the storage and central layers never import
the CLI), so the types they share live here, beside :mod:`kiosk.settings`, and the CLI
re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.settings import Settings


@dataclass(frozen=True)
class Check:
    """The result of one doctor check."""

    name: str
    """Short name printed first (``config``, ``reader``, ...)."""
    ok: bool
    """True when this part of the set-up is fine (or was skipped)."""
    detail: str
    """What was found; never a secret."""
    fix: str = ""
    """What to do about a failure, as a command when there is one."""
    skipped: bool = False
    """The check could not run because an earlier one failed; not counted as a failure."""

    @classmethod
    def skip(cls, name: str, why: str = "needs a valid config") -> Check:
        """A check that could not run."""
        return cls(name, True, f"skipped: {why}", skipped=True)


@dataclass
class DoctorContext:
    """What every check is given."""

    config_path: Path
    """The config file in use."""
    settings: Settings | None
    """The settings, or None when the config is missing or invalid."""
    config_problems: list[str] = field(default_factory=list)
    """Why the config could not be loaded (empty when it loaded)."""
    results: dict[str, Check] = field(default_factory=dict)
    """The results so far, by check name: a check may skip when one it depends on failed."""

    def passed(self, name: str) -> bool:
        """True unless the check ``name`` ran and failed or was skipped (not run yet: True)."""
        earlier = self.results.get(name)
        return earlier is None or (earlier.ok and not earlier.skipped)


DoctorCheck = Callable[[DoctorContext], Check]
"""A doctor check: gets the context, returns one result."""
