"""The authorisation checks one by one, without the emulator: fast enough for `make mutants`.

`tests/security/test_authorization.py` proves the checks end to end (every command and button,
each role), but through the emulator, which makes each of mutmut's runs slow. These tests call
`RolesService` and `bot.commands.may` directly on a real database and say exactly what each
check answers (QUALITY.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.clock import FrozenClock
from bot.commands import COMMANDS, Command, Extra, for_role, help_keys, in_groups, may
from bot.domain.errors import DomainError
from bot.domain.models import Participant, Role, Workshop
from bot.services.people import PeopleService
from bot.services.programme import ProgrammeService
from bot.services.roles import NAMES_SHOWN, RolesService, _listed
from storage import roles as roles_repo
from storage.db import Database
from tests.conftest import PARIS

ORGANISER, ZOE, ANA, BOB, NOBODY, LINKED_ANA = 1, 2, 3, 4, 5, 6
NOW = datetime(2026, 8, 20, 9, 0, tzinfo=PARIS)

PROGRAMME = """
[[workshop]]
id = "w1"
title = "Poterie"
start = 2026-08-24T10:00:00
end = 2026-08-24T12:00:00
room = "Atelier"
facilitators = ["Zoé Martin", "Ana Lima"]
telegram = ["@Zoe_M", ""]

[[workshop]]
id = "w2"
title = "Chant"
start = 2026-08-24T14:00:00
end = 2026-08-24T15:00:00
room = "Chapiteau"
facilitators = ["Ana Lima"]

