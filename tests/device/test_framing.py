"""The stream framer and stream decoder: sentinels, Enter, STX/ETX, silence, sign-on, caps.

``ONE_TERMINATOR`` is ``per_track=no`` (a reader that sends one terminator per swipe, which
ends it at once); the default frames by swipe and waits ``track_gap`` after a line end.
"""

from __future__ import annotations

from device.serial_framing import FramerConfig, StreamSwipeDecoder, SwipeFramer
from device.swipe import BadSwipe, Swipe

PAN = "6001234567890123"
T1 = f"%B{PAN}^DOE/JANE^2512101?"
T2 = f";{PAN}=2512101?"
ONE_TERMINATOR = FramerConfig(end_on_terminator=True)


def texts(frames):
    return [(frame.text, frame.ended_by) for frame in frames]


def test_enter_ends_a_swipe_and_crlf_makes_no_empty_frame():
    framer = SwipeFramer(ONE_TERMINATOR)
    assert texts(framer.feed(T1 + T2 + "\r\n", 0.0)) == [(T1 + T2, "terminator")]


def test_by_default_enter_ends_a_swipe_after_the_track_gap():
    framer = SwipeFramer()
    assert framer.feed(T1 + T2 + "\r\n", 0.0) == []
    assert framer.poll(0.05) == []
    assert texts(framer.poll(0.1)) == [(T1 + T2 + "\r\n", "silence")]


def test_a_swipe_split_across_chunks_is_framed_once():
    framer = SwipeFramer(ONE_TERMINATOR)
    assert framer.feed(T1[:10], 0.0) == []
    assert framer.feed(T1[10:] + T2[:5], 0.01) == []
    assert texts(framer.feed(T2[5:] + "\r", 0.02)) == [(T1 + T2, "terminator")]


def test_stx_and_etx_frame_a_swipe_and_text_before_stx_is_flushed_apart():
    framer = SwipeFramer(FramerConfig(terminators=frozenset(), end_on_terminator=True))
    frames = framer.feed(b"junk\x02" + T2.encode() + b"\x03", 0.0)
    assert texts(frames) == [("junk", "stx"), (T2, "etx")]


def test_a_half_swipe_followed_by_silence_is_flushed_as_a_bad_swipe():
    decoder = StreamSwipeDecoder()
    assert decoder.feed(T1[:20], 0.0) == []
    assert decoder.poll(0.1) == []  # still within the silence timeout
    results = decoder.poll(0.5)
    assert len(results) == 1 and isinstance(results[0], BadSwipe)
    assert results[0].code == "truncated"
    assert not decoder.pending


def test_without_terminators_a_complete_swipe_ends_on_silence():
    decoder = StreamSwipeDecoder(framing=FramerConfig(end_on_terminator=False))
    assert decoder.feed(T1 + "\r", 0.0) == []
    assert decoder.feed(T2 + "\r", 0.01) == []  # Enter after each track: not the end yet
    assert decoder.poll(0.4) == [Swipe(PAN, "DOE/JANE", "2512", 2)]


def test_back_to_back_swipes_without_terminators_are_split_by_sentinels():
    framer = SwipeFramer(FramerConfig(terminators=frozenset()))
    frames = framer.feed(T1 + T2 + T1 + T2, 0.0) + framer.poll(1.0)
    assert texts(frames) == [(T1 + T2, "sentinel"), (T1 + T2, "silence")]


def test_a_plus_inside_track_1_does_not_split_the_frame():
    framer = SwipeFramer(FramerConfig(terminators=frozenset()))
    text = f"%B{PAN}^A+B/C^2512?+0123?"
    assert texts(framer.feed(text, 0.0) + framer.poll(1.0)) == [(text, "silence")]


def test_garbage_longer_than_the_cap_is_reported_once_and_discarded():
    decoder = StreamSwipeDecoder(framing=FramerConfig(max_chars=64))
    results = decoder.feed("x" * 1000, 0.0)
    assert [r.code for r in results if isinstance(r, BadSwipe)] == ["too_long"]
    assert decoder.feed("y" * 1000 + "\r", 0.05) == []  # the rest of that garbage is dropped
    assert decoder.feed(T2 + "\r", 0.2) == []
    assert decoder.poll(0.4) == [Swipe(PAN, None, "2512", 2)]


def test_a_sign_on_line_right_after_opening_is_dropped():
    decoder = StreamSwipeDecoder(framing=ONE_TERMINATOR, signon_window=0.5)
    decoder.reset(10.0)
    assert decoder.feed("MSR READER V2.1 READY\r\n", 10.1) == []
    assert decoder.feed(T2 + "\r", 10.6) == [Swipe(PAN, None, "2512", 2)]


def test_only_the_first_line_can_be_a_sign_on_line():
    decoder = StreamSwipeDecoder(framing=ONE_TERMINATOR, signon_window=0.5)
    decoder.reset(0.0)
    assert decoder.feed(T2 + "\r", 0.1) == [Swipe(PAN, None, "2512", 2)]
    late = decoder.feed("HELLO\r", 0.2)
    assert len(late) == 1 and isinstance(late[0], BadSwipe)


def test_a_text_line_after_the_sign_on_window_is_a_bad_swipe():
    decoder = StreamSwipeDecoder(framing=ONE_TERMINATOR, signon_window=0.5)
    decoder.reset(0.0)
    results = decoder.feed("HELLO\r", 0.9)
    assert len(results) == 1 and isinstance(results[0], BadSwipe)


def test_a_swipe_right_after_opening_is_not_taken_for_a_sign_on_line():
    decoder = StreamSwipeDecoder(framing=ONE_TERMINATOR, signon_window=0.5)
    decoder.reset(0.0)
    assert decoder.feed(T2 + "\r", 0.01) == [Swipe(PAN, None, "2512", 2)]


def test_flush_reports_a_half_swipe_when_the_reader_goes_away():
    decoder = StreamSwipeDecoder()
    decoder.feed(T2[:8], 0.0)
    results = decoder.flush(0.01)
    assert len(results) == 1 and isinstance(results[0], BadSwipe)


def test_a_frame_repr_does_not_show_track_data():
    framer = SwipeFramer(ONE_TERMINATOR)
    (frame,) = framer.feed(T2 + "\r", 0.0)
    assert PAN not in repr(frame)
