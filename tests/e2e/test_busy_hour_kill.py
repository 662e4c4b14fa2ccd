"""kill -9 three times in a busy morning: no booking lost or doubled, nothing sent twice.

The bot runs as `run.py --now ... --speed 60` (a rehearsal minute per real second) against the
emulator, flood control on. From 07:57: everyone's morning digest (08:00), an organiser's notice
to the group and a storm of presses on four small workshops, people giving their places up
(which promotes the first in line), an organiser's broadcast to everyone, then the group's
announcement and everyone's reminders (09:15), and the live board as the workshops start
(09:35). 09:15 is late enough for a loaded machine to be done with the rest when the reminders
are due; the twenty minutes between reminders and start (twenty real seconds) leave room for a
slow restart after the third kill, since a reminder that would arrive after its item started
is dropped.
The bot is killed without warning during the storm, in the middle of the broadcast, and while
the reminders go out (some delivered, some still to go: checked); each time it starts again on
the same database, its clock set to where the rehearsal has got to.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import signal
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from bot.clock import RehearsalClock
from bot.domain.booking import Standing, Status, Target, TargetKind, ref
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.records import SentMessage
from bot.services.programme import ProgrammeService
from storage import bookings as bookings_repo
from storage import broadcasts as broadcasts_repo
from storage import inbox as inbox_repo
from storage import outbox as outbox_repo
from storage import participants as participants_repo
from storage import programme as programme_repo
from storage.db import Database
from storage.outbox import Row
from tests.conftest import ALICE, GROUP, ORGANISER, PARIS
from tests.e2e.test_broadcast_kill import press
from tests.e2e.test_kill import bot_config, start_bot

PROGRAMME = """
[[workshop]]
id = "potager"
title = "Semis au potager"
start = 2026-08-24T09:35:00
end = 2026-08-24T11:00:00
room = "Jardin"
capacity = 5

[[workshop]]
id = "poterie"
title = "Tournage de poterie"
start = 2026-08-24T09:35:00
end = 2026-08-24T11:00:00
room = "Atelier bois"
capacity = 6

[[workshop]]
id = "chant"
title = "Chant polyphonique"
start = 2026-08-24T09:35:00
end = 2026-08-24T11:00:00
room = "Grange"
capacity = 8

[[workshop]]
id = "velo"
title = "Réparer son vélo"
start = 2026-08-24T09:35:00
end = 2026-08-24T11:00:00
room = "Préau"
capacity = 4

