"""Who a broadcast goes to (the kinds an organiser chooses from)."""

from __future__ import annotations

from enum import StrEnum


class AudienceKind(StrEnum):
    """Who a broadcast goes to."""

    ALL = "all"
    GROUP = "group"
    ITEM = "item"
    FACILITATORS = "facilitators"
    ROTA = "rota"
    ORGANISATION = "org"