[[workshop]]
id = "w3"
title = "Vélo"
start = 2026-08-25T10:00:00
end = 2026-08-25T11:00:00
room = "Cour"
facilitators = ["Bob"]
"""
NO_FACILITATOR = PROGRAMME.split("facilitators = ")[0]  # one workshop, run by nobody


@dataclass
class World:
    db: Database
    programme: ProgrammeService
    people: PeopleService
    roles: RolesService

    async def item(self, item_id: str) -> Workshop:
        return next(w for w in (await self.programme.current()).workshops if w.id == item_id)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = await Database.open(tmp_path / "r.sqlite3")
    try:  # closed even when the set-up fails (a mutant): an open connection keeps pytest alive
        clock = FrozenClock(NOW)
        programme = ProgrammeService(db, PARIS, clock=clock)
        people = PeopleService(db, clock, [ORGANISER], [])
        await programme.import_bytes(PROGRAMME.encode(), "semaine.toml")
        for uid, name, username in (
            (ORGANISER, "Orga", "orga"),
            (ZOE, "Zoé", "zoe_m"),  # the programme's "@Zoe_M", in another case
            (ANA, "Ana", None),
            (BOB, "Bob", "bobby"),
            (NOBODY, "Personne", "personne"),
            (LINKED_ANA, "Ana bis", None),
        ):
            await people.register(uid, name, None, username, "fr")
        yield World(db, programme, people, RolesService(db, clock, programme, people))
    finally:
        await db.close()


async def _link(world: World, user_id: int, name: str) -> None:
    async with world.db.transaction() as conn:
        await roles_repo.link(conn, user_id, name, NOW)
    world.roles.forget()


async def _refused(key: str, call: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.key == key, caught.value
    return caught.value


async def _audit(world: World) -> list[tuple[str, int, str | None, object, object]]:
    async with world.db.read() as conn:
        entries = await roles_repo.audit_log(conn, 50)
    return [(e.action, e.user_id, e.item_id, e.before, e.after) for e in reversed(entries)]


def test_may_is_the_order_of_the_roles() -> None:
    order = [Role.PARTICIPANT, Role.FACILITATOR, Role.ORGANISER]
    for i, role in enumerate(order):
        for j, needed in enumerate(order):
            assert may(role, needed) is (i >= j), (role, needed)


async def test_each_person_has_the_role_the_programme_and_the_config_give(world: World) -> None:
    roles = world.roles
    assert await roles.role(ORGANISER) is Role.ORGANISER
    assert await roles.role(ZOE) is Role.FACILITATOR  # by Telegram username, case aside
    assert await roles.role(ANA) is Role.PARTICIPANT  # named in the programme, never linked
    assert await roles.role(NOBODY) is Role.PARTICIPANT
    assert await roles.role(999) is Role.PARTICIPANT  # never registered
    await _link(world, ANA, "ana LIMA")  # a link matches the name, case aside
    assert await roles.role(ANA) is Role.FACILITATOR
    assert [w.id for w in await roles.items_run_by(ANA)] == ["w1", "w2"]
    assert [w.id for w in await roles.items_run_by(ZOE)] == ["w1"]
    assert await roles.items_run_by(NOBODY) == []
    assert await roles.facilitating() == {ZOE: ["w1"], ANA: ["w1", "w2"]}


async def test_a_registration_drops_the_map_only_when_it_can_change_it(world: World) -> None:
    roles, people = world.roles, world.people
    assert await roles.facilitating() == {ZOE: ["w1"]}
    kept = roles._map
    await people.register(7, "Jeanne", None, "jeanne", "fr")  # names nobody in the programme
    await roles.registered(7)
    await people.register(8, "Sans pseudo", None, None, "fr")
    await roles.registered(8)
    assert roles._map is kept, "a storm of first presses read the map again and again"
    await people.register(ZOE, "Zoé", None, "zoe_ailleurs", "fr")  # Zoé changes her username
    await roles.registered(ZOE)
    assert await roles.facilitating() == {}
    await people.register(9, "Zoé bis", None, "ZOE_M", "fr")  # the programme's handle
    await roles.registered(9)
    assert await roles.facilitating() == {9: ["w1"]}


async def test_a_map_dropped_while_a_registration_reads_is_no_error(world: World) -> None:
    """The fuzz test found it: the map dropped by someone else while `registered` read the
    person, `user_id in None` raised TypeError and the person was told of a crash."""
    roles, people = world.roles, world.people
    await roles.facilitating()
    get = people.get

    async def dropped_meanwhile(user_id: int) -> Participant | None:
        roles.forget()
        return await get(user_id)

    people.get = dropped_meanwhile  # type: ignore[method-assign]
    await roles.registered(ZOE)
    await roles.registered(NOBODY)
    people.get = get  # type: ignore[method-assign]
    assert await roles.facilitating() == {ZOE: ["w1"]}


async def test_two_people_linked_to_one_name_both_run_its_items(world: World) -> None:
    await _link(world, ANA, "Ana Lima")
    await _link(world, LINKED_ANA, "Ana Lima")
    assert await world.roles.facilitating() == {
        ZOE: ["w1"],
        ANA: ["w1", "w2"],
        LINKED_ANA: ["w1", "w2"],
    }


async def test_only_organisers_pass_require_organiser(world: World) -> None:
    await world.roles.require_organiser(ORGANISER)
    await _link(world, BOB, "Bob")
    for user in (ZOE, BOB, NOBODY, 999):
        await _refused("common.not_allowed", world.roles.require_organiser(user))


async def test_an_item_may_be_changed_by_its_facilitators_and_the_organisers(
    world: World,
) -> None:
    w1, w2, w3 = [await world.item(i) for i in ("w1", "w2", "w3")]
    roles = world.roles
    assert await roles.may_change(ORGANISER, w1) is True
    assert await roles.may_change(ORGANISER, w3) is True
    assert await roles.may_change(ZOE, w1) is True
    assert await roles.may_change(ZOE, w2) is False
    assert await roles.may_change(NOBODY, w1) is False
    assert await roles.may_change(999, w3) is False


async def test_organisers_add_and_remove_facilitators_of_an_item(world: World) -> None:
    roles = world.roles
    w2, w3 = await world.item("w2"), await world.item("w3")
    await _refused("common.not_allowed", roles.set_facilitator(ZOE, w2, NOBODY, add=True))
    await _refused("roles.unknown_person", roles.set_facilitator(ORGANISER, w2, 999, add=True))
    assert await roles.role(NOBODY) is Role.PARTICIPANT  # before: in the cache

    await roles.set_facilitator(ORGANISER, w2, NOBODY, add=True)
    assert await roles.role(NOBODY) is Role.FACILITATOR  # the cache was dropped
    assert await roles.may_change(NOBODY, w2) is True
    assert await roles.may_change(NOBODY, w3) is False
    await roles.set_facilitator(ORGANISER, w3, NOBODY, add=True)
    await roles.set_facilitator(ORGANISER, w2, NOBODY, add=False)
    assert await roles.facilitating() == {ZOE: ["w1"], NOBODY: ["w3"]}
    # Taking away the only item: no longer a facilitator, and not listed with nothing
    await roles.set_facilitator(ORGANISER, w3, NOBODY, add=False)
    await roles.set_facilitator(ORGANISER, w3, ZOE, add=False)  # removes what she never had
    assert await roles.facilitating() == {ZOE: ["w1"]}
    assert await roles.role(NOBODY) is Role.PARTICIPANT
    # The programme's own facilitator taken away by an organiser
    await roles.set_facilitator(ORGANISER, await world.item("w1"), ZOE, add=False)
    assert await roles.facilitating() == {}
    assert await roles.role(ZOE) is Role.PARTICIPANT
    log = await _audit(world)
    assert log[0] == (
        "facilitator_added",
        ORGANISER,
        "w2",
        {"title": "Chant"},
        {"user_id": NOBODY, "name": "Personne"},
    )
    assert [(a, i) for a, _, i, _, _ in log] == [
        ("facilitator_added", "w2"),
        ("facilitator_added", "w3"),
        ("facilitator_removed", "w2"),
        ("facilitator_removed", "w3"),
        ("facilitator_removed", "w3"),
        ("facilitator_removed", "w1"),
    ]


async def test_a_new_programme_is_read_again_and_forget_drops_the_map(world: World) -> None:
    assert await world.roles.role(ZOE) is Role.FACILITATOR
    await world.programme.import_bytes(PROGRAMME.replace('"@Zoe_M"', '""').encode(), "semaine.toml")
    assert await world.roles.role(ZOE) is Role.PARTICIPANT  # no forget(): a new programme
    async with world.db.transaction() as conn:
        await roles_repo.link(conn, ZOE, "Bob", NOW)
    assert await world.roles.role(ZOE) is Role.PARTICIPANT  # the map is kept...
    world.roles.forget()
    assert await world.roles.role(ZOE) is Role.FACILITATOR  # ...until forgotten


async def test_invitations_one_per_facilitator_kept_until_used(world: World) -> None:
    roles = world.roles
    await _refused("common.not_allowed", roles.invites(ZOE))
    first = await roles.invites(ORGANISER)
    assert [(i.facilitator, i.items) for i in first] == [
        ("Ana Lima", 2),
        ("Bob", 1),
        ("Zoé Martin", 1),
    ]
    assert all(len(i.token) == 32 for i in first)
    assert len({i.token for i in first}) == 3
    assert await roles.invites(ORGANISER) == first  # the same links, not new ones

    name, items = await roles.redeem(first[0].token, ANA)
    assert (name, [w.id for w in items]) == ("Ana Lima", ["w1", "w2"])
    assert await roles.role(ANA) is Role.FACILITATOR
    assert await roles.redeem(first[0].token, ANA) == (name, items)  # a replayed /start
    await _refused("roles.bad_invite", roles.redeem(first[0].token, NOBODY))
    again = await roles.invites(ORGANISER)
    assert again[0].facilitator == "Ana Lima" and again[0].token != first[0].token
    assert again[1:] == first[1:]


async def test_a_malformed_or_unknown_invitation_is_refused(world: World) -> None:
    roles = world.roles
    (invite,) = [i for i in await roles.invites(ORGANISER) if i.facilitator == "Bob"]
    for token in ("", "x" * 65, "abc!", "a b", "é", invite.token + "="):
        await _refused("roles.bad_invite", roles.redeem(token, NOBODY))
    await _refused("roles.bad_invite", roles.redeem("A-_9" * 16, NOBODY))  # 64, well formed
    assert await roles.role(NOBODY) is Role.PARTICIPANT
    assert (await roles.redeem(invite.token, NOBODY))[0] == "Bob"


async def test_revoke_finds_one_facilitator_by_name_or_word_starts(world: World) -> None:
    roles = world.roles
    await _refused("common.not_allowed", roles.revoke(ZOE, "Bob"))
    await _refused("roles.invites_usage", roles.revoke(ORGANISER, " ,; "))
    assert await roles.revoke(ORGANISER, "Bob") == ("Bob", 0)
    invites = {i.facilitator: i.token for i in await roles.invites(ORGANISER)}
    assert await roles.revoke(ORGANISER, " ana ") == ("Ana Lima", 1)
    assert await roles.revoke(ORGANISER, "zoe mar") == ("Zoé Martin", 1)
    assert await roles.revoke(ORGANISER, "Zoé Martin") == ("Zoé Martin", 0)
    await _refused("roles.bad_invite", roles.redeem(invites["Ana Lima"], ANA))
    assert (await roles.redeem(invites["Bob"], BOB))[0] == "Bob"
    assert await roles.revoke(ORGANISER, "Bob") == ("Bob", 0)  # a used one stays
    log = await _audit(world)
    assert log == [
        ("invite_revoked", ORGANISER, None, {"title": "Ana Lima"}, {"count": 1}),
        ("invite_revoked", ORGANISER, None, {"title": "Zoé Martin"}, {"count": 1}),
    ]

    unknown = await _refused("roles.revoke_unknown", roles.revoke(ORGANISER, "  Xavier "))
    assert unknown.params == {"name": "Xavier", "names": "Ana Lima, Bob, Zoé Martin"}
    await world.programme.import_bytes(
        (PROGRAMME + PROGRAMME.replace('"w', '"x').replace("Bob", "Bobette")).encode(),
        "semaine.toml",
    )
    assert await roles.revoke(ORGANISER, "bob") == ("Bob", 0)  # whole words first
    which = await _refused("roles.revoke_which", roles.revoke(ORGANISER, "bo "))
    assert which.params == {"name": "bo", "names": "Bob, Bobette"}


async def test_revoke_knows_names_only_a_waiting_link_still_has(world: World) -> None:
    await world.roles.invites(ORGANISER)
    await world.programme.import_bytes(NO_FACILITATOR.encode(), "semaine.toml")
    assert await world.roles.revoke(ORGANISER, "Bob") == ("Bob", 1)


async def test_revoke_with_no_facilitator_at_all(world: World) -> None:
    await world.programme.import_bytes(NO_FACILITATOR.encode(), "semaine.toml")
    await _refused("roles.no_facilitators", world.roles.revoke(ORGANISER, "Bob"))


async def test_a_person_is_found_by_id_or_username(world: World) -> None:
    find = world.roles.find_person
    assert (await find(f" {BOB} ")).user_id == BOB
    assert (await find("@BOBBY")).user_id == BOB
    assert (await find("bobby")).user_id == BOB
    for text in ("999", "-7", "@nobody", "bob", ""):
        await _refused("roles.unknown_person", find(text))


def test_a_long_list_of_names_is_cut_to_what_fits() -> None:
    assert _listed(["Ana", "Bob"]) == "Ana, Bob"
    exact = ["x" * (NAMES_SHOWN - 5), "yyy"]  # NAMES_SHOWN characters with ", "
    assert _listed(exact) == ", ".join(exact)
    over = ["x" * (NAMES_SHOWN - 4), "yyy"]
    cut = _listed(over)
    assert cut == "x" * (NAMES_SHOWN - 4) + ", y…"
    assert len(cut) == NAMES_SHOWN
    # a cut just after a comma drops it
    assert _listed(["x" * (NAMES_SHOWN - 2), "yyy"]) == "x" * (NAMES_SHOWN - 2) + "…"


async def test_the_shape_of_an_invitation_is_checked_before_the_database(world: World) -> None:
    """Tokens of a shape no invitation has are refused even when stored (as none ever is)."""
    wrong = ("", "abc!", "y" * 65)
    right = ("a", "A-_9" * 16)  # one character, and 64 of the allowed ones
    async with world.db.transaction() as conn:
        for token in wrong + right:
            await roles_repo.add_invite(conn, token, "Bob", ORGANISER, NOW)
    for token in wrong:
        await _refused("roles.bad_invite", world.roles.redeem(token, NOBODY))
    assert await world.roles.role(NOBODY) is Role.PARTICIPANT
    for user, token in zip((NOBODY, ANA), right, strict=True):
        assert (await world.roles.redeem(token, user))[0] == "Bob"


async def test_find_person_reads_an_id_only_from_digits(world: World) -> None:
    await world.people.register(7, "Xavier", None, "xavier", "fr")
    assert (await world.roles.find_person("@Xavier")).user_id == 7
    for text in ("7-", "X7", "-X7"):
        await _refused("roles.unknown_person", world.roles.find_person(text))


def test_a_cut_list_loses_its_trailing_comma_not_a_name() -> None:
    # "X": a mutant stripping more than ", " would eat the name
    assert _listed(["X" * (NAMES_SHOWN - 2), "yyy"]) == "X" * (NAMES_SHOWN - 2) + "…"


def test_each_role_gets_its_commands_in_the_tables_order() -> None:
    rank = {Role.PARTICIPANT: 0, Role.FACILITATOR: 1, Role.ORGANISER: 2}
    for role in Role:
        expected = [c.name for c in COMMANDS if rank[c.who] <= rank[role]]
        assert [c.name for c in for_role(role)] == expected, role
    names = {role: {c.name for c in for_role(role)} for role in Role}
    assert "next" in names[Role.PARTICIPANT] and "change" not in names[Role.PARTICIPANT]
    assert "change" in names[Role.FACILITATOR] and "log" not in names[Role.FACILITATOR]
    assert "log" in names[Role.ORGANISER]
    group = [c.name for c in in_groups()]
    assert group == [c.name for c in COMMANDS if c.who is Role.PARTICIPANT and not c.private]
    assert "next" in group and "mine" not in group and "notice" not in group


def test_help_shows_the_sections_of_a_role_and_no_line_above_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def lines(who: Role) -> list[str]:
        return [c.help_key for c in COMMANDS if c.who is who]

    participant = ["help.participant", *lines(Role.PARTICIPANT)]
    facilitator = ["help.facilitator", *lines(Role.FACILITATOR)]
    assert help_keys(Role.PARTICIPANT) == [participant]
    assert help_keys(Role.FACILITATOR) == [participant, facilitator]
    organiser = help_keys(Role.ORGANISER)
    assert organiser[:2] == [participant, facilitator]
    assert organiser[2][: 1 + len(lines(Role.ORGANISER))] == [
        "help.organiser",
        *lines(Role.ORGANISER),
    ]
    assert "help.extra_rota_gaps" in organiser[2]  # /rota's organiser line, in their section
    # An extra line for facilitators on an organisers' command stays hidden from facilitators
    table = (
        Command("rota", extras=(Extra("x.for_facilitators", Role.FACILITATOR),)),
        Command("log", who=Role.ORGANISER, extras=(Extra("x.hidden", Role.FACILITATOR),)),
    )
    monkeypatch.setattr("bot.commands.COMMANDS", table)
    assert help_keys(Role.FACILITATOR) == [
        ["help.participant", "help.cmd_rota"],
        ["help.facilitator", "x.for_facilitators"],
    ]
    assert help_keys(Role.ORGANISER)[1] == ["help.facilitator", "x.for_facilitators", "x.hidden"]


async def test_a_username_is_matched_whole_whatever_its_first_letter(world: World) -> None:
    extra = PROGRAMME.split("[[workshop]]")[1].replace('"w1"', '"w4"').replace("Zoe_M", "Xavier_F")
    await world.programme.import_bytes((PROGRAMME + "[[workshop]]" + extra).encode(), "s.toml")
    await world.people.register(8, "Xavier", None, "xavier_f", "fr")
    assert await world.roles.role(8) is Role.FACILITATOR
    assert [w.id for w in await world.roles.items_run_by(8)] == ["w4"]


async def test_a_map_read_before_a_facilitator_is_added_is_not_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer reading who runs what while an organiser adds a facilitator: the map it read
    is its own, the next answer reads again (the map read before was kept, and the new
    facilitator refused until the next change: tests/security/test_authorization.py's cells,
    under load)."""
    roles = world.roles
    real = roles_repo.item_facilitators
    began, gate = asyncio.Event(), asyncio.Event()

    async def read_then_wait(conn: aiosqlite.Connection) -> Any:
        rows = await real(conn)
        began.set()
        await gate.wait()  # read, not yet made into the map: the change comes now
        return rows

    monkeypatch.setattr(roles_repo, "item_facilitators", read_then_wait)  # the service's read
    w3 = await world.item("w3")
    reading = asyncio.create_task(roles.role(NOBODY))
    await began.wait()
    monkeypatch.setattr(roles_repo, "item_facilitators", real)
    await roles.set_facilitator(ORGANISER, w3, NOBODY, add=True)
    gate.set()
    assert await reading is Role.PARTICIPANT  # began before the change: it may not see it
    assert await roles.role(NOBODY) is Role.FACILITATOR
    assert await roles.may_change(NOBODY, w3)
