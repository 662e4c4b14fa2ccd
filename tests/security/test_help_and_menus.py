"""Issue 11: /help and the command menus list every command a person may use, and no other.

What a person may use is read from the permissions matrix (test_authorization.COMMANDS): a
command belongs in a role's help and menu when some row of it is allowed for that role in a
private chat, and in the group's menu when it is allowed for a participant in the group. The
names come from the one command table (bot/commands.py) only to map French aliases to their
English name; the menus are read from what the emulator recorded of setMyCommands.
"""

from __future__ import annotations

import re

import pytest

from bot.commands import BY_NAME, COMMANDS
from bot.domain.models import Role
from bot.i18n import LANGUAGES, Translator
from bot.sandbox.harness import Harness
from tests.conftest import ALICE, BOB, MATHILDE, ORGANISER
from tests.security.test_authorization import COMMANDS as MATRIX
from tests.security.test_authorization import ROLES, SAME, Allowed

COLUMN = {
    Role.PARTICIPANT: ROLES.index("participant"),
    Role.FACILITATOR: ROLES.index("this-facilitator"),
    Role.ORGANISER: ROLES.index("organiser"),
}
ALIASES = {name: c.name for c in COMMANDS for name in c.names}
T = Translator.load()


def canonical(action: str) -> str:
    """Give the English name of a matrix row's command."""
    return ALIASES[action.split()[0].lstrip("/")]


def allowed(role: Role, chat: str) -> dict[str, set[str]]:
    """Map each command to the uses (second words) allowed for this role in this chat."""
    out: dict[str, set[str]] = {}
    for action, private, group in MATRIX:
        outcomes = private if chat == "private" or group == SAME else group
        assert isinstance(outcomes, tuple)
        if isinstance(outcomes[COLUMN[role]], Allowed):
            words = action.split()
            out.setdefault(canonical(action), set()).add(words[1] if len(words) > 1 else "")
    return out


def sub_uses() -> dict[str, str]:
    """Find the uses of a command kept for fewer people than the command (/rota gaps)."""
    subs = {}
    bare = {canonical(a): p for a, p, _ in MATRIX if len(a.split()) == 1}
    for action, private, _ in MATRIX:
        words = action.split()
        name = canonical(action)
        if len(words) == 2 and name in bare and private != bare[name] and words[0] == f"/{name}":
            subs[f"/{name} {words[1]}"] = name
    return subs


def mentions(text: str, command: str) -> bool:
    """Tell whether a text names a command (/notice is not /notices)."""
    return re.search(rf"(?<![\w/]){re.escape(command)}(?![\w])", text) is not None


def test_the_matrix_and_the_table_name_the_same_commands() -> None:
    assert {canonical(a) for a, _, _ in MATRIX} == set(BY_NAME)
    for c in COMMANDS:
        for lang in LANGUAGES:
            assert T(lang, c.description_key) and T(lang, c.help_key), c.name


async def _people(bot: Harness) -> dict[Role, int]:
    for user in (ALICE, MATHILDE, ORGANISER):
        await bot.say(user, "/start", count=2)  # greeted, and asked their co-operative
    await bot.services.outbox.flush()
    roles = {Role.PARTICIPANT: ALICE, Role.FACILITATOR: MATHILDE, Role.ORGANISER: ORGANISER}
    for role, user in roles.items():
        assert await bot.services.roles.role(user) is role
    return roles


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_help_lists_what_each_role_may_use_and_nothing_else(bot: Harness, lang: str) -> None:
    people = await _people(bot)
    subs = sub_uses()
    assert "/rota gaps" in subs  # the rule finds the organisers' uses of /rota
    for role, user in people.items():
        await bot.say(user, f"/lang {lang}")
        (help_,) = await bot.say(user, "/help")
        text = help_.plain_text
        may = allowed(role, "private")
        for name in BY_NAME:
            assert mentions(text, f"/{name}") == (name in may), (role, name, text)
        for use, name in subs.items():
            shown = use.split()[1] in may.get(name, set())
            assert mentions(text, use) == shown, (role, use)
        assert text.startswith(T(lang, "help.participant").split("\n")[0].replace("<b>", "")[:10])


async def test_the_menus_list_what_each_role_may_use_in_their_language(bot: Harness) -> None:
    people = await _people(bot)
    emu = bot.emu
    for lang in LANGUAGES:
        menu = emu.observer.commands("default", lang)
        may = allowed(Role.PARTICIPANT, "private")
        assert [c["command"] for c in menu] == [c.name for c in COMMANDS if c.name in may]
        assert all(c["description"] == T(lang, f"commands.{c['command']}") for c in menu)
        group = emu.observer.commands("all_group_chats", lang)
        in_group = allowed(Role.PARTICIPANT, "group")
        assert [c["command"] for c in group] == [c.name for c in COMMANDS if c.name in in_group]
        assert all(c["description"] == T(lang, f"commands.{c['command']}") for c in group)
    # without a language: the default language's words
    assert emu.observer.commands("default") == emu.observer.commands("default", "fr")
    assert emu.observer.commands("all_group_chats") == emu.observer.commands(
        "all_group_chats", "fr"
    )
    for role in (Role.FACILITATOR, Role.ORGANISER):
        user = people[role]
        for lang in LANGUAGES:
            await bot.say(user, f"/lang {lang}")  # their menu follows their language
            menu = emu.observer.commands({"type": "chat", "chat_id": user})
            may = allowed(role, "private")
            assert [c["command"] for c in menu] == [c.name for c in COMMANDS if c.name in may]
            assert all(c["description"] == T(lang, f"commands.{c['command']}") for c in menu)
    # a participant has no menu of their own: everyone's
    assert emu.observer.commands({"type": "chat", "chat_id": ALICE}) == []
    assert emu.observer.commands({"type": "chat", "chat_id": BOB}) == []


async def test_a_facilitator_removed_loses_their_menu(bot: Harness) -> None:
    await _people(bot)
    await bot.say(BOB, "/start", count=2)
    emu = bot.emu
    assert emu.observer.commands({"type": "chat", "chat_id": BOB}) == []
    (added,) = await bot.say(ORGANISER, "/facilitator add 1002 lun-1430-atelier-velo")
    assert "Atelier vélo" in added.plain_text, added.plain_text
    may = allowed(Role.FACILITATOR, "private")
    menu = emu.observer.commands({"type": "chat", "chat_id": BOB})
    assert [c["command"] for c in menu] == [c.name for c in COMMANDS if c.name in may]
    assert menu[0]["description"] == T("en", "commands.next")  # Bob reads English
    await bot.say(ORGANISER, "/facilitator remove 1002 lun-1430-atelier-velo")
    assert await bot.services.roles.role(BOB) is Role.PARTICIPANT
    assert emu.observer.commands({"type": "chat", "chat_id": BOB}) == []  # everyone's menu again
