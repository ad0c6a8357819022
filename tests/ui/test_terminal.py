"""``kiosk demo`` in a real terminal: tmux, TERM=linux, 80x25 (the Pi console's shape).

Types a swipe from the cheat sheet and a PIN, checks the lock-down keys do nothing, then sends
SIGTERM and checks the process exited through Textual (the alternate screen is gone and the
shell prompt is back). SVG snapshots cannot show the console's 16 colours; this test can't
either, but it proves the keys, the wedge and the signal handling in a real tty.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.demo import DEMO_CARDS, cheat_sheet
from tests.conftest import record_text

ROOT = Path(__file__).resolve().parents[2]
JANE = DEMO_CARDS[0]
DONE_MARK = "KIOSK-EXITED"

pytestmark = pytest.mark.terminal


def without_cheat_sheet(text: str) -> str:
    """``text`` without the demo cheat sheet's lines, for the S8 leak test: ``kiosk demo`` prints
    the sheet (fake cards and PINs) on purpose, before the app and on F1."""
    for line in cheat_sheet().splitlines():
        if line.strip():
            text = text.replace(line.strip(), "")
    return text


class Tmux:
    """One private tmux server (its own socket), so nothing else is touched."""

    def __init__(self) -> None:
        self.socket = f"kiosk-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return result.stdout

    def screen(self) -> str:
        text = self.run("capture-pane", "-p", "-t", "kiosk")
        record_text("tmux capture-pane", without_cheat_sheet(text))
        return text

    def alternate_on(self) -> bool:
        return self.run("display-message", "-p", "-t", "kiosk", "#{alternate_on}").strip() == "1"

    def wait_for(self, predicate: Callable[[str], bool], what: str, limit: float = 30.0) -> str:
        # Polls the pane: bounded by a generous limit, never a fixed sleep before checking.
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"terminal never showed {what}:\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def tmux() -> Tmux:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is required for the terminal test")
    server = Tmux()
    try:
        yield server
    finally:
        server.kill()


def start_demo(tmux: Tmux, pid_file: Path, then: str = "") -> None:
    """Start ``kiosk demo --offline`` in a bash inside a new 80x25 TERM=linux tmux session.

    The shell records its own pid and execs the kiosk in the foreground (a background job
    reading the tty would be stopped by SIGTTIN); ``then`` runs in bash after it exits.
    """
    command = (
        f"cd {ROOT} && sh -c 'echo $$ > {pid_file}; exec env -u COLORTERM TERM=linux "
        f"{sys.executable} -m kiosk demo --offline'{then}"
    )
    env = {**os.environ, "TERM": "linux"}
    env.pop("TMUX", None)
    subprocess.run(
        [
            "tmux",
            "-L",
            tmux.socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "kiosk",
            "-x",
            "80",
            "-y",
            "25",
            "bash",
            "--norc",
            "--noprofile",
        ],
        check=True,
        env=env,
    )
    tmux.run("send-keys", "-t", "kiosk", "-l", command)
    tmux.run("send-keys", "-t", "kiosk", "Enter")


def test_demo_runs_in_a_linux_console_terminal_resists_escape_keys_and_exits_on_sigterm(
    tmux: Tmux, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    start_demo(tmux, pid_file, then=f"; echo {DONE_MARK} $?")
    tmux.wait_for(lambda s: "Swipe your card" in s, "the swipe screen")
    assert tmux.alternate_on()

    tmux.run("send-keys", "-t", "kiosk", "-l", JANE.swipe_text)
    tmux.run("send-keys", "-t", "kiosk", "Enter")
    tmux.wait_for(lambda s: "Enter your PIN" in s, "the PIN screen")
    # Keys that follow a swipe within its track gap (device.wedge.TerminalWedge, 0.1 s by
    # default, renewed by each key) are the rest of that swipe and are swallowed; a person
    # starts typing a PIN far later than that, so type it as a person would.
    time.sleep(3 * 0.1)
    tmux.run("send-keys", "-t", "kiosk", "-l", JANE.pin)
    screen = tmux.wait_for(lambda s: "••••" in s, "four PIN bullets")
    assert JANE.pin not in screen
    tmux.run("send-keys", "-t", "kiosk", "Enter")
    screen = tmux.wait_for(lambda s: "Welcome back, Jane!" in s, "the home screen")
    assert JANE.card_number not in screen and "0011" in screen

    for key in ("C-c", "C-z", "C-q", "C-\\", "C-p"):
        tmux.run("send-keys", "-t", "kiosk", key)
    # A marker key proves the keys above were all processed: F1 opens the cheat sheet.
    tmux.run("send-keys", "-t", "kiosk", "Escape")
    tmux.wait_for(lambda s: "Swipe your card" in s, "home -> swipe screen after Escape")
    tmux.run("send-keys", "-t", "kiosk", "F1")
    tmux.wait_for(lambda s: "Demo cheat sheet" in s, "the cheat sheet: the app is still running")
    assert tmux.alternate_on()

    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGTERM)
    screen = tmux.wait_for(
        lambda s: re.search(rf"^{DONE_MARK} \d+", s, re.M) is not None, "the kiosk's exit"
    )
    assert re.search(rf"^{DONE_MARK} 0$", screen, re.M), "the kiosk exited with an error"
    assert not tmux.alternate_on()
    # The terminal is usable again: the shell echoes what we type.
    tmux.run("send-keys", "-t", "kiosk", "-l", "echo still-here")
    tmux.run("send-keys", "-t", "kiosk", "Enter")
    tmux.wait_for(lambda s: "\nstill-here" in s, "a working shell")


def test_the_kiosk_exits_when_its_terminal_goes_away(tmux: Tmux, tmp_path: Path) -> None:
    """S11/systemd: when the terminal vanishes (SIGHUP, writes failing) the process ends
    instead of hanging in its shutdown, so systemd can start a fresh one on the console."""
    pid_file = tmp_path / "pid"
    start_demo(tmux, pid_file)
    tmux.wait_for(lambda s: "Swipe your card" in s, "the swipe screen")
    pid = int(pid_file.read_text())
    tmux.kill()  # the terminal is gone: the kiosk gets SIGHUP and a dead tty
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    alive = _alive(pid)
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the kiosk hung after losing its terminal"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has finished; only its parent has not collected it yet.
    stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
    return bool(stat) and stat.split(") ", 1)[-1][:1] != "Z"
