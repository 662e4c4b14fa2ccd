"""Issue 12: typed button data. Every codec fits Telegram's 64 bytes in its worst case,
reads back what it packed, and reads forged data as None (answered as a bad button)."""

from __future__ import annotations

import pytest

from bot.views.buttons import (
    CODECS,
    MAX_BYTES,
    BookingOp,
    BookingPress,
    KeepPress,
    SettingsPress,
)

WORST = [
    *(BookingPress(op, "Z" * 20) for op in BookingOp),
    KeepPress(),
    SettingsPress("reminders", True),
    SettingsPress("digest", False),
]


def test_every_codec_is_covered_and_its_worst_case_fits() -> None:
    assert {type(p) for p in WORST} == set(CODECS)
    for press in WORST:
        data = press.pack()
        assert len(data.encode()) <= MAX_BYTES, data
        assert type(press).parse(data) == press


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
    for codec in CODECS:
        assert codec.parse(data) is None
