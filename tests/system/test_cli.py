"""``kiosk config check``, ``kiosk config hash-pin`` and ``kiosk doctor``."""

from __future__ import annotations

import argparse
import io
import sys
import tomllib
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.cli import system
from kiosk.cli.system import Check, DoctorContext, make_context, run_doctor
from kiosk.domain.secrets import verify_secret
from tests.system.conftest import API_KEY, STAFF_PIN_HASH

LOOPBACK_CENTRAL = (
    '[central]\nurl = "http://127.0.0.1:8765/"\naccount_id = "1"\nuser_id = "2"\n'
    'credentials_file = "{credentials}"'
)


def run(*argv: str) -> int:
    """Run a sub-command through a parser holding only this module's commands."""
    parser = argparse.ArgumentParser(prog="kiosk")
    system.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_config_check_prints_ok_and_a_summary_without_secrets(
    write_config: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config()
    assert run("config", "check", "--config", str(path)) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == f"ok: {path}"
    assert "  sync.concurrency: 6" in out
    assert "  ui.staff_pin_hash: set (not shown)" in out
    assert "  ui.staff_card_hash: not set" in out
    assert API_KEY not in out + err
    assert STAFF_PIN_HASH not in out + err


def test_config_check_prints_each_problem_on_its_own_line_and_fails(
    write_config: Callable[..., Path], credentials: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credentials.chmod(0o644)
    path = write_config(sync='[sync]\nconcurrency = "four"')
    assert run("config", "check", "--config", str(path)) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == 'sync.concurrency: must be a whole number from 1 to 32, got "four"'
    assert lines[1].startswith(f"central.credentials_file: {credentials} (owner ")
    assert len(lines) == 2


def test_config_check_reads_kiosk_config(
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_config()
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert run("config", "check") == 0
    assert capsys.readouterr().out.startswith(f"ok: {path}\n")


def fake_getpass(monkeypatch: pytest.MonkeyPatch, *answers: str) -> None:
    replies: Iterator[str] = iter(answers)
    monkeypatch.setattr(system.getpass, "getpass", lambda prompt="": next(replies))


def test_hash_pin_prints_a_config_line_that_verifies_and_loads(
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_getpass(monkeypatch, "24680", "24680")
    assert run("config", "hash-pin") == 0
    out = capsys.readouterr().out
    assert "24680" not in out
    line = out.strip()
    pin_hash = tomllib.loads(line)["staff_pin_hash"]
    assert verify_secret("24680", pin_hash)
    path = write_config(ui=f"[ui]\n{line}")
    assert run("config", "check", "--config", str(path)) == 0


@pytest.mark.parametrize(
    ("answers", "why"),
    [(("1234", "1235"), "differ"), (("12a4", "12a4"), "4 to 12 digits"), (("12", "12"), "4 to")],
)
def test_hash_pin_refuses_a_mismatch_or_a_bad_pin(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answers: tuple[str, str],
    why: str,
) -> None:
    fake_getpass(monkeypatch, *answers)
    assert run("config", "hash-pin") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert why in err


def doctor_output(
    ctx: DoctorContext, checks: list[system.DoctorCheck] | None = None
) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = run_doctor(ctx, checks, out=out)
    return status, out.getvalue().splitlines()


def test_doctor_passes_on_a_good_set_up(
    write_config: Callable[..., Path], credentials: Path, tmp_path: Path
) -> None:
    path = write_config(
        central=LOOPBACK_CENTRAL.format(credentials=credentials),
        database=f'[database]\npath = "{tmp_path}/data/kiosk.db"',
    )
    status, lines = doctor_output(make_context(str(path)), system.DOCTOR_CHECKS)
    assert status == 0, lines
    assert [line.split(":")[0] for line in lines] == [
        "[ ok ] config",
        "[ ok ] credentials",
        "[ ok ] database directory",
        "[ ok ] reader",
        "[ ok ] clock",
    ]
    assert API_KEY not in "\n".join(lines)


def test_doctor_names_the_tag_prefix_and_warns_of_a_host_name_every_pi_shares(
    write_config: Callable[..., Path], credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: credits are signed ``kiosk:<store>:<kiosk>``; with no ``kiosk_name`` on a Pi
    still called ``raspberrypi``, two counters would sign alike and the owner says which."""
    from kiosk.doctor import identity

    monkeypatch.setattr(identity.socket, "gethostname", lambda: "raspberrypi")
    unnamed = make_context(str(write_config(top='store_name = "Café Nord"')))
    status, lines = doctor_output(unnamed, identity.DOCTOR_CHECKS)
    assert status == 0
    (line,) = lines
    assert "kiosk:cafe-nord:raspberrypi:<entry>" in line
    assert 'give each counter its own kiosk_name = "counter-1"' in line

    named = make_context(
        str(write_config(top='store_name = "Café Nord"\nkiosk_name = "Counter 2"'))
    )
    status, lines = doctor_output(named, identity.DOCTOR_CHECKS)
    assert lines == ["[ ok ] kiosk name: credits are tagged kiosk:cafe-nord:counter-2:<entry>"]


def test_doctor_reports_bad_credentials_and_a_missing_reader_with_fixes(
    write_config: Callable[..., Path], credentials: Path, tmp_path: Path
) -> None:
    credentials.chmod(0o644)
    path = write_config(
        central=LOOPBACK_CENTRAL.format(credentials=credentials),
        reader=f'[reader]\nspec = "evdev:{tmp_path}/no-reader"',
    )
    status, lines = doctor_output(make_context(str(path)), system.DOCTOR_CHECKS)
    assert status == 1
    by_name = {line.split("] ")[1].split(":")[0]: line for line in lines}
    assert by_name["config"].startswith("[ ok ]")  # the doctor reports credentials on their own
    assert by_name["credentials"].startswith("[FAIL] credentials: ")
    assert by_name["credentials"].endswith(f"; fix: chmod 0600 {credentials}")
    assert by_name["reader"] == (
        f"[FAIL] reader: {tmp_path}/no-reader does not exist (reader unplugged, or another path)"
        "; fix: plug the reader in; ls -l /dev/input/by-id/ /dev/kiosk-reader; "
        "add its vendor:product to /etc/udev/rules.d/99-kiosk-reader.rules"
    )


def test_doctor_reports_a_serial_reader_it_may_not_write(
    write_config: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = tmp_path / "ttyUSB0"
    device.write_text("")
    path = write_config(reader=f'[reader]\nspec = "serial:{device}?baud=9600"')
    monkeypatch.setattr(system.os, "access", lambda p, mode: mode == system.os.R_OK)
    check = system.check_reader(make_context(str(path)))
    assert not check.ok
    assert "not readable and writable" in check.detail
    assert check.fix.startswith("usermod -aG dialout ")


def test_doctor_fails_on_an_invalid_config_and_skips_what_depends_on_it(
    write_config: Callable[..., Path],
) -> None:
    path = write_config(sync="[sync]\nconcurrency = 0")
    status, lines = doctor_output(make_context(str(path)), system.DOCTOR_CHECKS)
    assert status == 1
    assert lines[0] == (
        "[FAIL] config: sync.concurrency: must be a whole number from 1 to 32, got 0; "
        f"fix: edit {path} (`kiosk config check` lists each problem)"
    )
    assert lines[1] == "[skip] credentials: skipped: needs a valid config"
    assert lines[4].startswith("[ ok ] clock: ")


def test_doctor_flags_a_clock_before_2024(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "EARLIEST_YEAR", 9999)
    check = system.check_clock(DoctorContext(Path("x"), None))
    assert not check.ok
    assert "timedatectl" in check.fix


def test_checks_from_other_modules_run_after_the_built_in_ones_and_a_crash_is_a_failure(
    write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def check_queue_depth(ctx: DoctorContext) -> Check:
        return Check("queue", False, "12 entries older than a day", "kiosk sync run")

    def check_broken(ctx: DoctorContext) -> Check:
        raise RuntimeError("secret detail " + API_KEY)

    module = types.ModuleType("fake_store_doctor")
    module.DOCTOR_CHECKS = [check_queue_depth, check_broken]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_store_doctor", module)
    monkeypatch.setattr(
        system, "DOCTOR_CHECK_MODULES", ("kiosk.not_written_yet.doctor", "fake_store_doctor")
    )
    checks = system.collect_checks()
    assert checks[: len(system.DOCTOR_CHECKS)] == system.DOCTOR_CHECKS
    assert checks[len(system.DOCTOR_CHECKS) :] == [check_queue_depth, check_broken]
    status, lines = doctor_output(
        make_context(str(write_config())), [check_queue_depth, check_broken]
    )
    assert status == 1
    assert lines == [
        "[FAIL] queue: 12 entries older than a day; fix: kiosk sync run",
        "[FAIL] broken: the check itself failed: RuntimeError",
    ]
