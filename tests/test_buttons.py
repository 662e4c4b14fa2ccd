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
    KidsPress,
    LanguagePress,
    OrganisationPress,
    PagePress,
    ProposalPress,
    ProposePress,
    QuestionPress,
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
    QuestionPress(999_999_999_999),
    # Issue 14, part 1: sessions proposed in chat
    ProposePress("at", "202608241030:abcdef"),
    ProposePress("l", "both"),
    ProposePress("org"),
    ProposalPress("at", 999_999_999, "202608241030:abcdef"),
    ProposalPress("no", 999_999_999),
    # The kids' club (issue 14, part 5)
    KidsPress("out", "Z" * 11, 999_999_999),
    KidsPress("set", child=999_999_999, age=17),
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
    for codec in (*codecs, ChangePress, ChangeAnswer, BroadcastPress, QuestionPress):
        assert codec.parse(data) is None
    for forged in ("org:x", "org:²", "org:1234", "im:ok:ABCDEF", "im:go:abcdef"):
        assert OrganisationPress.parse(forged) is None
        assert ImportPress.parse(forged) is None


def test_a_broadcast_argument_of_the_wrong_shape_is_forged() -> None:
    assert BroadcastPress.parse("bc:a:abcdef:nobody") is None
    assert BroadcastPress.parse("bc:ok:abcdef:extra") is None
    assert BroadcastPress.parse("bc:o:abcdef:123") is None
    assert BroadcastPress.parse("bc:o:abcdef:12") == BroadcastPress("o", "abcdef", "12")


def test_a_question_reply_button_carries_a_plain_positive_number() -> None:
    for forged in ("qa:", "qa:0", "qa:012", "qa:-1", "qa:1a", "qa:1\n", "qa:" + "9" * 13):
        assert QuestionPress.parse(forged) is None, forged
    assert QuestionPress.parse("qa:42") == QuestionPress(42)


@pytest.mark.parametrize(
    "data",
    ["pp:", "pp:d", "pp:d:1234", "pp:l:de", "pp:at:2026:1", "pp:ok:1", "pp:org:x", "pp:c:-1"],
)
def test_a_forged_proposal_step_is_none(data: str) -> None:
    assert ProposePress.parse(data) is None


@pytest.mark.parametrize(
    "data",
    ["pr:ok", "pr:ok:x", "pr:at:12", "pr:ok:12:202608241030:1", "pr:mv:1234567890", "pr:zz:1"],
)
def test_a_forged_proposal_card_button_is_none(data: str) -> None:
    assert ProposalPress.parse(data) is None


def test_proposal_buttons_read_back() -> None:
    assert ProposePress.parse("pp:d:90") == ProposePress("d", "90")
    assert ProposePress.parse("pp:org") == ProposePress("org")
    assert ProposalPress.parse("pr:at:7:202608241030:0a1b2c") == ProposalPress(
        "at", 7, "202608241030:0a1b2c"
    )
    assert ProposalPress.parse("pr:at:7:202608241030:2") is None


# The kids' club (issue 14, part 5)
@pytest.mark.parametrize(
    "data",
    [
        "kid:",
        "kid:zz",
        "kid:who",  # no item
        "kid:in:" + "Z" * 11,  # no child
        "kid:add:5",  # an argument it never carries
        "kid:set:5",  # no age
        "kid:set:5:123",
        "kid:ed:1234567890",
        "kid:in:" + "Z" * 10 + ":5",
    ],
)
def test_a_kids_press_of_the_wrong_shape_is_forged(data: str) -> None:
    assert KidsPress.parse(data) is None


def test_a_kids_press_reads_back_what_it_packed() -> None:
    assert KidsPress.parse("kid:set:0:6") == KidsPress("set", child=0, age=6)
    assert KidsPress.parse("kid:who:" + "a" * 11) == KidsPress("who", "a" * 11)
    assert KidsPress.parse("kid:in:" + "a" * 11 + ":42") == KidsPress("in", "a" * 11, 42)


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