[[workshop]]
id = "randonnee"
title = "Randonnée des crêtes"
start = 2026-08-24T09:35:00
end = 2026-08-24T11:00:00
room = "Accueil"
capacity = 60
"""
STORMED = ("potager", "poterie", "chant", "velo")  # small, and 30 people want each
START = datetime(2026, 8, 24, 7, 57, tzinfo=PARIS)
SLOT = datetime(2026, 8, 24, 9, 35, tzinfo=PARIS)  # the workshops start, the board changes
SPEED = 60.0
WINDOW = 4  # delivery.window: the most messages in flight at once
SEED = 24_08_2026
PEOPLE = 170
FIRST = 110_000
BOOKED = 3  # per stormed workshop, booked the day before
CANCELLERS = 2  # of those, who give their place up
STORMERS = 30  # per stormed workshop
DOUBLE = 12  # stormers who press twice
HIKERS = 25  # booked for the hike the day before
BLOCKED = 4
NOTICE = "Le bus pour la randonnée part à 8 h 20 devant l'accueil."
# (nothing in it that HTML escapes: the bot sends it as written)
TEXT = "Pluie annoncée\u202f: les ateliers du matin restent à couvert, dans leurs salles."
FINAL = ("sent", "dropped", "unreachable", "failed", "cancelled", "uncertain")
SIGNED_UP = re.compile(
    r"✅ C'est fait\u202f: vous êtes inscrit·e à «\u202f.+\u202f»\.$|Vous êtes déjà inscrit·e"
)
WAITING = re.compile(
    r"⏳ C'est complet\u202f: vous êtes n°(\d+) |Vous êtes déjà sur .+ \(n°(\d+)\)"
)
GAVE_UP = re.compile(r"C'est noté, vous n'êtes plus inscrit·e à «\u202f.+\u202f»\.$")


def cast(rng: random.Random) -> dict[str, list[int]]:
    """Share the people out: booked (some to cancel), storming, hiking, blocked, idle."""
    people = list(range(FIRST, FIRST + PEOPLE))
    rng.shuffle(people)
    roles: dict[str, list[int]] = {}
    for item in STORMED:
        roles[f"booked:{item}"], people = people[:BOOKED], people[BOOKED:]
        roles[f"cancel:{item}"] = rng.sample(roles[f"booked:{item}"], CANCELLERS)
    for item in STORMED:
        roles[f"storm:{item}"], people = people[:STORMERS], people[STORMERS:]
    roles["hike"], people = people[:HIKERS], people[HIKERS:]
    roles["blocked"] = people[:BLOCKED]
    return roles


def storm(rng: random.Random, roles: dict[str, list[int]]) -> list[tuple[int, str]]:
    """Give the presses in the order they reach Telegram: (person, workshop); some twice."""
    presses = [(user, item) for item in STORMED for user in roles[f"storm:{item}"]]
    rng.shuffle(presses)
    for twice in rng.sample(presses, DOUBLE):
        presses.insert(rng.randint(presses.index(twice) + 1, len(presses)), twice)
    return presses


async def evening_before(
    database: Path, programme: Path, emu: BotApiEmulator, roles: dict[str, list[int]]
) -> dict[str, Target]:
    """Import the programme, register everyone (they started the bot), book some; give targets."""
    db = await Database.open(database)
    try:
        await ProgrammeService(db, PARIS).import_path(programme)
        async with db.read() as conn:
            items = (await programme_repo.load(conn)).workshops
        targets = {w.id: Target.of_workshop(w) for w in items}
        evening = START - timedelta(hours=12)
        async with db.transaction() as conn:
            for user in range(FIRST, FIRST + PEOPLE):
                name = f"Personne {user - FIRST:03d}"
                emu.cast.add_user(user, name, language_code="fr")
                emu.world.users[user].started = True
                emu.cast.join_group(GROUP, user)
                await participants_repo.upsert(
                    conn,
                    user_id=user,
                    first_name=name,
                    last_name=None,
                    username=None,
                    language="fr",
                    now=evening,
                )
            for item in STORMED:
                for user in roles[f"booked:{item}"]:
                    await bookings_repo.add(conn, targets[item], user, Status.IN, evening)
            for user in roles["hike"]:
                await bookings_repo.add(conn, targets["randonnee"], user, Status.IN, evening)
    finally:
        await db.close()
    for user in roles["blocked"]:
        emu.cast.block(user)
    return targets


@contextlib.asynccontextmanager
async def opened(database: Path) -> AsyncIterator[Database]:
    db = await Database.open(database)
    try:
        yield db
    finally:
        await db.close()


class Bot:
    """The bot as a process on one database: started, killed, started again.

    Its clock is where the rehearsal has got to: START, then SPEED times the real time since
    the first start, whatever happened in between.
    """

    def __init__(self, config: Path, db: Database, log_dir: Path) -> None:
        self.config = config
        self.db = db
        self.logs: list[Path] = []
        """Its stderr, one file per life."""
        self._dir = log_dir
        self.clock = RehearsalClock(START, SPEED)
        self.in_flight: list[set[int]] = []
        """The outbox messages being sent at each kill."""
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start it (run.py), its clock where the rehearsal is."""
        self.logs.append(self._dir / f"bot-{len(self.logs)}.log")
        with self.logs[-1].open("wb") as stderr:
            self._process = await start_bot(
                self.config, self.clock.now(), speed=SPEED, stderr=stderr
            )

    async def stop(self) -> None:
        """Kill it if it runs."""
        if self._process is not None and self._process.returncode is None:
            self._process.send_signal(signal.SIGKILL)
            await self._process.wait()

    async def kill(self) -> None:
        """Kill it without warning; note what was in flight, within the window."""
        await self.stop()
        sending = {r.id for r in await outbox(self.db) if r.status == "sending"}
        assert len(sending) <= WINDOW, sending
        self.in_flight.append(sending)


async def outbox(db: Database) -> list[Row]:
    async with db.read() as conn:
        return await outbox_repo.rows(conn)


async def until(emu: BotApiEmulator, condition: Callable[[], bool], seconds: float = 60) -> None:
    """Wait until the emulator's state meets a condition (bounded)."""
    async with asyncio.timeout(seconds):
        await emu.world.changes.wait_for(condition)


