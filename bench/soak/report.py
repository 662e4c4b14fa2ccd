"""The report: the run's figures next to the echoes', then the invariants and the notes."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from bench.common import (
    GROUP,
    GROUP_PER_MINUTE,
    PARIS,
    PER_SECOND,
    Arrival,
    busiest,
    ms,
    percentile,
    print_table,
    ratio,
)
from bench.soak.driver import Asked
from bench.soak.people import days_of_the_week
from bench.soak.run import Run, Sample
from bench.soak.settings import END, GRACE, LABELS, ORGANISERS, SAMPLE_EVERY, START
from bench.soak.stage_report import print_stages
from bench.soak.verdicts import invariants
from bot.domain import planning
from bot.domain.schedule import local_day


def digest_lateness(r: Run) -> None:
    """Print how late the digests sent were, against the end of their day's window.

    A day's window ends with the last digest due that day (digest_at + digest_window_minutes,
    each person at a fixed place in it). At rehearsal speed the window lasts a fraction of a
    real second: Telegram's 30 messages a second then set a floor, printed next to it.
    """
    digests = [row for row in r.rows if row.kind == planning.DIGEST]
    ends: dict[date, datetime] = {}
    for row in digests:
        day = row.due_at.astimezone(PARIS).date()
        ends[day] = max(ends.get(day, row.due_at), row.due_at)
    sent = [row for row in digests if row.status == "sent" and row.sent_at is not None]
    if not sent:
        print("Digests: none sent\n")
        return
    late = [
        (row.sent_at - ends[row.due_at.astimezone(PARIS).date()]).total_seconds() / r.speed
        for row in sent
        if row.sent_at is not None
    ]
    per_day = Counter(row.due_at.astimezone(PARIS).date() for row in digests)
    floor = max(per_day.values()) / PER_SECOND
    first = min(ends.values())
    window = (first - min(row.due_at for row in digests)).total_seconds() / r.speed
    print(
        f"Digests: {len(sent)} sent of {len(digests)} ({sum(1 for x in late if x <= 0)} within "
        f"their day's window, which lasts {window:.2f} real s at this speed); after the window's "
        f"end, real s: p50 {percentile(late, 0.5):.2f}, max {max(late):.2f}; floor at 30/s for "
        f"the day's {max(per_day.values())} digests: {floor:.1f} s from the window's start\n"
    )


def mb(kb: float) -> str:
    """Format kB as MB."""
    return f"{kb / 1024:.1f} MB"


def echo_latencies(asked: Sequence[Asked], arrivals: Sequence[Arrival], k: int) -> dict[int, float]:
    """Give, for each text (by index), how long echo number k took to send it back."""
    by_chat: defaultdict[int, list[Arrival]] = defaultdict(list)
    for a in arrivals:
        if a.method == "sendMessage" and a.ok and a.chat_id is not None:
            by_chat[a.chat_id].append(a)
    used: set[int] = set()
    out = {}
    for n, q in sorted(enumerate(asked), key=lambda pair: pair[1].sent[k]):
        for a in by_chat[q.user]:
            if a.at >= q.sent[k] and a.text == q.text and id(a) not in used:
                used.add(id(a))
                out[n] = a.at - q.sent[k]
                break
    return out


def during_broadcasts(
    r: Run, latency: dict[int, float], arrived: dict[tuple[int | None, int | None], Arrival]
) -> None:
    """Print the bot's answer times while its broadcasts to everyone went out, and otherwise."""
    spans = []
    for b in r.broadcasts:
        times = [
            a.at
            for row in r.rows
            if row.batch == f"broadcast:{b.id}"
            and (a := arrived.get((row.chat_id, row.message_id))) is not None
        ]
        if len(times) > 1:
            spans.append((min(times), max(times)))
    inside = [
        v for n, v in latency.items() if any(x <= r.driver.asked[n].sent[0] <= y for x, y in spans)
    ]
    outside = [
        v
        for n, v in latency.items()
        if not any(x <= r.driver.asked[n].sent[0] <= y for x, y in spans)
    ]
    cells = [
        f"{name}: {len(values)} texts, p50 {ms(percentile(values, 0.5))}, "
        f"p99 {ms(percentile(values, 0.99))}"
        for name, values in (("while a broadcast went out", inside), ("otherwise", outside))
        if values
    ]
    print(
        f"The bot's answer times, all texts, around its {len(spans)} broadcasts "
        f"({sum(y - x for x, y in spans):.0f} real s from first to last message): "
        + "; ".join(cells)
    )
    print()


