"""The invariants checked at the end of the week, each OK or FAILED with its evidence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.common import GROUP, GROUP_PER_MINUTE, PER_SECOND, Arrival
from bench.soak.run import Run
from bench.soak.settings import TIMEOUT
from bot.domain import planning


@dataclass
class Verdict:
    """One invariant: what it says, whether it held, and the evidence."""

    name: str
    details: list[str]
    note: str = ""

    @property
    def ok(self) -> bool:
        """Tell whether it held."""
        return not self.details


def invariants(
    r: Run,
    answers: dict[str, list[Arrival]],
    arrived: dict[tuple[int | None, int | None], Arrival],
    misread: list[str],
) -> list[Verdict]:
    """Check what must hold at the end of the week."""
    d = r.driver
    faults = [f for _, found in d.checks for f in found]
    moments = f"at {len(d.checks) - 1} evenings and at the end"
    out = [
        Verdict("no item over capacity", [f for f in faults if f.startswith("over")], moments),
        Verdict(
            "waiting lists in order: nobody in who came after someone still waiting",
            [f for f in faults if f.startswith("queue")],
            moments,
        ),
        Verdict(
            "no place free while people wait, sign-ups open",
            [f for f in faults if f.startswith("place")],
            f"at {len(d.checks) - 1} evenings",
        ),
        Verdict("one booking per person and item", [f for f in faults if f.startswith("booked")]),
    ]
    wrong = []
    for p in d.pressed:
        got = answers.get(p.query, [])
        ok = sum(a.ok for a in got)
        if ok != 1 or len(got) != 1:
            wrong.append(f"{p.label} by {p.user}: {ok} answers accepted, {len(got) - ok} refused")
    stray = set(answers) - {p.query for p in d.pressed}
    wrong += [f"answer to a query nobody pressed: {q}" for q in sorted(stray)]
    out.append(Verdict("every button press answered exactly once", wrong, f"{len(d.pressed)}"))
    out.append(
        Verdict(
            "every text and press got its answer",
            d.unanswered + misread,
            f"{len(d.asked)} texts, within {TIMEOUT:g} s",
        )
    )
    handled = len(r.bot.get("handled", []))
    out.append(
        Verdict(
            "every update handled",
            [f"{r.pushed} queued, {handled} handled, {r.unconfirmed} never fetched"]
            if handled != r.pushed or r.unconfirmed
            else [],
            f"{r.pushed}",
        )
    )
    out.append(broadcast_verdict(r, arrived))
    out.append(duplicates_verdict(r, arrived))
    logs = r.bot.get("logs", {})
    errors = [
        f"{level}: {text}"
        for level in ("ERROR", "CRITICAL")
        for text in r.bot.get("samples", {}).get(level, [])
    ]
    count = logs.get("ERROR", 0) + logs.get("CRITICAL", 0)
    mine = r.own.counts.get("ERROR", 0) + r.own.counts.get("CRITICAL", 0)
    errors += [f"this process: {text}" for text in r.own.samples.get("ERROR", [])]
    out.append(
        Verdict(
            "no error in the bot's log",
            errors or ([f"{count} errors"] if count else []) + ([f"{mine}"] if mine else []),
            f"{count} in the bot's, {mine} in the emulators'",
        )
    )
    unreachable = {p.user_id for p in r.people if p.blocked} | r.late
    expected = 0
    refused: Counter[str] = Counter()
    polls = [c for c in r.calls if c.method == "getUpdates"]
    for c in r.calls:
        if c.ok or (c.status == 499 and polls and c is polls[-1]):
            continue  # the last long poll is cut when the bot stops
        if c.status == 403 and c.params.get("chat_id") in unreachable:
            expected += 1
            continue
        chat = c.params.get("chat_id")
        where = "" if chat is None else " in the group" if chat == GROUP else f" to {chat}"
        refused[f"{c.method}{where} {c.status}: {c.response.get('description', '')}"] += 1
    out.append(
        Verdict(
            "the emulator refused no call, but the 403s of people who blocked the bot "
            "or had not started it",
            [f"{n} x {why}" for why, n in refused.most_common()] + too_many(r.arrivals[0]),
            f"{expected} such 403s",
        )
    )
    out.append(Verdict("the driver ran as planned", d.failures))
    return out


def too_many(arrivals: Sequence[Arrival]) -> list[str]:
    """Say, for each 429, how early it came: the window's oldest message and how old it was."""
    taken = sorted(a.at for a in arrivals if a.ok and a.is_message)
    group = sorted(a.at for a in arrivals if a.ok and a.is_message and a.chat_id == GROUP)
    out = []
    for a in arrivals:
        if a.call.status != 429:
            continue
        for times, limit, span, what in (
            (taken, PER_SECOND, 1.0, "all chats"),
            (group, GROUP_PER_MINUTE, 60.0, "the group"),
        ):
            before = [t for t in times if a.at - span < t < a.at]
            if len(before) >= limit and (a.chat_id == GROUP or what == "all chats"):
                oldest = before[-limit]
                out.append(
                    f"  the 429 to {a.chat_id}: {len(before)} messages ({what}) in the {span:g} s "
                    f"before it, the {limit}th last {a.at - oldest:.3f} s before it"
                )
    return out


