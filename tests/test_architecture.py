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


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports, from every import statement (those in
    functions and under ``TYPE_CHECKING`` included); ``from a import b`` names module ``a.b``
    when that is a module, else ``a``. Relative imports are resolved."""
    paths = {module_name(p): p for p in (ROOT / package.replace(".", "/")).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        anchor = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    kept = anchor.split(".")[: len(anchor.split(".")) - node.level + 1]
                    base = ".".join([*kept, base] if base else kept)
                found.update(
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base
                    for alias in node.names
                )
        graph[name] = {target for target in found if target in paths and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


KIOSK_PACKAGES = sorted(module_name(p.parent) for p in (ROOT / "kiosk").rglob("__init__.py"))


def test_the_cycle_check_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", KIOSK_PACKAGES)
def test_no_import_cycle_inside_a_package(package: str) -> None:
    """No module of ``package`` imports itself back through others, not even lazily."""
    assert cycles(import_graph(package)) == []