def report(r: Run) -> int:
    """Print the run's figures and invariants; give the exit status (1 if one failed)."""
    d = r.driver
    bot = r.arrivals[0]
    sends = [a for a in bot if a.method == "sendMessage" and a.ok]
    arrived = {(a.chat_id, a.message_id): a for a in sends}
    outbox_sent = {(row.chat_id, row.message_id) for row in r.rows if row.status == "sent"}
    registered = sum(1 for p in r.people if p.user_id not in r.late)
    facilitators = sum(1 for p in r.people if p.username)
    print(
        f"set-up: {registered} people registered before the week ({facilitators} of them "
        f"facilitators by their username), {len(r.late)} arriving on Monday with /start, "
        f"{len(ORGANISERS)} organisers; sign-ups before the week: "
        + ", ".join(f"{k} {n}" for k, n in sorted(r.setup.items()))
    )
    print(
        f"the week, {START:%a %d %b %H:%M} to {END:%a %d %b %H:%M}, ran in "
        f"{r.week_end - r.t0:.0f} real s (1 real s = {r.speed / 60:.0f} rehearsal min), then "
        f"{r.end - r.week_end:.1f} s for the bot to send what was due (at most {GRACE:g}); "
        f"the whole run took {r.seconds:.0f} s"
    )
    print("sessions played: " + ", ".join(f"{k} {n}" for k, n in d.done.most_common()))
    print(f"texts sent: {len(d.asked)}; buttons pressed: {len(d.pressed)}")
    print("what the presses got: " + ", ".join(f"{k} {n}" for k, n in sorted(d.toasts.items())))
    if d.skipped:
        print("steps not taken: " + ", ".join(f"{k} {n}" for k, n in d.skipped.most_common()))
    print()

    # Throughput
    handled = [t for t in r.bot.get("handled", []) if r.t0 <= t <= r.end]
    week = r.end - r.t0
    print(
        f"Updates: {r.pushed} queued by the people, {len(r.bot.get('handled', []))} handled by "
        f"the bot, {r.unconfirmed} never fetched; {len(handled) / week:.1f} handled a second "
        f"over the week, {busiest(handled, 1.0)} in the busiest real second; at most "
        f"{max((s.backlog for s in r.samples), default=0)} waiting to be fetched at once "
        f"(read every {SAMPLE_EVERY:g} s). This process's event loop (the emulators') woke up "
        f"to {ms(max((s.lag for s in r.samples), default=0))} late (p99 "
        f"{ms(percentile([s.lag for s in r.samples] or [0.0], 0.99))})"
    )
    print()

    # Answer times
    latency = {
        n: arrived[(q.user, q.answer)].at - q.sent[0]
        for n, q in enumerate(d.asked)
        if q.answer is not None and (q.user, q.answer) in arrived
    }
    echo = [echo_latencies(d.asked, r.arrivals[k], k) for k in (1, 2)]
    rows = []
    for label in (*LABELS, "other texts", "all texts"):
        chosen = [
            n
            for n, q in enumerate(d.asked)
            if label == "all texts"
            or q.label == label
            or (label == "other texts" and q.label not in LABELS)
        ]
        mine = [latency[n] for n in chosen if n in latency]
        bare = [echo[0][n] for n in chosen if n in echo[0]]
        paced = [echo[1][n] for n in chosen if n in echo[1]]
        if not mine or not bare or not paced:
            continue
        b50, b99 = percentile(mine, 0.5), percentile(mine, 0.99)
        e50, e99 = percentile(bare, 0.5), percentile(bare, 0.99)
        l50, l99 = percentile(paced, 0.5), percentile(paced, 0.99)
        bot_cells = [ms(b50), ms(b99)]
        echo_cells = [ms(e50), ms(e99), ratio(b50, e50), ratio(b99, e99)]
        rows.append(
            [label, str(len(mine)), *bot_cells, *echo_cells, ms(l50), ms(l99), ratio(b99, l99)]
        )
    print(
        "Answer times: update queued -> the answer reaching the emulator (p99: nearest rank). "
        "echo: the bare echo bot, flood control off; echo+lim: the echo with the bot's rate "
        "limiter, flood control on; both got the same texts at the same moments."
    )
    print_table(
        [
            *("text", "n", "bot p50", "bot p99", "echo p50", "echo p99", "p50 x", "p99 x"),
            *("echo+lim p50", "echo+lim p99", "p99 x (lim)"),
        ],
        rows,
    )
    during_broadcasts(r, latency, arrived)
    if r.bot.get("stages"):
        print_stages(r, latency, arrived)
    answers: defaultdict[str, list[Arrival]] = defaultdict(list)
    for a in bot:
        if a.method == "answerCallbackQuery" and a.query is not None:
            answers[a.query].append(a)
    pressed_rows = []
    by_label: defaultdict[str, list[float]] = defaultdict(list)
    for p in d.pressed:
        ok = [a for a in answers.get(p.query, []) if a.ok]
        if ok:
            by_label[p.label].append(ok[0].at - p.sent)
            by_label["all presses"].append(ok[0].at - p.sent)
    for label, values in sorted(by_label.items(), key=lambda kv: (kv[0] == "all presses", kv[0])):
        pressed_rows.append(
            [label, str(len(values)), *(ms(percentile(values, f)) for f in (0.5, 0.99, 1.0))]
        )
    print("Button presses: press queued -> its answerCallbackQuery reaching the emulator")
    print_table(["press", "n", "p50", "p99", "max"], pressed_rows)

    # Memory and CPU
    days = days_of_the_week()
    by_day: defaultdict[date, list[Sample]] = defaultdict(list)
    for s in r.samples:
        by_day[local_day(s.when, PARIS)].append(s)
    print(
        "Memory (VmRSS) of the bot's process, which holds the bot alone; this process holds "
        "the three emulators (each keeps every call and message) and the driver"
    )
    print_table(
        ["day", "bot at the end", "bot max", "this process at the end"],
        [
            [f"{day:%a %d}", mb(got[-1].bot_kb), mb(max(s.bot_kb for s in got)), mb(got[-1].own_kb)]
            for day in days
            if (got := by_day.get(day))
        ],
    )
    ends = [by_day[day][-1].bot_kb for day in days if by_day.get(day)]
    if len(ends) >= 2:
        first, last = ends[0], r.samples[-1].bot_kb
        print(
            f"bot peak (ru_maxrss): {mb(r.bot.get('peak_kb', 0))}; from the end of the first "
            f"day to the end of the week: {(last - first) / 1024:+.1f} MB "
            f"({(last - first) / first * 100:+.1f} %)"
        )
    print(
        "CPU time used, start-up included: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in r.cpu.items())
        + f" (the bot: {r.cpu['bot'] / week * 100:.0f} % of one core over the week)"
    )
    print()

    # Messages
    people = {p.user_id for p in r.people}
    own: Counter[tuple[int, date]] = Counter()
    replies: Counter[tuple[int, date]] = Counter()
    for a in sends:
        if a.chat_id in people:
            key = (a.chat_id, local_day(r.when(a.at), PARIS))
            (own if (a.chat_id, a.message_id) in outbox_sent else replies)[key] += 1
    table = []
    for day in [*days, None]:
        span = days if day is None else [day]
        total = [float(own[(u, x)] + replies[(u, x)]) for u in people for x in span]
        if day is None:
            total = [sum(own[(u, x)] + replies[(u, x)] for x in days) / len(days) for u in people]
        mean_own = statistics.mean(own[(u, x)] for u in people for x in span)
        mean_replies = statistics.mean(replies[(u, x)] for u in people for x in span)
        table.append(
            [
                "week (per day)" if day is None else f"{day:%a %d}",
                f"{statistics.mean(total):.2f}",
                f"{max(total):.3g}",
                f"{mean_replies:.2f}",
                f"{mean_own:.2f}",
            ]
        )
    print(
        "Private messages from the bot a participant a day (rehearsal days; all "
        f"{len(people)} people, zeros included; Saturday ends at noon)"
    )
    print_table(["day", "mean", "max", "answers (mean)", "sent on its own (mean)"], table)
    taken = [a for a in bot if a.ok and a.is_message]
    refused = Counter(c.status for c in r.calls if not c.ok)
    print(
        f"Group: {busiest((a.at for a in taken if a.chat_id == GROUP), 60.0)} messages in the "
        f"busiest real minute (Telegram's limit: {GROUP_PER_MINUTE}); all chats: "
        f"{busiest((a.at for a in taken), 1.0)} messages in the busiest real second (limit "
        f"{PER_SECOND}); 429 received: {refused.get(429, 0)}"
    )
    fates = Counter((row.kind, row.status) for row in r.rows)
    kinds = sorted({k for k, _ in fates})
    statuses = sorted({s for _, s in fates})
    print("The outbox at the end, by kind and status")
    print_table(["kind", *statuses], [[k, *(str(fates[(k, s)]) for s in statuses)] for k in kinds])
    digest_lateness(r)

    misread = [
        f"{q.user}: the answer taken to {q.text[:30]!r} was one the bot sent on its own"
        for q in d.asked
        if (q.user, q.answer) in outbox_sent
    ]
    verdicts = invariants(r, answers, arrived, misread)
    print("Invariants")
    for v in verdicts:
        print(f"  {'OK    ' if v.ok else 'FAILED'} {v.name}" + (f" ({v.note})" if v.note else ""))
        for line in v.details[:8]:
            print(f"         - {line}")
        if len(v.details) > 8:
            print(f"         - ... and {len(v.details) - 8} more")
    print()
    notes(r)
    return 0 if all(v.ok for v in verdicts) else 1


