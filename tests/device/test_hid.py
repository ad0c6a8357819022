"""Key translation and HID swipe decoding, fed with ``evdev.InputEvent`` sequences.

There is no /dev/uinput and no input device on the build machine, so the evdev reader is tested
through hand-built ``evdev.InputEvent(sec, usec, EV_KEY, code, value)`` sequences, shaped like a
reader's (shift down, key down, key up, shift up, ..., Enter), fed through
``device.evdev_reader.handle_events`` - the same code path the reader's read loop uses.
"""

from __future__ import annotations

import evdev
from evdev import ecodes
from hypothesis import given
from hypothesis import strategies as st

from device.evdev_reader import handle_events
from device.hid_decoder import HidSwipeDecoder
from device.hid_keymap import LAYOUTS, encode_text, get_layout
from device.swipe import BadSwipe, Swipe, encode_swipe

PAN = "6001234567890123"
SWIPE = encode_swipe(PAN, "DOE/JANE", "2512", (1, 2))


def key_events(text: str, layout: str = "us", t0: float = 0.0, step: float = 0.002):
    """Events a HID reader sends to type ``text`` (shift pressed around shifted characters)."""
    events, t = [], t0

    def event(code: int, value: int) -> None:
        nonlocal t
        sec, usec = int(t), round((t - int(t)) * 1e6)
        events.append(evdev.InputEvent(sec, usec, ecodes.EV_KEY, code, value))
        events.append(evdev.InputEvent(sec, usec, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))
        t += step

    for code, shift, altgr in encode_text(text, get_layout(layout)):
        modifier = ecodes.KEY_LEFTSHIFT if shift else ecodes.KEY_RIGHTALT if altgr else None
        if modifier is not None:
            event(modifier, 1)
        event(code, 1)
        event(code, 0)
        if modifier is not None:
            event(modifier, 0)
    return events


def run(decoder: HidSwipeDecoder, events) -> list[Swipe | BadSwipe]:
    """Feed events one by one, at their own timestamps, as the read loop does, then let the
    silence that ends a swipe pass (the reader's poll)."""
    results = []
    for event in events:
        results += handle_events(decoder, [event], event.timestamp())
    last = events[-1].timestamp() if events else 0.0
    return results + decoder.poll(last + 1.0)


def test_the_hard_coded_key_codes_match_evdev():
    assert LAYOUTS["us"].char(ecodes.KEY_A, False) == "a"
    assert LAYOUTS["us"].char(ecodes.KEY_5, True) == "%"
    assert LAYOUTS["us"].char(ecodes.KEY_SEMICOLON, False) == ";"
    assert LAYOUTS["us"].char(ecodes.KEY_SLASH, True) == "?"
    assert LAYOUTS["us"].char(ecodes.KEY_6, True) == "^"
    assert LAYOUTS["us"].char(ecodes.KEY_KP7, False) == "7"


def test_a_us_reader_swipe_decodes_to_the_card():
    results = run(HidSwipeDecoder(), key_events(SWIPE + "\r"))
    assert results == [Swipe(PAN, "DOE/JANE", "2512", 2)]


def test_a_german_reader_swipe_decodes_with_the_de_layout():
    events = key_events(SWIPE + "\r", layout="de")
    assert run(HidSwipeDecoder(layout="de"), events) == [Swipe(PAN, "DOE/JANE", "2512", 2)]
    # The same key presses read with the US layout are garbage, not a card.
    assert all(isinstance(r, BadSwipe) for r in run(HidSwipeDecoder(layout="us"), events))


def test_the_german_layout_swaps_z_and_y_and_shifts_digits_differently():
    de = LAYOUTS["de"]
    assert de.char(ecodes.KEY_Y, False) == "z" and de.char(ecodes.KEY_Z, False) == "y"
    assert de.char(ecodes.KEY_0, True) == "=" and de.char(ecodes.KEY_2, True) == '"'
    assert de.char(ecodes.KEY_COMMA, True) == ";" and de.char(ecodes.KEY_MINUS, True) == "?"


def test_either_shift_key_shifts_and_releasing_it_unshifts():
    decoder = HidSwipeDecoder()
    decoder.feed(ecodes.KEY_RIGHTSHIFT, 1, 0.0)
    assert decoder.shift
    decoder.feed(ecodes.KEY_LEFTSHIFT, 1, 0.0)
    decoder.feed(ecodes.KEY_RIGHTSHIFT, 0, 0.0)
    assert decoder.shift  # left shift still down
    decoder.feed(ecodes.KEY_LEFTSHIFT, 0, 0.0)
    assert not decoder.shift


