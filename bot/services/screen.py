"""The hall's screen: what is on now and next, and the notice pinned in the group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import Workshop
from bot.domain.schedule import Slot
from bot.services.agenda import AgendaService
from bot.services.broadcasts import BroadcastService


@dataclass(frozen=True, slots=True)
class Board:
    """What the screen shows; nothing personal."""

    now: datetime
    running: tuple[Workshop, ...]
    next: Slot | None
    notice: str | None


class ScreenService:
    """Read the board for the hall's screen."""

    def __init__(self, agenda: AgendaService, broadcasts: BroadcastService) -> None:
        self._agenda = agenda
        self._broadcasts = broadcasts

    async def board(self) -> Board:
        """Give what is on now, what comes next, and the newest current notice."""
        answer = await self._agenda.now()
        notices = await self._broadcasts.notices()
        return Board(answer.now, answer.running, answer.slot, notices[0].text if notices else None)