def notes(r: Run) -> None:
    """Print what is worth knowing and is not an invariant."""
    logs = r.bot.get("logs", {})
    if logs.get("WARNING"):
        print(f"The bot logged {logs['WARNING']} warnings, the first ones:")
        for text in r.bot.get("samples", {}).get("WARNING", []):
            print(f"  - {text}")
    for name, result in zip(("echo", "echo+lim"), r.echoes, strict=True):
        if result.get("logs"):
            print(f"The {name} logged: {result['logs']} {result.get('samples')}")
    texts: Counter[tuple[int, str]] = Counter()
    kinds: defaultdict[tuple[int, str], list[str]] = defaultdict(list)
    arrived = {
        (a.chat_id, a.message_id): a for a in r.arrivals[0] if a.ok and a.method == "sendMessage"
    }
    for row in r.rows:
        a = arrived.get((row.chat_id, row.message_id))
        if row.status == "sent" and a is not None and row.kind != planning.BOARD:
            texts[(row.chat_id, a.text)] += 1
            kinds[(row.chat_id, a.text)].append(row.key)
    twice = [k for k, n in texts.items() if n > 1]
    if twice:
        print(
            f"The same text twice in a chat, from outbox messages of different keys: "
            f"{len(twice)} time(s), e.g.:"
        )
        for chat, text in twice[:3]:
            print(f"  - chat {chat}, {' and '.join(kinds[(chat, text)])}: {text[:90]!r}")
    if r.driver.other_toasts:
        print(
            "Other answers to presses: "
            + "; ".join(f"{n} x {t!r}" for t, n in r.driver.other_toasts.most_common(5))
        )
    slowest = sorted(
        (
            (a.at - q.sent[0], q)
            for q in r.driver.asked
            if q.answer is not None and (a := arrived.get((q.user, q.answer))) is not None
        ),
        key=lambda pair: -pair[0],
    )[:5]
    print(
        "Slowest answers: "
        + "; ".join(
            f"{ms(seconds)} to {q.label} at {r.when(q.sent[0]):%a %H:%M}" for seconds, q in slowest
        )
    )
    if r.overlaps:
        print(
            f"{len(r.overlaps)} people hold places in two things at the same time at the end, "
            f"e.g. {'; '.join(r.overlaps[:3])}"
        )
    print()
