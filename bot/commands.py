"""The one table of commands: what handlers register, what /help lists, what the menus show.

Each command has its English name, its French aliases, the least role that may use it, whether
it is kept for private chats, and its texts: `commands.<name>` (the menu's one-line
description) and `help.cmd_<name>` (its line in /help, with its arguments). Extra help lines
(`Extra`) name what only a higher role may do with a command everyone has (`/rota gaps`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.models import Role

RANK = {Role.PARTICIPANT: 0, Role.FACILITATOR: 1, Role.ORGANISER: 2}


def may(role: Role, needed: Role) -> bool:
    """Tell whether a person of `role` may use what `needed` allows."""
    return RANK[role] >= RANK[needed]


@dataclass(frozen=True, slots=True)
class Extra:
    """A help line for a use of a command kept for a higher role (`/rota gaps`)."""

    key: str
    who: Role


@dataclass(frozen=True, slots=True)
class Command:
    """One command, as the person sees it."""

    name: str
    aliases: tuple[str, ...] = ()
    who: Role = Role.PARTICIPANT
    private: bool = False
    extras: tuple[Extra, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Give the English name and the French aliases."""
        return (self.name, *self.aliases)

    @property
    def description_key(self) -> str:
        """Give the key of the menu's one-line description."""
        return f"commands.{self.name}"

    @property
    def help_key(self) -> str:
        """Give the key of its line in /help."""
        return f"help.cmd_{self.name}"


P, F, ORG = Role.PARTICIPANT, Role.FACILITATOR, Role.ORGANISER

# In the order of /help and of the menus
COMMANDS = (
    Command("next", ("suite", "ensuite")),
    Command("now", ("maintenant",)),
    Command("today", ("aujourdhui",)),
    Command("tomorrow", ("demain",)),
    Command("mine", ("moi", "monprogramme"), private=True),
    Command("calendar", ("agenda",), private=True),
    Command(
        "rota",
        ("rangement",),
        extras=(Extra("help.extra_rota_gaps", ORG), Extra("help.extra_rota_fairness", ORG)),
    ),
    Command("day", ("jour",)),
    Command("room", ("salle",)),
    Command("search", ("cherche", "chercher")),
    Command("workshop", ("atelier",)),
    Command("notices", ("annonces",)),
    Command("settings", ("reglages",)),
    Command("lang", ("langue",)),
    Command("start", private=True),
    Command("help", ("aide",)),
    Command("participants", ("inscrits",), F, private=True),
    Command("change", ("changer",), F, private=True),
    Command("broadcast", ("diffuser",), ORG, private=True),
    Command("notice", ("annonce",), ORG),
    Command(
        "invites", ("invitations",), ORG, private=True, extras=(Extra("help.extra_revoke", ORG),)
    ),
    Command("facilitator", ("animateur",), ORG, private=True),
    Command("log", ("journal",), ORG, private=True),
    Command("status", ("etat",), ORG, private=True),
    # Questions to the organisers (/ask)
    Command("ask", ("question",), private=True),
    # Issue 14, part 1: sessions proposed in chat
    Command("propose", ("proposer",), private=True),
    # The kids' club (issue 14, part 5)
    Command("children", ("enfants",), private=True),
    # Favourites and feedback (issue 14, parts 2 and 3)
    Command("feedback", ("avis", "retours"), ORG, private=True),
)

BY_NAME = {c.name: c for c in COMMANDS}


def for_role(role: Role) -> list[Command]:
    """List the commands a person of this role may use, in their order."""
    return [c for c in COMMANDS if may(role, c.who)]


def in_groups() -> list[Command]:
    """List the commands that work in a group for everyone there (the group's menu)."""
    return [c for c in COMMANDS if not c.private and c.who is Role.PARTICIPANT]


SECTIONS = ((P, "help.participant"), (F, "help.facilitator"), (ORG, "help.organiser"))


def help_keys(role: Role) -> list[list[str]]:
    """Give the keys /help shows a person of this role: one list per section, heading first."""
    sections = []
    for who, heading in SECTIONS:
        if not may(role, who):
            continue
        keys = [heading]
        for command in COMMANDS:
            if command.who is who:
                keys.append(command.help_key)
        for command in COMMANDS:
            keys += [e.key for e in command.extras if e.who is who and may(role, command.who)]
        sections.append(keys)
    return sections
