"""Reader specs: ``open_reader`` builds the right reader and names what is wrong in a spec."""

from __future__ import annotations

import pytest

from device.evdev_reader import EvdevReader
from device.readers import open_reader, parse_spec
from device.script_reader import ScriptReader
from device.serial_reader import SerialReader


def ignore(event) -> None:
    pass


def test_a_serial_spec_gives_a_serial_reader_with_its_options():
    reader = open_reader("serial:/dev/ttyUSB0?baud=19200&terminator=cr&signon_ms=0", ignore)
    assert isinstance(reader, SerialReader)
    assert reader.url == "/dev/ttyUSB0" and reader.baudrate == 19200
    assert reader.decoder.framing.terminators == frozenset({"\r"})
    assert reader.decoder.signon_window == 0


def test_evdev_specs_select_by_path_name_or_usb_ids():
    reader = open_reader("evdev:usb=0c2e:0b61?layout=de", ignore)
    assert isinstance(reader, EvdevReader)
    assert (reader.selector.vendor, reader.selector.product) == (0x0C2E, 0x0B61)
    assert reader.decoder.layout.name == "de"
    assert open_reader("evdev:name=Card Reader", ignore).selector.name == "Card Reader"


def test_decoder_options_are_shared_by_all_kinds():
    reader = open_reader("script:/tmp/x?track=1,2&prefix=%3C&pattern=%5E%5Cd%2B", ignore)
    assert isinstance(reader, ScriptReader)
    assert reader.decoder.track_order == (1, 2)
    assert reader.decoder.prefix == "<"
    assert reader.decoder.card_pattern == r"^\d+"  # "+" is kept, not turned into a space


def test_a_pyserial_url_is_kept_whole():
    assert parse_spec("serial:loop://").target == "loop://"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("bluetooth:x", "unknown reader kind 'bluetooth'"),
        ("serial:", "needs a target"),
        ("serial:/dev/ttyS0?speed=9600", "unknown option 'speed' for the serial reader"),
        ("serial:/dev/ttyS0?baud=fast", "baud must be a whole number"),
        ("serial:/dev/ttyS0?baud=0", "baud must be a positive number"),
        ("serial:/dev/ttyS0?terminator=tab", "terminator must be one of"),
        ("serial:/dev/ttyS0?baud", "must look like name=value"),
        ("evdev:ttyUSB0", "evdev reader: give a /dev/input/by-id"),
        ("evdev:/dev/input/event3?layout=fr", "unknown keyboard layout 'fr'"),
        ("terminal:now", "takes no target"),
        ("script:x?track=two", "track must list track numbers"),
        ("script:x?track=4", "track order must list tracks 1, 2 or 3"),
        ("script:x?pattern=(", "not a valid regex"),
        ("evdev:/dev/input/event3?timeout=-1", "timeout must be between"),
    ],
)
def test_a_bad_spec_is_a_value_error_naming_the_problem(spec, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("?", r"\?")):
        open_reader(spec, ignore)
