"""The systemd units pass ``systemd-analyze verify`` and keep the settings the kiosk relies on."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEMD_DIR = Path(__file__).parents[2] / "systemd"
UNITS = ["kiosk.service", "kiosk-sync.service", "kiosk-cage.service"]
# Executables that exist only on an installed Pi; verify checks that ExecStart's program exists.
INSTALLED_ONLY = ["/opt/kiosk/venv/bin/kiosk", "/usr/bin/cage"]
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"


def directives(unit: str) -> list[tuple[str, str, str]]:
    """(section, key, value) for every line of a unit file; keys may repeat (DeviceAllow=)."""
    found, section = [], ""
    for line in (SYSTEMD_DIR / unit).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.append((section, key, value))
    return found


def copy_for_verify(unit: str, directory: Path) -> Path:
    """The unit with installed-only executables replaced by a real one in ``directory``."""
    fake = directory / "fake-kiosk"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    text = (SYSTEMD_DIR / unit).read_text()
    for program in INSTALLED_ONLY:
        text = text.replace(program, str(fake))
    copy = directory / unit
    copy.write_text(text)
    return copy


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_passes_systemd_analyze_verify(unit: str, tmp_path: Path) -> None:
    copy = copy_for_verify(unit, tmp_path)
    assert "/opt/kiosk" not in copy.read_text()
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    # verify exits 0 on unknown keys and bad values but warns on stderr: accept neither.
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr


def test_verify_would_catch_a_mistake_in_a_unit(tmp_path: Path) -> None:
    copy = copy_for_verify("kiosk.service", tmp_path)
    copy.write_text(
        copy.read_text().replace("DeviceAllow=char-input r", "DeviceAllow=char-input q")
    )
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", str(copy)], capture_output=True, text=True
    )
    assert "Invalid device rights" in result.stderr


def test_the_kiosk_unit_owns_tty1_as_the_kiosk_user_with_the_watchdog() -> None:
    found = directives("kiosk.service")
    service = {(key, value) for section, key, value in found if section == "Service"}
    unit = dict((key, value) for section, key, value in found if section == "Unit")
    for expected in [
        ("ExecStart", "/opt/kiosk/venv/bin/kiosk run --config /etc/kiosk/kiosk.toml"),
        ("User", "kiosk"),
        ("Type", "notify"),
        ("NotifyAccess", "main"),
        ("WatchdogSec", "30"),
        ("Restart", "always"),
        ("TTYPath", "/dev/tty1"),
        ("StandardInput", "tty"),
        ("StandardOutput", "tty"),
        ("StandardError", "journal"),
        ("TTYReset", "yes"),
        ("TTYVHangup", "yes"),
        ("TTYVTDisallocate", "yes"),
        ("Environment", "TERM=linux"),
        ("SupplementaryGroups", "input dialout"),
        ("StateDirectory", "kiosk"),
        ("ConfigurationDirectory", "kiosk"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("DevicePolicy", "closed"),
        ("DeviceAllow", "/dev/tty1 rw"),
        ("DeviceAllow", "char-input r"),
        ("DeviceAllow", "char-ttyUSB rw"),
        ("DeviceAllow", "char-ttyACM rw"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
        ("UMask", "0077"),
        ("SystemCallArchitectures", "native"),
    ]:
        assert expected in service, expected
    assert unit["Conflicts"] == "getty@tty1.service"
    assert set(unit["After"].split()) == {"getty@tty1.service", "systemd-user-sessions.service"}


def test_the_sync_unit_is_headless_and_the_cage_unit_runs_foot_under_cage() -> None:
    sync = {key: value for _, key, value in directives("kiosk-sync.service")}
    assert sync["ExecStart"] == "/opt/kiosk/venv/bin/kiosk sync run --config /etc/kiosk/kiosk.toml"
    assert sync["Type"] == "simple"
    assert "TTYPath" not in sync
    cage = {key: value for _, key, value in directives("kiosk-cage.service")}
    assert cage["ExecStart"].startswith(
        "/usr/bin/env XDG_RUNTIME_DIR=/run/kiosk-cage "
        '/usr/bin/cage -- /usr/bin/foot -f "monospace:size=24" '
    )
    assert cage["ExecStart"].endswith(
        "/opt/kiosk/venv/bin/kiosk run --config /etc/kiosk/kiosk.toml"
    )


RULE_TOKEN = re.compile(r'^(?:[A-Z]+(?:\{[A-Za-z_]+\})?)(?:==|!=|\+=|=)"[^"]*"$')


def test_the_udev_rule_gives_known_readers_to_the_kiosk_group_with_a_stable_name() -> None:
    rules = [
        line
        for line in (SYSTEMD_DIR / "99-kiosk-reader.rules").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    ids = set()
    for rule in rules:
        tokens = [token.strip() for token in rule.split(",")]
        assert all(RULE_TOKEN.match(token) for token in tokens), rule
        if rule.startswith(("ACTION", "LABEL")):
            continue
        fields = dict(re.match(r'(.+?)(?:==|\+=|=)"(.*)"', t).groups() for t in tokens)  # type: ignore[union-attr]
        assert fields["GROUP"] == "kiosk"
        assert fields["SYMLINK"] == "kiosk-reader"
        if fields["SUBSYSTEM"] == "input":
            assert (fields["KERNEL"], fields["MODE"]) == ("event*", "0640")
        else:
            assert (fields["SUBSYSTEM"], fields["MODE"]) == ("tty", "0660")
            assert fields["KERNEL"] in ("ttyACM*", "ttyUSB*")
        ids.add((fields["SUBSYSTEM"], fields["ATTRS{idVendor}"], fields["ATTRS{idProduct}"]))
    # Only card readers (each checked against usb.ids: tests/device/test_udev_rule.py).
    assert ids == {
        ("input", "0801", "0001"),
        ("input", "0801", "0003"),
        ("input", "0acd", "2030"),
        ("input", "0404", "032a"),
        ("input", "03f0", "1539"),
        ("input", "03f0", "2724"),
        ("input", "0aa7", "0402"),
        ("input", "0d3a", "0500"),
        ("input", "040b", "6543"),
        ("input", "5131", "2007"),
        ("input", "c216", "0180"),
        ("tty", "0acd", "0630"),
    }
    assert rules[0].startswith('ACTION=="remove", GOTO="kiosk_reader_end"')
    assert rules[-1] == 'LABEL="kiosk_reader_end"'


SECURITY_LIMIT = 3.5
"""Issue 16: every unit at this exposure or lower in ``systemd-analyze security``."""


def exposure(unit: Path) -> float:
    """The overall exposure ``systemd-analyze security --offline=yes`` gives ``unit``."""
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout)
    assert found, result.stdout + result.stderr
    return float(found.group(1))


@pytest.mark.parametrize("unit", UNITS)
def test_every_unit_scores_at_most_3_5_in_systemd_analyze_security(unit: str) -> None:
    assert exposure(SYSTEMD_DIR / unit) <= SECURITY_LIMIT


def test_the_security_score_would_catch_a_loosened_unit(tmp_path: Path) -> None:
    """The check can fail: the cage unit without its sandbox scores 'exposed'."""
    sandbox = ("Protect", "Private", "Restrict", "Device", "Capability", "SystemCall", "Lock")
    lines = (SYSTEMD_DIR / "kiosk-cage.service").read_text().splitlines()
    loose = tmp_path / "kiosk-cage.service"
    loose.write_text("\n".join(line for line in lines if not line.startswith(sandbox)) + "\n")
    assert exposure(loose) > SECURITY_LIMIT


@pytest.mark.parametrize("unit", UNITS)
def test_every_unit_hands_the_api_key_over_with_load_credential(unit: str) -> None:
    service = [(key, value) for section, key, value in directives(unit) if section == "Service"]
    assert ("LoadCredential", "api-key:/etc/kiosk/credentials") in service
    assert ("InaccessiblePaths", "-/etc/kiosk/credentials") in service
    (default,) = [value for key, value in service if key == "SetCredential"]
    assert default.startswith("api-key:#"), "the default must hold no key, only a comment"


def test_the_cage_unit_still_gets_the_gpu_input_and_its_logind_seat() -> None:
    service = [
        (key, value) for section, key, value in directives("kiosk-cage.service")
        if section == "Service"
    ]
    values = dict(service)
    for device in ("char-drm rw", "char-input rw", "/dev/tty1 rw"):
        assert ("DeviceAllow", device) in service
    assert values["DevicePolicy"] == "closed"
    assert set(values["SupplementaryGroups"].split()) == {"input", "dialout", "video", "render"}
    assert values["PAMName"] == "login" and values["TTYPath"] == "/dev/tty1"
    assert {"AF_UNIX", "AF_NETLINK"} <= set(values["RestrictAddressFamilies"].split())
    assert values["RuntimeDirectory"] == "kiosk-cage"
    assert "XDG_RUNTIME_DIR=/run/kiosk-cage " in values["ExecStart"]
    assert "PrivateDevices" not in values and "PrivateUsers" not in values
