"""The bot added to a group, or its rights there changed: the organisers are told privately.

They get the group's chat id, the line to put in the config, and what the bot still lacks
there. The messages go through the outbox under a key made of the update and the organiser,
so an update replayed after a restart tells nobody twice, and a failed send is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.clock import Clock
from bot.domain.membership import GroupChange
from bot.domain.messages import MessageKind
from bot.services.outbox import Outbox
from bot.services.people import PeopleService
from storage.outbox import Entry

log = logging.getLogger(__name__)

KIND = MessageKind.GROUP_SETUP
"""The outbox kind of these messages (bot/views/membership.py writes them)."""


class MembershipService:
    """Tell the organisers where the bot is and what it may do there."""

    def __init__(
        self, clock: Clock, people: PeopleService, outbox: Outbox, organisers: Sequence[int]
    ) -> None:
        self._clock = clock
        self._people = people
        self._outbox = outbox
        self._organisers = tuple(organisers)

    async def bot_changed(self, request: str, change: GroupChange) -> int:
        """Queue a private message to each organiser who started the bot; count them.

        request names the update: the same update again queues nothing more.
        """
        now = self._clock.now()
        entries = [
            Entry(f"{KIND}:{request}:{organiser}", KIND, organiser, now, change.params, urgent=True)
            for organiser in self._organisers
            if await self._people.get(organiser) is not None
        ]
        if not entries:
            log.warning(
                "the bot is now %s in %r (chat id %d), and no organiser has started the bot to "
                "be told: announce_chat_id = %d",
                change.status,
                change.title,
                change.chat_id,
                change.chat_id,
            )
            return 0
        log.info(
            "group %d: bot %s -> %s, lacks %s",
            change.chat_id,
            change.was,
            change.status,
            [lack.value for lack in change.lacks],
        )
        return await self._outbox.add(entries)
