"""What the bot lacks in a group, from its membership and the group's permissions."""

from __future__ import annotations

import pytest

from bot.domain.membership import Lack, lacks

NO_PIN = {"can_send_messages": True, "can_pin_messages": False}


@pytest.mark.parametrize(
    ("status", "rights", "permissions", "expected"),
    [
        ("creator", {}, None, ()),
        ("administrator", {"can_pin_messages": True}, None, ()),
        ("administrator", {"can_pin_messages": False}, None, (Lack.PIN,)),
        ("administrator", {}, None, (Lack.PIN,)),
        ("member", {}, {"can_send_messages": True, "can_pin_messages": True}, ()),
        ("member", {}, NO_PIN, (Lack.PIN,)),
        ("member", {}, {"can_send_messages": False}, (Lack.SEND, Lack.PIN)),
        # unknown permissions: sending as Telegram's default allows, pinning not counted on
        ("member", {}, None, (Lack.PIN,)),
        (
            "restricted",
            {"is_member": True, "can_send_messages": False},
            None,
            (Lack.SEND, Lack.PIN),
        ),
        ("restricted", {"is_member": False, "can_send_messages": True}, None, (Lack.MEMBER,)),
        ("left", {}, None, (Lack.MEMBER,)),
        ("kicked", {}, None, (Lack.MEMBER,)),
        ("something new", {}, None, (Lack.MEMBER,)),
    ],
)
def test_what_the_bot_lacks(
    status: str,
    rights: dict[str, object],
    permissions: dict[str, object] | None,
    expected: tuple[Lack, ...],
) -> None:
    assert lacks(status, rights, permissions) == expected
