"""Run the soak: python -m bench.soak [--speed 2400] [--people 300] [--seed 2026] [--sessions 1]."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

import bench.soak
from bench.common import code_version, machine
from bench.soak.morning import MORNING_SPEED, morning
from bench.soak.processes import serve_bot, serve_echo
from bench.soak.report import report
from bench.soak.run import soak
from bench.soak.settings import PEOPLE, SEED, SESSIONS, SPEED, START


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=(bench.soak.__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--speed", type=float, help=f"rehearsal speed ({SPEED:g})")
    parser.add_argument("--people", type=int, default=PEOPLE, help=f"participants ({PEOPLE})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed ({SEED})")
    parser.add_argument(
        "--sessions",
        type=float,
        default=SESSIONS,
        help=f"what each person does, times a day on average ({SESSIONS:g})",
    )
    parser.add_argument(
        "--stages",
        action="store_true",
        help="also stamp, in the bot's process, where each answer's time goes",
    )
    parser.add_argument(
        "--morning",
        action="store_true",
        help="run the first morning only (07:50-08:35; --speed 60 unless given): the digests",
    )
    parser.add_argument("--start", help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=("bot", "echo", "echo-limited"), help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    """Run the soak (or, with --serve, one of its bots); give the exit status."""
    args = parse_args()
    if args.speed is None:
        args.speed = MORNING_SPEED if args.morning else SPEED
    if args.serve == "bot":
        start = datetime.fromisoformat(args.start) if args.start else START
        asyncio.run(serve_bot(args.config, args.speed, args.stages, start))
        return 0
    if args.serve:
        asyncio.run(serve_echo(args.config, args.serve == "echo-limited"))
        return 0
    if args.morning:
        print(
            f"bench.soak --morning: Monday 07:50-08:35, {args.people} people, speed {args.speed:g}"
        )
        print(machine())
        print(code_version())
        return asyncio.run(morning(args.speed, args.people, args.seed))
    print(
        f"bench.soak: the sample week, {args.people} people, rehearsal speed {args.speed:g}, "
        f"{args.sessions:g} session(s) a person a day, seed {args.seed}"
    )
    print(machine())
    print(code_version())
    print(
        "The bot runs in a process of its own, as do the two echoes; the emulators (the bot's "
        "with flood control ON: 30 messages/s, 20/min in a group) and the driver run in this "
        "one. All at once, on this machine."
    )
    print()
    run = asyncio.run(soak(args.speed, args.people, args.seed, args.sessions, args.stages))
    return report(run)


if __name__ == "__main__":
    sys.exit(main())
