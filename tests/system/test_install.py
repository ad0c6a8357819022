"""``systemd/install.sh`` in a throw-away root: installs, changes nothing on a re-run, uninstalls.

The script and the package are copied to a temporary source tree so that pip's in-tree build
never writes into the repository. ``KIOSK_SKIP_SYSTEM=1`` prints useradd/systemctl/udevadm
instead of running them; ``--no-deps`` keeps pip from downloading the dependencies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.system.conftest import tree

REPO = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what install.sh needs: pyproject, packages and the systemd directory."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("kiosk", "device", "systemd"):
        shutil.copytree(REPO / name, src / name, ignore=ignore)
    shutil.copy2(REPO / "pyproject.toml", src)
    readme = REPO / "README.md"  # pyproject names it; the lead writes it
    if readme.exists():
        shutil.copy2(readme, src)
    else:
        (src / "README.md").write_text("# card kiosk\n")
    return src


def test_install_uninstall_cycle_in_a_throw_away_root(
    source: Path, tmp_path: Path, run_install: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    root = tmp_path / "root"
    first = run_install(source, root)

    # What a fresh Pi gets.
    for unit in ("kiosk.service", "kiosk-sync.service", "kiosk-cage.service"):
        installed = root / "etc/systemd/system" / unit
        assert installed.read_bytes() == (source / "systemd" / unit).read_bytes()
    rule = root / "etc/udev/rules.d/99-kiosk-reader.rules"
    assert rule.read_bytes() == (source / "systemd/99-kiosk-reader.rules").read_bytes()
    config = root / "etc/kiosk/kiosk.toml"
    assert config.read_bytes() == (source / "systemd/kiosk.toml.example").read_bytes()
    assert (root / "etc/kiosk").stat().st_mode & 0o777 == 0o750
    assert config.stat().st_mode & 0o777 == 0o640
    assert (root / "var/lib/kiosk").stat().st_mode & 0o777 == 0o700
    venv = root / "opt/kiosk/venv"
    assert os.access(venv / "bin/kiosk", os.X_OK)
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert list((site / "kiosk/__pycache__").glob("watchdog.*.pyc")), "bytecode not compiled"
    subprocess.run(
        [str(venv / "bin/python"), "-c", "import kiosk.watchdog"], check=True, cwd=tmp_path
    )
    assert "would run: useradd --system" in first.stdout
    assert "would run: systemctl daemon-reload" in first.stdout
    assert "would run: systemctl enable kiosk.service" in first.stdout
    assert "Next steps" in first.stdout

    # A second run changes nothing: same files, same modes, same mtimes.
    before = tree(root)
    second = run_install(source, root)
    assert tree(root) == before
    assert "package up to date" in second.stdout
    assert "installed /" not in second.stdout
    assert "daemon-reload" not in second.stdout

    # The shop's config survives a re-run; a changed unit is updated.
    config.write_text("# edited by the shop\n")
    unit_source = source / "systemd/kiosk.service"
    original = unit_source.read_text()
    try:
        unit_source.write_text(original.replace("RestartSec=2", "RestartSec=3"))
        third = run_install(source, root)
    finally:
        unit_source.write_text(original)
    assert config.read_text() == "# edited by the shop\n"
    assert "RestartSec=3" in (root / "etc/systemd/system/kiosk.service").read_text()
    assert "would run: systemctl daemon-reload" in third.stdout

    # --uninstall removes the program but keeps the config and the data.
    database = root / "var/lib/kiosk/kiosk.db"
    database.write_bytes(b"SQLite format 3\0")
    removed = run_install(source, root, "--uninstall")
    assert not (root / "etc/systemd/system/kiosk.service").exists()
    assert not rule.exists()
    assert not (root / "opt/kiosk").exists()
    assert database.read_bytes() == b"SQLite format 3\0"
    assert config.exists()
    assert "would run: userdel kiosk" in removed.stdout

    # --purge removes those too.
    run_install(source, root, "--uninstall", "--purge")
    assert not (root / "etc/kiosk").exists()
    assert not (root / "var/lib/kiosk").exists()


def test_purge_alone_is_refused(source: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", str(source / "systemd/install.sh"), "--purge"],
        env={**os.environ, "KIOSK_ROOT": str(tmp_path), "KIOSK_SKIP_SYSTEM": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "--purge only goes with --uninstall" in result.stderr
    assert list(tmp_path.iterdir()) == []
