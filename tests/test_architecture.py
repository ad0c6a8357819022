"""Imports flow one way (design.md layout; style.md): ``device`` stands alone, and inside the
kiosk ``ui`` -> ``sync``/``storage``/``central`` -> ``domain``. The reference server
(``kiosk/reference``) is a model of the real central API beside the product: it uses the pure
rules of ``domain`` and the standard library, and the product's client never imports it.
Checked statically over every import statement, those inside functions included, so a lazy import
cannot slip through."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "device": ("kiosk", "textual"),
    "kiosk/domain": (
        "kiosk.storage",
        "kiosk.sync",
        "kiosk.central",
        "kiosk.reference",
        "kiosk.ui",
        "kiosk.cli",
        "device",
        "sqlite3",
        "sqlite_utils",
        "httpx",
        "textual",
    ),
    "kiosk/storage": (
        "kiosk.sync",
        "kiosk.central",
        "kiosk.reference",
        "kiosk.ui",
        "kiosk.cli",
        "httpx",
        "textual",
    ),
    "kiosk/central": (
        "kiosk.reference",
        "kiosk.storage",
        "kiosk.sync",
        "kiosk.ui",
        "kiosk.cli",
        "textual",
        "sqlite3",
        "sqlite_utils",
    ),
    "kiosk/reference": (
        "kiosk.storage",
        "kiosk.central",
        "kiosk.sync",
        "kiosk.ui",
        "kiosk.cli",
        "kiosk.settings",
        "kiosk.checkup",
        "device",
        "sqlite_utils",
        "httpx",
        "defusedxml",
        "textual",
        "platformdirs",
    ),
    "kiosk/sync": ("kiosk.reference", "kiosk.ui", "kiosk.cli", "textual"),
    "kiosk/ui": ("kiosk.cli", "kiosk.reference"),
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


def _outside(path: Path, allowed: tuple[str, ...]) -> list[str]:
    """Imports of ``path`` that are neither the standard library nor under ``allowed``."""
    wrong = []
    for name in imported_modules(path):
        top = name.split(".")[0]
        if top == "__future__" or top in sys.stdlib_module_names:
            continue
        if not any(name == prefix or name.startswith(prefix + ".") for prefix in allowed):
            wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    return wrong


def test_the_reference_server_uses_only_the_domain_and_the_standard_library() -> None:
    """The reference server models the real API: it shares the pure rules (``kiosk.domain``)
    and nothing of the product's storage, client, sync or UI."""
    files = sorted((ROOT / "kiosk" / "reference").rglob("*.py"))
    assert files
    assert [w for path in files for w in _outside(path, ("kiosk.domain", "kiosk.reference"))] == []


@pytest.mark.parametrize("module", ["client.py", "answers.py"])
def test_the_central_client_depends_only_on_the_domain(module: str) -> None:
    """The product's client of the central API: httpx, defusedxml and ``kiosk.domain`` only."""
    allowed = ("kiosk.domain", "kiosk.central.answers", "httpx", "defusedxml")
    assert _outside(ROOT / "kiosk" / "central" / module, allowed) == []
