"""Imports flow one way (design.md layout; style.md): ``device`` stands alone, and inside the
kiosk ``ui`` -> ``sync`` -> ``storage``/``central`` -> ``domain``. The reference server
(``kiosk/reference``) is a model of the real central API beside the product: it uses the pure
rules of ``domain`` and the standard library, and the product's client never imports it.
Checked statically over every import statement, those inside functions included, so a lazy import
cannot slip through; every module of ``kiosk/`` and ``device/`` must fall under a rule,
top-level modules included."""

from __future__ import annotations

import ast
import sys
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
        "kiosk.reference",
        "kiosk.ui",
        "kiosk.cli",
        "kiosk.doctor",
        "kiosk.demo",
        "kiosk.settings",
        "httpx",
        "textual",
    ),
    "kiosk/central": (
        "kiosk.reference",
        "kiosk.storage",
        "kiosk.sync",
        "kiosk.ui",
        "kiosk.cli",
        "kiosk.doctor",
        "kiosk.settings",
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
        "kiosk.doctor",
        "kiosk.settings",
        "device",
        "sqlite_utils",
        "httpx",
        "defusedxml",
        "textual",
        "platformdirs",
    ),
    "kiosk/sync": (
        "kiosk.reference",
        "kiosk.ui",
        "kiosk.cli",
        "kiosk.doctor",
        "kiosk.demo",
        "textual",
    ),
    "kiosk/doctor": ("kiosk.ui", "kiosk.cli", "textual"),
    "kiosk/ui": ("kiosk.cli", "kiosk.doctor", "kiosk.reference"),
    "kiosk/cli": (),
    "kiosk/__init__.py": ("kiosk.",),
    "kiosk/__main__.py": ("textual", "httpx", "sqlite_utils"),
    "kiosk/settings.py": (*_ABOVE_DOMAIN[:-2], "textual", "httpx", "sqlite_utils"),
    # The reader spec is checked by the reader package's own parser (pure, no device opened).
    "kiosk/settings_parse.py": (*_ABOVE_DOMAIN, "textual", "httpx", "sqlite_utils"),
    "kiosk/settings_credentials.py": ("kiosk.", "textual", "httpx", "sqlite_utils"),
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
    """Each module opens with a docstring (style.md), and so does each package's
    ``__init__.py``: the package says what it provides, even when it holds no code."""
    missing = [
        str(path.relative_to(ROOT))
        for folder in ("kiosk", "device")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (path.stat().st_size or path.name == "__init__.py")
        and ast.get_docstring(ast.parse(path.read_text())) is None
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


CLIENT_MODULES = ("client", "answers", "records", "stream", "transport", "ledger_calls")
"""The modules of the product's client of the central API (``doctor`` checks the line, apart)."""


@pytest.mark.parametrize("module", CLIENT_MODULES)
def test_the_central_client_depends_only_on_the_domain(module: str) -> None:
    """The product's client of the central API: httpx, defusedxml and ``kiosk.domain`` only."""
    allowed = (
        "kiosk.domain",
        "httpx",
        "defusedxml",
        *(f"kiosk.central.{m}" for m in CLIENT_MODULES),
    )
    assert _outside(ROOT / "kiosk" / "central" / f"{module}.py", allowed) == []