def test_a_swipe_typed_with_right_shift_decodes():
    events = key_events(SWIPE + "\r")
    swapped = [
        evdev.InputEvent(e.sec, e.usec, e.type, ecodes.KEY_RIGHTSHIFT, e.value)
        if e.code == ecodes.KEY_LEFTSHIFT
        else e
        for e in events
    ]
    assert run(HidSwipeDecoder(), swapped) == [Swipe(PAN, "DOE/JANE", "2512", 2)]


def test_auto_repeat_adds_no_characters():
    events = key_events(";6001234567890123=2512?\r")
    # A stuck "1" key: repeats (value 2) after its key-down must not add digits.
    index = next(i for i, e in enumerate(events) if e.code == ecodes.KEY_1 and e.value == 1)
    repeats = [evdev.InputEvent(0, 5000, ecodes.EV_KEY, ecodes.KEY_1, 2) for _ in range(5)]
    events[index + 1 : index + 1] = repeats
    assert run(HidSwipeDecoder(), events) == [Swipe(PAN, None, "2512", 2)]


def test_keys_held_at_grab_time_produce_no_phantom_characters():
    # Grabbed while "5" and Enter were held: we only ever see their repeats and releases.
    held = [
        evdev.InputEvent(0, 0, ecodes.EV_KEY, ecodes.KEY_5, 2),
        evdev.InputEvent(0, 1000, ecodes.EV_KEY, ecodes.KEY_ENTER, 2),
        evdev.InputEvent(0, 2000, ecodes.EV_KEY, ecodes.KEY_5, 0),
        evdev.InputEvent(0, 3000, ecodes.EV_KEY, ecodes.KEY_ENTER, 0),
    ]
    decoder = HidSwipeDecoder(held_keys=[ecodes.KEY_5, ecodes.KEY_ENTER])
    assert run(decoder, held) == []
    assert decoder.poll(10.0) == []
    # Repeats of the held key in the middle of a swipe add nothing either.
    events = key_events(";6001", t0=11.0) + held + key_events("234567890123=2512?\r", t0=11.1)
    assert run(decoder, events) == [Swipe(PAN, None, "2512", 2)]


def test_a_shift_held_at_grab_time_shifts_until_released():
    decoder = HidSwipeDecoder(held_keys=[ecodes.KEY_LEFTSHIFT])
    assert decoder.shift
    decoder.feed(ecodes.KEY_LEFTSHIFT, 0, 0.0)
    assert not decoder.shift
    decoder.feed(ecodes.KEY_LEFTSHIFT, 0, 0.0)  # a second release must not break the state
    assert not decoder.shift


def test_an_unknown_key_inside_a_track_spoils_the_swipe_instead_of_being_dropped():
    events = key_events(";60012345")
    events += [evdev.InputEvent(0, 30000, ecodes.EV_KEY, ecodes.KEY_TAB, 1)]
    events += key_events("67890123=2512?\r", t0=0.031)
    results = run(HidSwipeDecoder(), events)
    assert len(results) == 1 and isinstance(results[0], BadSwipe)


def test_a_half_swipe_then_silence_is_flushed_as_a_bad_swipe():
    decoder = HidSwipeDecoder()
    events = key_events(SWIPE[:25])
    assert handle_events(decoder, events, 0.0, event_time=True) == []
    assert decoder.poll(events[-1].timestamp() + 0.2) == []  # mid-track: waits for the timeout
    results = decoder.poll(5.0)
    assert len(results) == 1 and results[0].code == "truncated"


def test_the_keypad_enter_also_ends_a_swipe():
    events = key_events(";6001234567890123=2512?")
    events.append(evdev.InputEvent(0, 900000, ecodes.EV_KEY, ecodes.KEY_KPENTER, 1))
    assert run(HidSwipeDecoder(), events) == [Swipe(PAN, None, "2512", 2)]


key_event = st.tuples(
    st.sampled_from([*range(0, 130), ecodes.KEY_LEFTSHIFT, ecodes.KEY_ENTER, 300, 65535]),
    st.sampled_from([0, 1, 1, 2, -1, 7]),
    st.floats(0, 0.5),
)


@given(st.lists(key_event, max_size=200), st.sampled_from(["us", "de"]))
def test_random_key_events_never_raise_and_never_invent_a_card_number(events, layout):
    decoder = HidSwipeDecoder(layout=layout)
    typed, now, results = [], 0.0, []
    for code, value, gap in events:
        now += gap
        if value == 1:
            char = decoder.layout.char(code, decoder.shift)
            typed.append(char or "|")
        result = decoder.feed(code, value, now)
        if result is not None:
            results.append(result)
    results += decoder.poll(now + 10)
    for result in results:
        if isinstance(result, Swipe):
            assert result.card_number in "".join(typed)