async def settled(db: Database, check: Callable[[list[Row]], bool], seconds: float = 60) -> None:
    """Poll the database the bot writes until every update is handled and the outbox passes."""
    async with asyncio.timeout(seconds):
        while True:
            with contextlib.closing(sqlite3.connect(inbox_repo.beside(db.path))) as conn:
                unhandled = inbox_repo.pending(conn)
            if not unhandled and check(await outbox(db)):
                return
            await asyncio.sleep(0.2)


def final(row: Row) -> bool:
    return row.status in FINAL


def delivered(emu: BotApiEmulator) -> list[tuple[int, str]]:
    """List (chat, text) of every message Telegram took from the bot, in order."""
    return [
        (int(c.params["chat_id"]), str(c.params["text"]))
        for c in emu.observer.calls_to("sendMessage")
        if c.status == 200
    ]


def identity(text: str) -> str:
    """Name what a message is, whenever it was written (reminders count down, digests change)."""
    if text.startswith("☀️ Bonjour"):
        return "digest"
    return re.sub(r"\d+", "#", text)


def everyone(standing: Standing) -> list[int]:
    """List who is in, then who waits, in order."""
    return [*standing.ins, *standing.waiting]


def reminder(title: str) -> re.Pattern[str]:
    return re.compile(rf"⏰ Dans \d+ min\u202f: <b>{re.escape(escape(title))}</b>")


async def reply_with(emu: BotApiEmulator, chat: int, mark: int, prefix: str) -> SentMessage:
    """Give the bot's first message after `mark` with a button whose data starts with `prefix`.

    A command handled again after a kill may be answered again, later than what came after it
    (the notice's "sent to the group", before the audiences of a broadcast).
    """
    count = 1
    while True:
        got = await emu.observer.wait_for_messages(chat, count, timeout=30, after=mark)
        for message in got:
            if any(data and data.startswith(prefix) for _, data in message.buttons):
                return message
        count += 1


