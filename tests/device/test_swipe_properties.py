"""Hypothesis properties of the decoder and the framer (S10: untrusted input never crashes).

Whatever arrives, in whatever chunks: no exception, and never a card number that was not in
the input. Encoding then decoding returns the card; chunk boundaries do not change framing.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from device.serial_framing import FramerConfig, StreamSwipeDecoder, SwipeFramer
from device.swipe import BadSwipe, DecoderConfig, Swipe, decode_swipe, encode_swipe

# Text biased towards what readers send, so that the interesting paths are reached often.
TRACK_ALPHABET = "%;+?^=E0123456789B/ ABCDEFXYZ\r\n\x02\x03"
swipe_like = st.text(alphabet=TRACK_ALPHABET, max_size=300)
any_text = st.one_of(swipe_like, st.text(max_size=300))
any_bytes = st.binary(max_size=300)
cards = st.text(alphabet="0123456789", min_size=4, max_size=19)
names = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ /.-", max_size=26)
expiries = st.one_of(
    st.none(), st.builds(lambda y, m: f"{y:02d}{m:02d}", st.integers(0, 99), st.integers(1, 12))
)
track_orders = st.permutations([1, 2, 3]).flatmap(lambda p: st.integers(1, 3).map(lambda n: p[:n]))
configs = st.builds(
    DecoderConfig,
    track_order=st.sampled_from([(2, 1), (1, 2), (2,), (1,), (3, 2, 1)]),
    prefix=st.sampled_from(["", "<", "ID:"]),
    suffix=st.sampled_from(["", ">"]),
)


def _text(data: str | bytes) -> str:
    return data.decode("latin-1") if isinstance(data, bytes) else data


@given(data=st.one_of(any_text, any_bytes), config=configs)
def test_the_decoder_never_raises_and_never_invents_a_card_number(data, config):
    result = decode_swipe(data, config)
    assert isinstance(result, Swipe | BadSwipe)
    if isinstance(result, Swipe):
        assert result.card_number.isdigit() and 4 <= len(result.card_number) <= 32
        assert result.card_number in _text(data)


@given(card=cards, name=names, expiry=expiries, order=track_orders)
def test_encoding_then_decoding_returns_the_card(card, name, expiry, order):
    name = name.strip() or None
    text = encode_swipe(card, name, expiry, tuple(order))
    result = decode_swipe(text, DecoderConfig(track_order=(2, 1, 3)))
    assert isinstance(result, Swipe)
    assert result.card_number == card
    # Track 3 (ISO 4909) has no expiry field at that position: expiry comes from tracks 1, 2.
    assert result.expiry == (expiry if {1, 2} & set(order) else None)
    if 1 in order:
        assert result.name == name


@given(
    chunks=st.lists(
        st.one_of(swipe_like, any_bytes.map(lambda b: b.decode("latin-1"))), max_size=8
    ),
    times=st.lists(st.floats(0, 1.0), max_size=8),
    end_on_terminator=st.booleans(),
)
def test_the_stream_decoder_never_raises_and_never_invents_a_card_number(
    chunks, times, end_on_terminator
):
    framing = FramerConfig(end_on_terminator=end_on_terminator)
    decoder = StreamSwipeDecoder(framing=framing, signon_window=0.2)
    decoder.reset(0.0)
    now, results = 0.0, []
    for index, chunk in enumerate(chunks):
        now += times[index] if index < len(times) else 0.01
        results += decoder.feed(chunk, now)
    results += decoder.poll(now + 10)
    everything = "".join(chunks)
    for result in results:
        if isinstance(result, Swipe):
            assert result.card_number in everything


@settings(max_examples=150)
@given(text=swipe_like, cuts=st.lists(st.integers(0, 300), max_size=10), end=st.booleans())
def test_chunk_boundaries_do_not_change_the_frames(text, cuts, end):
    config = FramerConfig(end_on_terminator=end, max_chars=64)

    def frames(pieces: list[str]) -> list[tuple[str, str]]:
        framer = SwipeFramer(config)
        out = []
        for piece in pieces:
            out += framer.feed(piece, 1.0)
        out += framer.poll(5.0)
        return [(frame.text, frame.ended_by) for frame in out]

    bounds = sorted({0, len(text), *(c for c in cuts if c <= len(text))})
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    assert frames(pieces) == frames([text])
    assert frames(list(text)) == frames([text])


@given(garbage=st.text(alphabet="0123456789ABC ", min_size=1, max_size=5000))
def test_garbage_never_grows_the_framer_buffer_beyond_its_cap(garbage):
    framer = SwipeFramer(FramerConfig(max_chars=100, end_on_terminator=True))
    for char in garbage:
        framer.feed(char, 0.0)
        assert len(framer._buf) <= 100
