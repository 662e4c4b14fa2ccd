"""Print where the bot's answers to texts spent their time (python -m bench.soak --stages)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bench.common import Arrival, ms, percentile, print_table
from bench.soak.run import Run

SEGMENTS = (
    ("queued in the emulator -> getUpdates back in the bot", "sent", "fetched"),
    ("  of which waiting for a getUpdates to be asked", "sent", "asked"),
    ("  of which the getUpdates under way, once asked", "asked", "fetched"),
    ("written to the inbox (fetched -> stored)", "fetched", "stored"),
    ("stored -> in the application's queue", "stored", "handed"),
    ("application's queue -> handler starts", "handed", "started"),
    ("handler: start -> its reply reaches the rate limiter", "started", "queued"),
    ("  of which waiting for the database connection", None, "db_wait"),
    ("  of which holding the database connection", None, "db_hold"),
    ("rate limiter: queued -> granted", "queued", "granted"),
    ("granted -> the reply reaches the emulator", "granted", "arrived"),
)


def print_stages(r: Run, latency: dict[int, float], arrived: dict[Any, Arrival]) -> None:
    """Print, for the texts the bot answered, each stage's share of the answer time."""
    data = r.bot.get("stages") or {}
    by_key = {u["key"]: u for u in data.get("updates", [])}
    rows: list[tuple[float, dict[str, float]]] = []
    behind: defaultdict[str, float] = defaultdict(float)
    for n, total in latency.items():
        q = r.driver.asked[n]
        u = by_key.get(f"m:{q.user}:{q.incoming}")
        if u is None or not u["queued"] or not u["granted"]:
            continue
        moments = {**u, "sent": q.sent[0], "arrived": arrived[(q.user, q.answer)].at}
        moments["asked"] = max(q.sent[0], u.get("polled") or 0.0)
        rows.append((total, moments))
        for holder, seconds in u["behind"].items():
            behind[holder] += seconds
    if not rows:
        print("Stages: none recorded\n")
        return
    rows.sort(key=lambda pair: pair[0])
    tail = rows[-max(1, len(rows) // 20) :]
    table = []
    for name, start, end in SEGMENTS:
        values = [m[end] - m[start] if start else m[end] for _, m in rows]
        slow = [m[end] - m[start] if start else m[end] for _, m in tail]
        table.append(
            [
                name,
                ms(percentile(values, 0.5)),
                ms(percentile(values, 0.99)),
                ms(sum(values) / len(values)),
                ms(sum(slow) / len(slow)),
            ]
        )
    totals = [t for t, _ in rows]
    table.append(
        [
            "answer time (queued -> reaching the emulator)",
            ms(percentile(totals, 0.5)),
            ms(percentile(totals, 0.99)),
            ms(sum(totals) / len(totals)),
            ms(sum(t for t, _ in tail) / len(tail)),
        ]
    )
    print(
        f"Where the bot's answers to {len(rows)} texts spent their time (stamped in its process; "
        f"the slowest 5 %: {len(tail)} texts, from {ms(tail[0][0])})"
    )
    print_table(["stage", "p50", "p99", "mean", "mean, slowest 5 %"], table)
    if behind:
        print(
            "The handlers' waits for the database, by who held it: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(behind.items(), key=lambda kv: -kv[1]))
        )
    holds = data.get("holds", {})
    contended = data.get("holds_contended", {})
    print("Who held the database connection, and how long each time")
    print_table(
        ["holder", "n", "total", "p50", "p99", "max", "n while others waited"],
        [
            [
                name,
                str(h["n"]),
                f"{h['total']:.2f} s",
                ms(h["p50"]),
                ms(h["p99"]),
                ms(h["max"]),
                str(contended.get(name, {}).get("n", 0)),
            ]
            for name, h in sorted(holds.items(), key=lambda kv: -float(kv[1]["total"]))
            if h["n"]
        ],
    )
    lags = data.get("lags", {})
    if lags.get("n"):
        print(
            f"The bot's event loop: a 5 ms sleeper woke up late by p50 {ms(lags['p50'])}, p99 "
            f"{ms(lags['p99'])}, max {ms(lags['max'])} ({lags['n']} wake-ups, "
            f"{lags['total']:.1f} s late in all)"
        )
    collections = data.get("collections", {})
    cpu = data.get("collections_cpu", {})
    if collections:
        print(
            "Garbage collections in the bot's process (each holds the event loop; its CPU time "
            "in brackets, wall time above it went to other processes): "
            + "; ".join(
                f"generation {gen}: {c['n']}, {c['total']:.2f} s in all, p99 {ms(c['p99'])}, "
                f"max {ms(c['max'])}{_cpu_said(cpu.get(gen))}"
                for gen, c in collections.items()
                if c.get("n")
            )
        )
        full = data.get("full_collections_cpu", [])
        if full:
            print(
                "  each full collection (generation 2), its CPU time, in order: "
                + ", ".join(ms(t) for t in full)
            )
    print()


def _cpu_said(c: dict[str, float] | None) -> str:
    if not c or not c.get("n"):
        return ""
    return f" ({c['total']:.2f} s, max {ms(c['max'])})"