async def test_kill_9_three_times_in_a_busy_morning(emu: BotApiEmulator, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    roles = cast(rng)
    presses = storm(rng, roles)
    cancels = [(user, item) for item in STORMED for user in roles[f"cancel:{item}"]]
    rng.shuffle(cancels)
    kill_after_answers = rng.randint(15, 90)  # of the storm's 132 presses
    kill_after_broadcast = rng.randint(10, 120)  # of the broadcast's 166 messages
    kill_after_reminders = rng.randint(3, 30)  # of the 48

    programme = tmp_path / "matin.toml"
    programme.write_text(PROGRAMME, encoding="utf-8")
    database = tmp_path / "r.sqlite3"
    config = bot_config(
        tmp_path / "config.toml",
        emu,
        database,
        f"""[event]
programme = "{programme}"
organisers = [{ORGANISER}]
announce_chat_id = {GROUP}
[announcements]
enabled = true
digest_at = "08:00"
lead_minutes = 20
reminder_minutes = 20
[delivery]
window = {WINDOW}
""",
    )
    targets = await evening_before(database, programme, emu, roles)
    answers = emu.world.callback_answers

    async with opened(database) as db:
        bot = Bot(config, db, tmp_path)
        await bot.start()
        try:
            await emu.observer.wait_for_poll(timeout=60)
            # The workshops' details in the group, and in private for those who will give
            # their place up (with the button to do it), before anything goes wrong
            posts = {}
            for item in STORMED:
                mark = emu.observer.mark(GROUP)
                await emu.people.send_text(ALICE, f"/workshop {item}", chat_id=GROUP)
                (posts[item],) = await emu.observer.wait_for_messages(
                    GROUP, 1, timeout=30, after=mark
                )
            details = {}
            for user, item in cancels:
                mark = emu.observer.mark(user)
                await emu.people.send_text(user, f"/workshop {item}")
                (details[user],) = await emu.observer.wait_for_messages(
                    user, 1, timeout=30, after=mark
                )
                assert details[user].buttons[0] == ("❌ Me désinscrire", f"b:wc:{ref(item)}")
            await settled(db, lambda _: True)

            # A notice, the storm (the digests are going out too), and a kill in its middle
            await emu.people.send_text(ORGANISER, f"/notice {NOTICE}")
            queries = [
                await emu.people.press_button(
                    user, posts[item].message_id, f"b:ws:{ref(item)}", chat_id=GROUP
                )
                for user, item in presses
            ]
            await until(emu, lambda: sum(q in answers for q in queries) >= kill_after_answers)
            await bot.kill()
            assert not all(q in answers for q in queries), "the kill came mid-storm"
            await bot.start()
            await until(emu, lambda: all(q in answers for q in queries))
            async with db.read() as conn:
                after_storm = await bookings_repo.standings(conn, [targets[i] for i in STORMED])

            # The organiser writes to everyone; meanwhile, people give their places up
            mark = emu.observer.mark(ORGANISER)
            await emu.people.send_text(ORGANISER, f"/broadcast {TEXT}")
            choose = await reply_with(emu, ORGANISER, mark, "bc:a:")
            preview = await press(emu, choose, "bc:a:")  # the first audience: everyone
            assert f"{PEOPLE} destinataires" in preview.plain_text
            await press(emu, await press(emu, preview, "bc:ok:"), "bc:sure:")
            gave_up = [
                await emu.people.press_button(user, details[user].message_id, f"b:wc:{ref(item)}")
                for user, item in cancels
            ]

            def broadcast() -> int:
                return sum(1 for _, text in delivered(emu) if text.endswith(TEXT))

            await until(emu, lambda: broadcast() >= kill_after_broadcast)
            await bot.kill()
            assert broadcast() < PEOPLE - BLOCKED, "the kill came mid-broadcast"
            await bot.start()
            await until(emu, lambda: all(q in answers for q in gave_up))
            await settled(db, lambda rows: all(final(r) for r in rows if r.batch))

            # The group's announcement and the reminders (due 09:15), and the third kill while
            # they go out: some delivered, some still to go
            def reminded() -> int:
                return sum(1 for _, text in delivered(emu) if text.startswith("⏰ Dans"))

            try:
                await until(emu, lambda: reminded() >= kill_after_reminders, seconds=120)
            except TimeoutError:
                statuses = Counter(r.status for r in await outbox(db) if r.kind == "reminder")
                now = bot.clock.now().astimezone(PARIS)
                raise AssertionError(
                    f"{reminded()} reminder(s) delivered by {now:%H:%M}: {statuses}"
                ) from None
            await bot.kill()
            reminded_at_kill = reminded()
            to_go = [r for r in await outbox(db) if r.kind == "reminder" and not final(r)]
            assert reminded_at_kill >= kill_after_reminders and to_go, (
                "the third kill came while the reminders went out",
                reminded_at_kill,
                len(to_go),
            )
            await bot.start()

            # The rest of the morning, until every message due by the time the workshops start
            # (the board's change at 09:35) has met its fate
            await settled(
                db, lambda rows: all(final(r) or r.due_at > SLOT for r in rows), seconds=120
            )
        finally:
            await bot.stop()
        rows = await outbox(db)
        async with db.read() as conn:
            standings = await bookings_repo.standings(conn, list(targets.values()))
            bookings = await bookings_repo.everything(conn)
            unfinished = await broadcasts_repo.unfinished(conn)

    by_item = {item: standings[(TargetKind.WORKSHOP, item)] for item in targets}
    stormed = {item: after_storm[(TargetKind.WORKSHOP, item)] for item in STORMED}

    # Every press answered (Telegram takes one answer to a press: a repeat is refused); what
    # each stormer was told is what the database held
    assert [q for q in queries + gave_up if q not in answers] == []
    for (user, item), query in zip(presses, queries, strict=True):
        said = answers[query]["text"]
        if SIGNED_UP.match(said):
            assert user in stormed[item].ins, (user, said)
        else:
            found = WAITING.match(said)
            assert found is not None, (user, said)
            assert stormed[item].position(user) == int(found[1] or found[2]), (user, said)
    for query in gave_up:
        assert GAVE_UP.match(answers[query]["text"]), answers[query]
    # first come, first served, across the kill
    for item in STORMED:
        firsts = list(dict.fromkeys(user for user, i in presses if i == item))
        assert everyone(stormed[item]) == roles[f"booked:{item}"] + firsts

    # A place given up went to the first in line; never more people in than places
    for item in STORMED:
        line = [u for u in everyone(stormed[item]) if u not in roles[f"cancel:{item}"]]
        places = targets[item].places
        assert (list(by_item[item].ins), list(by_item[item].waiting)) == (
            line[:places],
            line[places:],
        ), item
    assert list(by_item["randonnee"].ins) == roles["hike"] and not by_item["randonnee"].waiting
    assert len(bookings) == sum(len(everyone(s)) for s in by_item.values()), "nothing else"

    # Every message the bot sends on its own met its fate. Those in flight at a kill went out
    # after it, or (their request had left: it may have arrived) were left `uncertain`
    assert [
        r for r in rows if not final(r) and not (r.status == "pending" and r.due_at > SLOT)
    ] == []
    uncertain = {r.id for r in rows if r.status == "uncertain"}
    assert uncertain <= set().union(*bot.in_flight), (uncertain, bot.in_flight)
    for r in rows:
        if r.status == "sent":
            assert (r.chat_id, r.message_id) in emu.world.sent_by_id, r
    # and nobody got anything twice (the organiser's replies aside: a command handled again
    # after a kill may be answered again)
    seen = Counter((c, identity(text)) for c, text in delivered(emu) if c != ORGANISER)
    assert {key: n for key, n in seen.items() if n > 1} == {}, "sent twice"
    assert [r.status for r in rows if r.kind == "notice"] in (["sent"], ["uncertain"])

    # The broadcast reached everyone once (or maybe, when uncertain) and was reported
    assert unfinished == []
    got = Counter(chat for chat, text in delivered(emu) if text.endswith(TEXT))
    fates = {r.chat_id: r.status for r in rows if r.batch == "broadcast:1"}
    assert sorted(fates) == list(range(FIRST, FIRST + PEOPLE))
    expected = {"sent": {1}, "unreachable": {0}, "uncertain": {0, 1}}
    assert [u for u, fate in fates.items() if got[u] not in expected.get(fate, set())] == []
    assert sorted(u for u, fate in fates.items() if fate == "unreachable") == sorted(
        roles["blocked"]
    )
    (report,) = [r for r in rows if r.kind == "broadcast_report"]
    reports = [text for chat, text in delivered(emu) if chat == ORGANISER and "📬" in text]
    assert len(reports) == 1 if report.status == "sent" else report.status == "uncertain"
    received = sum(1 for fate in fates.values() if fate == "sent")
    assert all(f"✅ {received} reçus sur {PEOPLE}\n" in text for text in reports), reports

    # The promoted were told; everyone in a workshop got exactly one reminder for it (or,
    # leaving at a kill, maybe one: uncertain), nobody once they had given their place up
    promoted = {(u, item) for item in STORMED for u in stormed[item].waiting[:CANCELLERS]}
    told = {(r.chat_id, r.params["target_id"]): r.status for r in rows if r.kind == "promoted"}
    assert set(told) == promoted and set(told.values()) <= {"sent", "uncertain"}, told
    reminders = {(r.chat_id, r.params["target_id"]): r for r in rows if r.kind == "reminder"}
    leaving = set().union(*bot.in_flight)
    messages = delivered(emu)
    for item, standing in by_item.items():
        said = reminder(targets[item].title)
        for user in standing.ins:
            row = reminders.get((user, item))
            times = sum(1 for chat, text in messages if chat == user and said.match(text))
            assert row is not None, (user, item, "no reminder planned")
            if row.status == "uncertain":
                assert row.id in leaving and times <= 1, (user, item, times)
            else:
                assert (row.status, times) == ("sent", 1), (user, item, row.status, times)
    calls = emu.calls
    for (user, item), query in zip(cancels, gave_up, strict=True):
        answered = next(
            n
            for n, c in enumerate(calls)
            if c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query
        )
        late = [
            c
            for c in calls[answered:]
            if c.method == "sendMessage"
            and int(c.params["chat_id"]) == user
            and reminder(targets[item].title).match(str(c.params["text"]))
        ]
        assert late == [], (user, item)
    digests = {r.chat_id: r.status for r in rows if r.kind == "digest"}
    undigested = [u for u in fates if digests.get(u) not in ("sent", "uncertain")]
    assert sorted(undigested) == sorted(roles["blocked"])
    group = {r.kind for r in rows if r.chat_id == GROUP and r.due_at <= SLOT}
    assert set(group) == {"notice", "announce", "board"}, group

    # No life of the bot met an unexpected error
    for log in bot.logs:
        text = log.read_text(encoding="utf-8")
        errors = [line[:300] for line in text.splitlines() if " ERROR " in line]
        assert "Traceback" not in text and errors == [], (log.name, len(errors), errors[:3])
