"""Whom the demo user plays: the participant, the organiser, or a facilitator of the programme."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import RehearsalClock
from bot.domain.models import Kind as ItemKind
from bot.domain.models import Role
from bot.i18n import Translator
from bot.sandbox.demo_screen import DEMO_LANGUAGE
from bot.sandbox.harness import Harness

FACILITATOR_ID = 1003
TITLES_SHOWN = 3


@dataclass(frozen=True)
class Identity:
    """Someone the demo user can be."""

    key: str
    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None


PARTICIPANT = Identity("participant", 1001, "Alice")
ORGANISER = Identity("organiser", 9001, "Oriane", username="oriane_orga")
IDENTITY_KEYS = ("participant", "facilitator", "organiser")


class Identities:
    """The people the demo user may be, a facilitator found in the programme when first asked."""

    def __init__(self, harness: Harness, clock: RehearsalClock, t: Translator) -> None:
        self.harness = harness
        self.clock = clock
        self.t = t
        self.known: dict[str, Identity] = {"participant": PARTICIPANT, "organiser": ORGANISER}

    async def find(self, key: str) -> Identity | None:
        """Give the identity `key` names (a facilitator is found the first time)."""
        return self.known.get(key) or await self._facilitator()

    async def _facilitator(self) -> Identity | None:
        """Take a facilitator the programme names with a Telegram username.

        The one of the next workshop (not a meal nor a kids' club) when there is one.
        """
        programme = await self.harness.services.programme.current()
        now = self.clock.now()
        items = sorted(
            programme.workshops,
            key=lambda w: (w.kind is not ItemKind.WORKSHOP, w.start < now, w.start, w.title),
        )
        for item in items:
            for person in item.facilitators:
                if person.telegram:
                    first, _, last = person.name.partition(" ")
                    identity = Identity(
                        "facilitator",
                        FACILITATOR_ID,
                        first,
                        last or None,
                        person.telegram.lstrip("@"),
                    )
                    self._add_person(identity)
                    self.known["facilitator"] = identity
                    return identity
        return None

    def _add_person(self, identity: Identity) -> None:
        emu = self.harness.emu
        emu.cast.add_user(
            identity.user_id,
            identity.first_name,
            last_name=identity.last_name,
            username=identity.username,
            language_code=DEMO_LANGUAGE,
        )
        group = self.harness.services.config.event.announce_chat_id
        if group is not None:
            emu.cast.join_group(group, identity.user_id)

    async def describe(self, who: Identity) -> str:
        """Say who is played, as the bot knows them (a facilitator only once it knows so)."""
        roles, name = self.harness.services.roles, who.first_name
        role = await roles.role(who.user_id)
        if role is Role.ORGANISER:
            return self.t.plain(DEMO_LANGUAGE, "demo.as_organiser", name=name)
        if role is Role.FACILITATOR:
            titles = [w.title for w in await roles.items_run_by(who.user_id)]
            items = ", ".join(
                self.t.plain(DEMO_LANGUAGE, "demo.title", title=title)
                for title in titles[:TITLES_SHOWN]
            )
            if len(titles) > TITLES_SHOWN:
                more = len(titles) - TITLES_SHOWN
                items = self.t.plain(DEMO_LANGUAGE, "demo.and_more", items=items, n=more)
            return self.t.plain(DEMO_LANGUAGE, "demo.as_facilitator", name=name, items=items)
        return self.t.plain(DEMO_LANGUAGE, "demo.as_participant", name=name)
