"""The terminal wedge (swipes typed into the TUI) and the scripted reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from device.reader_base import ReaderStatus
from device.readers import TerminalReader, open_reader
from device.script_reader import Sleep, parse_script
from device.swipe import BadSwipe, Swipe
from device.wedge import TerminalWedge
from tests.device.test_evdev_reader import Recorder

PAN = "6001234567890123"
DATA = Path(__file__).parent / "data"


def burst(wedge: TerminalWedge, text: str, t0: float = 0.0, step: float = 0.002):
    return [wedge.feed(char, t0 + i * step) for i, char in enumerate(text)]


def test_a_fast_burst_from_semicolon_to_enter_is_a_swipe_and_every_key_is_swallowed():
    outcomes = burst(TerminalWedge(), f";{PAN}=2512?\r")
    assert all(consumed for consumed, _ in outcomes)
    assert [r for _, r in outcomes if r is not None] == [Swipe(PAN, None, "2512", 2)]


def test_keys_that_do_not_start_a_swipe_pass_through():
    wedge = TerminalWedge()
    assert burst(wedge, "12ab\r") == [(False, None)] * 5
    assert wedge.take_released() == ""


def test_a_percent_followed_by_a_long_pause_gives_the_keys_back():
    wedge = TerminalWedge(gap=0.5)
    assert wedge.feed("%", 0.0) == (True, None)
    assert wedge.feed("5", 2.0) == (False, None)  # the person typed "%" then "5"
    assert wedge.take_released() == "%"


def test_expire_releases_a_lone_sentinel_after_the_pause():
    wedge = TerminalWedge(gap=0.5)
    wedge.feed(";", 0.0)
    assert wedge.expire(0.2) == ""
    assert wedge.expire(0.6) == ";"
    assert not wedge.active


def test_text_typed_at_human_speed_that_is_no_swipe_is_given_back():
    wedge = TerminalWedge(gap=0.5)
    outcomes = burst(wedge, "%off\r", step=0.2)
    assert outcomes[-1] == (False, None)
    assert wedge.take_released() == "%off"


def test_a_fast_garbled_burst_is_a_bad_swipe_and_stays_swallowed():
    wedge = TerminalWedge()
    outcomes = burst(wedge, "%B6001^DO\r")
    assert outcomes[-1] == (True, None)  # more tracks may follow within the track gap
    assert wedge.poll(0.05) is None
    assert isinstance(wedge.poll(0.5), BadSwipe)
    assert wedge.take_released() == ""


def test_the_terminal_reader_reports_swipes_through_on_event():
    recorder = Recorder()
    reader = open_reader("terminal?gap=0.3", recorder)
    assert isinstance(reader, TerminalReader)
    reader.start()
    for i, char in enumerate(f";{PAN}=2512?\r"):
        assert reader.feed_key(char, i * 0.001)
    assert recorder.events == [ReaderStatus("connected"), Swipe(PAN, None, "2512", 2)]


def test_a_script_parses_swipes_and_sleeps_and_skips_comments():
    steps = parse_script((DATA / "demo.script").read_text())
    assert steps[1] == Sleep(0.01) and steps[2] == ";E?" and len(steps) == 4


def test_a_malformed_sleep_line_names_the_line():
    with pytest.raises(ValueError, match="line 2"):
        parse_script(";1234?\nsleep soon\n")


def test_the_script_reader_plays_the_file_then_finishes():
    recorder = Recorder()
    reader = open_reader(f"script:{DATA / 'demo.script'}", recorder)
    reader.start()
    recorder.wait_for(lambda events: ReaderStatus("finished") in events)
    reader.stop()
    assert recorder.swipes()[0] == Swipe(PAN, "DOE/JANE", "2512", 2)
    assert recorder.swipes()[1].code == "read_error"
    assert recorder.swipes()[2] == Swipe("00012345", None, None, 2)
