"""Issue 12: typed button data. Every codec fits Telegram's 64 bytes in its worst case,
reads back what it packed, and reads forged data as None (answered as a bad button)."""

from __future__ import annotations

import pytest

from bot.views.buttons import (
    CODECS,
    MAX_BYTES,
    BookingOp,
    BookingPress,
    BroadcastPress,
    ChangeAnswer,
    ChangePress,
    Codec,
    DetailsPress,
    FavouritePress,
    FeedbackPress,
    ImportPress,
    KeepPress,
    LanguagePress,
    OrganisationPress,
    PagePress,
    SettingsPress,
)

WORST: list[Codec] = [
    *(BookingPress(op, "Z" * 20) for op in BookingOp),
    KeepPress(),
    SettingsPress("reminders", True),
    SettingsPress("digest", False),
    DetailsPress("Z" * 11),  # a ref (bot.domain.booking.ref) is 11 characters
    LanguagePress("en"),
    OrganisationPress(999),
    OrganisationPress(None),
    ImportPress("sure", "abcdef"),
    ChangePress("p", "Z" * 11, "z" * 12),
    ChangePress("t", "Z" * 11),
    ChangeAnswer("sh"),
    BroadcastPress("a", "abcdef", "facilitators"),
    BroadcastPress("i", "abcdef", "Z" * 11),
    BroadcastPress("sure", "abcdef"),
    PagePress("s", 999, "é" * 64),  # cut to fit, as a room's name or a search's words
    PagePress("d", 999, "20260824e"),
    # Favourites and feedback (issue 14)
    FavouritePress(False, "Z" * 11),
    FeedbackPress("Z" * 11, 3),
    SettingsPress("feedback", False),
]


def test_every_codec_is_covered_and_its_worst_case_fits() -> None:
    assert {type(p) for p in WORST} == set(CODECS)
    for press in WORST:
        data = press.pack()
        assert len(data.encode()) <= MAX_BYTES, data
        read = type(press).parse(data)
        assert read is not None and read.pack() == data


@pytest.mark.parametrize(
    "data",
    [
        "",
        "b:",
        "b:zz:abc",
        "b:ws:",
        "b:ws:" + "a" * 21,
        "b:ws:a b",
        "b:keepx",
        "set:digest:2",
        "set:lunch:1",
        "x" * 64,
    ],
)
def test_forged_data_parses_to_none(data: str) -> None:
    codecs = (BookingPress, KeepPress, SettingsPress, OrganisationPress, ImportPress)
    for codec in (*codecs, ChangePress, ChangeAnswer, BroadcastPress):
        assert codec.parse(data) is None
    for forged in ("org:x", "org:²", "org:1234", "im:ok:ABCDEF", "im:go:abcdef"):
        assert OrganisationPress.parse(forged) is None
        assert ImportPress.parse(forged) is None


def test_a_broadcast_argument_of_the_wrong_shape_is_forged() -> None:
    assert BroadcastPress.parse("bc:a:abcdef:nobody") is None
    assert BroadcastPress.parse("bc:ok:abcdef:extra") is None
    assert BroadcastPress.parse("bc:o:abcdef:123") is None
    assert BroadcastPress.parse("bc:o:abcdef:12") == BroadcastPress("o", "abcdef", "12")


@pytest.mark.parametrize(
    "data",
    [
        "fav:+:",
        "fav:*:" + "a" * 11,
        "fav:+:" + "a" * 12,
        "fav:+:" + "a" * 10,
        "fb:" + "a" * 11 + ":4",
        "fb:" + "a" * 11 + ":0",
        "fb:" + "a" * 11,
        "fb:" + "a" * 11 + ":1:x",
        "fb:a b:1",
    ],
)
def test_forged_favourite_and_feedback_data_parse_to_none(data: str) -> None:
    assert FavouritePress.parse(data) is None
    assert FeedbackPress.parse(data) is None
