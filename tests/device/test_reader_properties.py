"""Hypothesis properties of the readers' framing: lost events never give a number, and one swipe
never gives two results, whatever the reader's framing and however the bytes are chunked."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from device.evdev_reader import handle_events
from device.readers import hid_decoder, serial_decoder
from device.swipe import Swipe, encode_swipe
from tests.device.kernel_events import syn_dropped, typed_events

cards = st.text("0123456789", min_size=8, max_size=19)
names = st.sampled_from(["DOE/JANE", "FATEHI/SUALEH", "HOGAN/PAUL      ", ""])
track_sets = st.sampled_from([(1, 2), (2,), (1,), (1, 2, 3), (2, 1)])


@st.composite
def framed_swipes(draw):
    """A swipe as some reader frames it: terminators per track or per swipe, STX/ETX,
    postamble after the Enter, a status digit."""
    tracks = draw(track_sets)
    parts = [encode_swipe(draw(cards), draw(names) or None, "2512", (t,)) for t in tracks]
    style = draw(st.sampled_from(["one-cr", "cr-each", "crlf-each", "stx-each", "none"]))
    if style == "one-cr":
        text = "".join(parts) + "\r"
    elif style == "cr-each":
        text = "".join(p + "\r" for p in parts)
    elif style == "crlf-each":
        text = "".join(p + "\r\n" for p in parts)
    elif style == "stx-each":
        text = "".join(f"\x02{p}\x03" for p in parts)
    else:
        text = "".join(parts)
    return text + draw(st.sampled_from(["", "END", "0"]))


@settings(max_examples=150, deadline=None)
@given(text=framed_swipes(), cuts=st.lists(st.integers(1, 40), max_size=12), data=st.data())
def test_a_swipe_never_yields_two_results_over_serial(text, cuts, data):
    per_track = data.draw(st.sampled_from(["auto", "yes"]))
    decoder = serial_decoder({"per_track": per_track, "signon_ms": "0"})
    data_bytes, t, results, start = text.encode("latin-1"), 0.0, [], 0
    for cut in [*cuts, len(data_bytes)]:
        chunk = data_bytes[start : start + cut]
        start += cut
        if chunk:
            results += decoder.feed(chunk, t)
            t += data.draw(st.floats(0.0, 0.05))  # gaps shorter than the track gap
    results += decoder.poll(t + 1.0)
    assert len(results) == 1


@settings(max_examples=100, deadline=None)
@given(text=framed_swipes().filter(lambda s: "\x02" not in s))
def test_a_swipe_never_yields_two_results_over_evdev(text):
    decoder = hid_decoder({})
    events = typed_events(text.replace("\n", ""))
    results = handle_events(decoder, events, 0.0, event_time=True)
    results += decoder.poll(events[-1].sec + 2.0)
    assert len(results) == 1


@settings(max_examples=200, deadline=None)
@given(
    card=cards,
    tracks=track_sets,
    where=st.floats(0.0, 1.0),
    lost=st.integers(0, 30),
    enters=st.booleans(),
)
def test_a_dropped_event_never_yields_a_card_number(card, tracks, where, lost, enters):
    """The kernel drops ``lost`` events at a random point of a swipe and says so with
    SYN_DROPPED: that swipe gives one bad swipe ("dropped"), never a number, and the next swipe
    reads again."""
    text = "".join(encode_swipe(card, "DOE/JANE", "2512", (t,)) + ("\r" if enters else "")
                   for t in tracks) + ("" if enters else "\r")  # fmt: skip
    events = typed_events(text)
    # Within the swipe: before the Enter that completes it (a loss after a complete swipe
    # takes nothing from it).
    last_enter = max(
        i for i, e in enumerate(events) if e.code == 28 and e.value == 1 and e.type == 1
    )
    at = int(where * last_enter)
    stamp = events[at].sec + events[at].usec / 1e6
    damaged = [*events[:at], syn_dropped(stamp), *events[at + lost :]]
    decoder = hid_decoder({})
    results = handle_events(decoder, damaged, 0.0, event_time=True)
    results += decoder.poll(stamp + 2.0)
    assert not any(isinstance(r, Swipe) for r in results)
    assert [r.code for r in results] == ["dropped"]
    assert decoder.needs_resync
    decoder.resync([])
    again = typed_events(text, t0=stamp + 5.0)
    results = handle_events(decoder, again, 0.0, event_time=True)
    results += decoder.poll(stamp + 10.0)
    assert len(results) == 1 and isinstance(results[0], Swipe)
    assert results[0].card_number == card