def broadcast_verdict(r: Run, arrived: dict[tuple[int | None, int | None], Arrival]) -> Verdict:
    """Check that each broadcast is done, with each recipient's fate, and its report sent."""
    wrong = []
    confirmed = r.driver.broadcasts
    if len(r.broadcasts) != len(confirmed):
        wrong.append(f"{len(confirmed)} confirmed by the organiser, {len(r.broadcasts)} recorded")
    fates = []
    for b, (audience, at_least, at_most) in zip(r.broadcasts, confirmed, strict=False):
        rows = [row for row in r.rows if row.batch == f"broadcast:{b.id}"]
        counts = Counter(row.status for row in rows)
        report = [row for row in r.rows if row.key == f"broadcast:{b.id}:report"]
        fates.append(f"#{b.id} {audience}: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
        if b.status != "done":
            wrong.append(f"broadcast {b.id} is still {b.status}")
        if len(rows) != b.recipients or sum(counts.values()) != b.recipients:
            wrong.append(f"broadcast {b.id}: {b.recipients} recipients, {len(rows)} messages")
        if audience == "all" and not at_least <= b.recipients <= at_most:
            wrong.append(
                f"broadcast {b.id}: {b.recipients} recipients, {at_least}-{at_most} registered"
            )
        waiting = counts.get("pending", 0) + counts.get("sending", 0)
        if waiting:
            wrong.append(f"broadcast {b.id}: {waiting} messages never sent")
        lost = [
            row.chat_id
            for row in rows
            if row.status == "sent" and (row.chat_id, row.message_id) not in arrived
        ]
        if lost:
            wrong.append(f"broadcast {b.id}: {len(lost)} sent, not received (e.g. {lost[0]})")
        if not report or report[0].status != "sent":
            wrong.append(f"broadcast {b.id}: no report to the organiser")
    return Verdict("every broadcast done, every recipient accounted for", wrong, "; ".join(fates))


def duplicates_verdict(r: Run, arrived: dict[tuple[int | None, int | None], Arrival]) -> Verdict:
    """Check that no outbox message reached a chat twice."""
    wrong = []
    keys = Counter(row.key for row in r.rows)
    wrong += [f"key {k} queued {n} times" for k, n in keys.items() if n > 1]
    sent = [row for row in r.rows if row.status == "sent" and row.message_id is not None]
    # The board is one message, edited: its rows all name it
    ids = Counter((row.chat_id, row.message_id) for row in sent if row.kind != planning.BOARD)
    wrong += [f"message {k} claimed by {n} outbox rows" for k, n in ids.items() if n > 1]
    texts = {
        (row.chat_id, arrived[(row.chat_id, row.message_id)].text)
        for row in sent
        if (row.chat_id, row.message_id) in arrived
    }
    claimed = {(row.chat_id, row.message_id) for row in sent}
    for (chat, message_id), a in arrived.items():
        if (chat, a.text) in texts and (chat, message_id) not in claimed:
            wrong.append(f"chat {chat} got an outbox message again (message {message_id})")
    return Verdict("no outbox message sent twice", wrong, f"{len(sent)} sent")
