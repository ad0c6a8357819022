"""Table tests for the pure swipe decoder, from text as real readers send it (S8, S10)."""

from __future__ import annotations

import pytest

from device.masking import mask_card_number
from device.swipe import REASONS, BadSwipe, DecoderConfig, Swipe, decode_swipe, encode_swipe

PAN = "6001234567890123"
T1 = f"%B{PAN}^DOE/JANE                  ^25121010000000000000?"
T2 = f";{PAN}=25121010000000000?"
T3 = f";01{PAN}=724724100000000000030300000040400099010=0000000000==1=000000000000000?"

GOOD = [
    ("track 1 + 2", T1 + T2, PAN, "DOE/JANE", "2512", 2),
    ("tracks 1 + 2 + 3", T1 + T2 + T3, PAN, "DOE/JANE", "2512", 2),
    ("backward swipe, tracks 3 2 1", T3 + T2 + T1, PAN, "DOE/JANE", "2512", 2),
    ("backward swipe, tracks 2 1", T2 + T1, PAN, "DOE/JANE", "2512", 2),
    ("track 2 only", T2, PAN, None, "2512", 2),
    ("track 1 only", T1, PAN, "DOE/JANE", "2512", 1),
    ("track 2 with CR LF", T2 + "\r\n", PAN, None, "2512", 2),
    ("STX/ETX framed", "\x02" + T1 + T2 + "\x03", PAN, "DOE/JANE", "2512", 2),
    ("Enter after each track", T1 + "\r" + T2 + "\r", PAN, "DOE/JANE", "2512", 2),
    ("track 2 failed, track 1 fallback", T1 + ";E?", PAN, "DOE/JANE", "2512", 1),
    ("track 1 failed", "%E?" + T2, PAN, None, "2512", 2),
    ("track 2 truncated, track 1 fallback", T1 + f";{PAN}=2512", PAN, "DOE/JANE", "2512", 1),
    ("loyalty card: track 2 number only", ";00012345?", "00012345", None, None, 2),
    ("loyalty number failing Luhn", ";1234567890123451?", "1234567890123451", None, None, 2),
    ("no expiry (separator instead)", f"%B{PAN}^SHOP/CARD^^?;{PAN}==?", PAN, "SHOP/CARD", None, 2),
    ("invalid month is no expiry", f";{PAN}=2513?", PAN, None, None, 2),
    ("LRC byte after the end sentinel", T2 + "Z", PAN, None, "2512", 2),
    ("track 3 with + sentinel ignored", T2 + "+0123456789?", PAN, None, "2512", 2),
]


@pytest.mark.parametrize(("label", "text", "card", "name", "expiry", "track"), GOOD)
def test_good_reads_give_the_card_number(label, text, card, name, expiry, track):
    result = decode_swipe(text)
    assert result == Swipe(card, name, expiry, track), label
    assert card in text


BAD = [
    ("empty", "", "empty"),
    ("only an Enter", "\r\n", "empty"),
    ("both tracks failed", "%E?;E?", "read_error"),
    ("track 2 failed", ";E?", "read_error"),
    ("track 3 failed alone", "+E?", "read_error"),
    ("truncated track 2 (no end sentinel)", f";{PAN}=2512", "truncated"),
    ("half of track 1", "%B6001234567", "truncated"),
    ("a ; track too long for track 3", ";" + "1" * 106 + "?", "too_long"),
    ("a ; track too long for track 2 is track 3", ";" + "1" * 39 + "?", "no_card_number"),
    ("track 1 too long", "%B" + "1" * 20 + "^" + "A" * 26 + "^" + "9" * 40 + "?", "too_long"),
    ("garbage without sentinels", "hello world", "bad_format"),
    ("letters in track 2", ";60012345AB=2512?", "bad_format"),
    ("track 1 without format code", f"%{PAN}^DOE^2512?", "bad_format"),
    ("card number too short", ";123=2512?", "bad_format"),
    ("card number too long", ";" + "1" * 33 + "?", "bad_format"),
    ("two different cards in one frame", ";11112222?;33334444?", "ambiguous"),
    ("input far too long", ";1?" * 2000, "too_long"),
    ("invalid bytes", b"\xff\xfe\x00\x80", "bad_format"),
]


@pytest.mark.parametrize(("label", "text", "code"), BAD)
def test_bad_reads_give_a_plain_reason(label, text, code):
    result = decode_swipe(text)
    assert isinstance(result, BadSwipe), label
    assert result.code == code, label
    assert result.reason == REASONS[code] and result.reason.endswith(".")


def test_configured_prefix_and_suffix_are_removed():
    config = DecoderConfig(prefix="<RDR>", suffix="#END")
    assert decode_swipe("<RDR>" + T2 + "#END\r", config) == Swipe(PAN, None, "2512", 2)


def test_a_prefix_that_is_not_there_changes_nothing():
    assert decode_swipe(T2, DecoderConfig(prefix="@@")) == Swipe(PAN, None, "2512", 2)


def test_track_order_can_prefer_track_1():
    result = decode_swipe(T1 + T2, DecoderConfig(track_order=(1, 2)))
    assert isinstance(result, Swipe) and result.source_track == 1


def test_track_3_gives_the_number_only_when_configured():
    text = ";E?" + T3
    assert isinstance(decode_swipe(text), BadSwipe)
    result = decode_swipe(text, DecoderConfig(track_order=(2, 3)))
    assert result == Swipe(PAN, None, None, 3)


def test_a_pattern_picks_the_card_number_out_of_the_track():
    config = DecoderConfig(card_pattern=r"^\d{4}(?P<card>\d{8})", track_order=(2,))
    assert decode_swipe(T2, config) == Swipe(PAN[4:12], None, None, 2)


def test_a_pattern_match_that_is_not_digits_is_rejected():
    config = DecoderConfig(card_pattern=r"(\d+=\d)", track_order=(2,))
    assert isinstance(decode_swipe(T2, config), BadSwipe)


def test_an_invalid_pattern_is_a_clear_configuration_error():
    with pytest.raises(ValueError, match="not a valid regex"):
        DecoderConfig(card_pattern="(unclosed")


def test_repr_and_str_of_a_swipe_show_only_the_last_four_digits():
    swipe = decode_swipe(T1 + T2)
    assert isinstance(swipe, Swipe)
    for text in (repr(swipe), str(swipe), f"{swipe}"):
        assert PAN not in text and "0123" in text and "************0123" in text
        assert "JANE" not in text
    assert swipe.card_number == PAN


def test_mask_shows_last_four_digits_behind_a_fixed_width_mask():
    assert mask_card_number("6001234567890123") == "************0123"
    assert mask_card_number("12345678") == "************5678"
    assert mask_card_number("1234") == "************34"
    assert mask_card_number("") == "************"


def test_encode_then_decode_round_trips():
    text = encode_swipe(PAN, "DOE/JANE", "2512", (1, 2, 3))
    assert decode_swipe(text) == Swipe(PAN, "DOE/JANE", "2512", 2)


def test_encode_refuses_bad_numbers_without_echoing_them():
    with pytest.raises(ValueError) as info:
        encode_swipe("12ab5678")
    assert "12ab" not in str(info.value)
