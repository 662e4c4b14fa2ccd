"""What the bot can do in a group, from its membership there: what is missing, and for what."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

IN_GROUP = ("creator", "administrator", "member", "restricted")


class Lack(StrEnum):
    """Something the bot needs in the event's group and does not have."""

    MEMBER = "member"  # not in the group at all
    SEND = "send"  # may not send messages (announcements)
    PIN = "pin"  # may not pin messages (the board, notices)


def lacks(
    status: str,
    rights: Mapping[str, object],
    permissions: Mapping[str, object] | None,
) -> tuple[Lack, ...]:
    """Say what the bot lacks in a group.

    status and rights are its ChatMember there (rights: the member's own can_* fields);
    permissions are the chat's default permissions for members (None when unknown, taken as
    "no" for pinning and "yes" for sending, Telegram's defaults).
    """
    if status not in IN_GROUP or (status == "restricted" and not rights.get("is_member", True)):
        return (Lack.MEMBER,)
    if status == "creator":
        return ()
    defaults = permissions or {}
    if status == "administrator":
        can_send, can_pin = True, bool(rights.get("can_pin_messages"))
    elif status == "restricted":
        can_send = bool(rights.get("can_send_messages"))
        can_pin = bool(rights.get("can_pin_messages"))
    else:
        can_send = bool(defaults.get("can_send_messages", True))
        can_pin = bool(defaults.get("can_pin_messages", False))
    missing = []
    if not can_send:
        missing.append(Lack.SEND)
    if not can_pin:
        missing.append(Lack.PIN)
    return tuple(missing)


@dataclass(frozen=True, slots=True)
class GroupChange:
    """The bot's membership of a group changed."""

    chat_id: int
    title: str
    was: str
    status: str
    lacks: tuple[Lack, ...]
    moved_from: int | None = None
    """The group's id before it became this supergroup."""

    @property
    def params(self) -> dict[str, object]:
        """Give it as outbox parameters."""
        return {
            "chat_id": self.chat_id,
            "title": self.title,
            "was": self.was,
            "status": self.status,
            "lacks": [lack.value for lack in self.lacks],
            "moved_from": self.moved_from,
        }

    @classmethod
    def of(cls, params: dict[str, object]) -> GroupChange:
        """Read it back from outbox parameters."""
        lacks, moved_from = params.get("lacks"), params.get("moved_from")
        return cls(
            int(str(params["chat_id"])),
            str(params["title"]),
            str(params["was"]),
            str(params["status"]),
            tuple(Lack(str(x)) for x in lacks) if isinstance(lacks, list) else (),
            int(str(moved_from)) if moved_from is not None else None,
        )
