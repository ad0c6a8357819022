"""Issue 14: a demo swipe typed by hand, 0.2 s per key, in a real terminal (tmux, TERM=linux).

Reuses the private-socket tmux harness of ``test_terminal.py``. The swipe screen shows the swipe
being typed, masked (sentinels, bullets for the digits), and the PIN screen follows the Enter.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ui.test_terminal import JANE, Tmux, start_demo, tmux  # noqa: F401 (fixture)

pytestmark = pytest.mark.terminal


def test_a_demo_swipe_typed_at_human_speed_shows_masked_and_reaches_the_pin_screen(
    tmux: Tmux,  # noqa: F811
    tmp_path: Path,
) -> None:
    start_demo(tmux, tmp_path / "pid")
    tmux.wait_for(lambda s: "Swipe your card" in s, "the swipe screen")
    text = JANE.swipe_text
    for index, char in enumerate(text):
        # A lone ";" is a command separator to tmux: escape it.
        tmux.run("send-keys", "-t", "kiosk", "-l", "\\;" if char == ";" else char)
        time.sleep(0.2)
        if index == 5:
            screen = tmux.wait_for(lambda s: "Reading a card:" in s, "the masked progress")
            assert JANE.card_number[:5] not in screen
            assert "\u2022" in screen
    screen = tmux.screen()
    assert JANE.card_number not in screen
    tmux.run("send-keys", "-t", "kiosk", "Enter")
    tmux.wait_for(lambda s: "Enter your PIN" in s, "the PIN screen")
