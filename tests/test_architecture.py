"""Imports flow one way (design.md layout; style.md): ``device`` stands alone, and inside the
kiosk ``ui`` -> ``sync``/``storage``/``central`` -> ``domain``. Checked statically over every
import statement, those inside functions included, so a lazy import cannot slip through."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "device": ("kiosk", "textual"),
    "kiosk/domain": (
        "kiosk.storage",
        "kiosk.sync",
        "kiosk.central",
        "kiosk.ui",
        "kiosk.cli",
        "device",
        "sqlite3",
        "sqlite_utils",
        "httpx",
        "textual",
    ),
    "kiosk/storage": ("kiosk.sync", "kiosk.central", "kiosk.ui", "kiosk.cli", "httpx", "textual"),
    "kiosk/central": ("kiosk.sync", "kiosk.ui", "kiosk.cli", "textual"),
    "kiosk/sync": ("kiosk.ui", "kiosk.cli", "textual"),
    "kiosk/ui": ("kiosk.cli",),
}
"""Package folder -> module prefixes none of its files may import."""


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name imported anywhere in ``path``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules under {package}"
    wrong = []
    for path in files:
        for name in imported_modules(path):
            for prefix in FORBIDDEN[package]:
                if name == prefix or name.startswith(prefix + "."):
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_every_module_says_what_it_provides() -> None:
    """Each module opens with a docstring (style.md)."""
    missing = [
        str(path.relative_to(ROOT))
        for folder in ("kiosk", "device")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert missing == []
