"""Imports flow one way (design.md layout; style.md): ``device`` stands alone, and inside the
kiosk ``ui`` -> ``sync`` -> ``storage``/``central`` -> ``domain``. Checked statically over every
import statement, those inside functions included, so a lazy import cannot slip through; every
module of ``kiosk/`` and ``device/`` must fall under a rule, top-level modules included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_ABOVE_DOMAIN = (
    "kiosk.storage",
    "kiosk.sync",
    "kiosk.central",
    "kiosk.ui",
    "kiosk.cli",
    "kiosk.doctor",
    "kiosk.demo",
    "kiosk.settings",
    "kiosk.logging_setup",
)

RULES: dict[str, tuple[str, ...]] = {
    "device": ("kiosk", "textual"),
    "kiosk/domain": (*_ABOVE_DOMAIN, "device", "sqlite3", "sqlite_utils", "httpx", "textual"),
    "kiosk/storage": (
        "kiosk.sync",
        "kiosk.central",
        "kiosk.ui",
        "kiosk.cli",
        "kiosk.doctor",
        "kiosk.demo",
        "kiosk.settings",
        "httpx",
        "textual",
    ),
    "kiosk/central": ("kiosk.sync", "kiosk.ui", "kiosk.cli", "kiosk.doctor", "textual"),
    "kiosk/sync": ("kiosk.ui", "kiosk.cli", "kiosk.doctor", "kiosk.demo", "textual"),
    "kiosk/doctor": ("kiosk.ui", "kiosk.cli", "textual"),
    "kiosk/ui": ("kiosk.cli", "kiosk.doctor"),
    "kiosk/cli": (),
    "kiosk/__init__.py": ("kiosk.",),
    "kiosk/__main__.py": ("textual", "httpx", "sqlite_utils"),
    "kiosk/settings.py": (*_ABOVE_DOMAIN[:-2], "device", "textual", "httpx", "sqlite_utils"),
    "kiosk/settings_parse.py": (*_ABOVE_DOMAIN, "device", "textual", "httpx", "sqlite_utils"),
    "kiosk/logging_setup.py": (*_ABOVE_DOMAIN, "device", "textual", "httpx", "sqlite_utils"),
    "kiosk/watchdog.py": ("kiosk.", "textual", "httpx", "sqlite_utils"),
    "kiosk/demo.py": ("kiosk.ui", "kiosk.cli", "kiosk.doctor", "textual"),
}
"""Package folder or top-level module -> module prefixes none of its files may import.
``kiosk/cli`` is the top: it may import anything."""


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name imported anywhere in ``path``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def rule_files(rule: str) -> list[Path]:
    """The files a rule covers: one module, or every module under a folder."""
    target = ROOT / rule
    return [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))


def forbidden(name: str, prefix: str) -> bool:
    """``prefix`` ending in a dot forbids every module below it; otherwise the module itself
    and everything below it."""
    if prefix.endswith("."):
        return name.startswith(prefix)
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("rule", sorted(RULES))
def test_imports_flow_one_way(rule: str) -> None:
    files = rule_files(rule)
    assert files and all(path.exists() for path in files), f"no modules under {rule}"
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in sorted(imported_modules(path))
        for prefix in RULES[rule]
        if forbidden(name, prefix)
    ]
    assert wrong == []


def test_every_module_falls_under_a_rule() -> None:
    """A new package or top-level module must say where it stands in the layering."""
    covered = {path for rule in RULES for path in rule_files(rule)}
    every = {path for folder in ("kiosk", "device") for path in (ROOT / folder).rglob("*.py")}
    assert sorted(str(path.relative_to(ROOT)) for path in every - covered) == []


def test_every_module_says_what_it_provides() -> None:
    """Each module opens with a docstring (style.md)."""
    missing = [
        str(path.relative_to(ROOT))
        for folder in ("kiosk", "device")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert missing == []
