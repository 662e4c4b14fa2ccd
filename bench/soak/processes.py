"""The bot and the two echoes, each in a process of its own (python -m bench.soak --serve)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import resource
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from telegram.ext import BaseRateLimiter

from bench.common import echo_application, polling
from bench.soak.settings import EARLY, GO, READY, START, STOP
from bench.soak.stages import Recorder, recording
from bot.app import build_application, start_polling, stop_polling
from bot.clock import RehearsalClock
from bot.config import Config, parse_config
from bot.ratelimit import RESERVE, SlidingWindowRateLimiter
from bot.sandbox.harness import ROOT
from storage.db import Database


class LogTally(logging.Handler):
    """Count the log records at WARNING and above, and keep the first few of each level."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.samples: defaultdict[str, list[str]] = defaultdict(list)

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record."""
        self.counts[record.levelname] += 1
        if len(self.samples[record.levelname]) < 5:
            text = f"{record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                text += f" ({record.exc_info[1]!r})"
            self.samples[record.levelname].append(text[:600])


def tally_logs() -> LogTally:
    """Print warnings and errors to stderr, and count them."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tally = LogTally()
    logging.getLogger().addHandler(tally)
    return tally


async def read_line() -> str:
    """Read a line from stdin without holding up the event loop."""
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    return str(line).strip()


def tell(line: str) -> None:
    """Write a line to stdout, for the driver."""
    print(line, flush=True)


def cpu_seconds() -> float:
    """Give the CPU time this process used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load(path: Path) -> Config:
    """Read the config the driver wrote."""
    return parse_config(json.loads(path.read_text("utf-8")), str(path), ROOT, environ={})


async def serve_bot(
    config_path: Path, speed: float, stages: bool = False, start: datetime = START
) -> None:
    """Run the real bot until told to stop; then print what it counted, as one JSON line.

    Its clock starts EARLY before START (nothing is due then); "go <t0>" puts it where a clock
    started at START at the monotonic moment t0 would be. With `stages`, it also stamps where
    each update's time goes (bench.soak.stages).
    """
    tally = tally_logs()
    config = load(config_path)
    clock = RehearsalClock(start - EARLY, speed)
    handled: list[float] = []
    db = await Database.open(config.storage.database)
    try:
        app = build_application(config, clock, db)
        original = app.process_update

        async def counted(update: object) -> None:
            try:
                await original(update)
            finally:
                handled.append(time.monotonic())

        app.process_update = counted  # type: ignore[method-assign]
        recorder: contextlib.AbstractAsyncContextManager[Recorder | None] = (
            recording(app, db) if stages else contextlib.nullcontext(None)
        )
        async with app, recorder as recorded:
            poller = await start_polling(app)
            try:
                tell(READY)
                t0 = float((await read_line()).removeprefix(GO))
                clock.jump_to(start + timedelta(seconds=(time.monotonic() - t0) * speed))
                app.bot_data.services.outbox.wake()  # its timer was set on the earlier time
                await read_line()
            finally:
                await stop_polling(app, poller)
    finally:
        await db.close()
    tell(
        json.dumps(
            {
                "handled": handled,
                "logs": dict(tally.counts),
                "samples": dict(tally.samples),
                "cpu": cpu_seconds(),
                "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "stages": recorded.as_json() if recorded is not None else None,
            }
        )
    )


async def serve_echo(config_path: Path, limited: bool) -> None:
    """Run an echo bot (bench.common's echo_application; the bot's rate limiter if `limited`)."""
    tally = tally_logs()
    telegram = load(config_path).telegram
    # The bot's limiter, reserve included (it changes how replies are spaced)
    limiter: BaseRateLimiter[Any] | None = (
        SlidingWindowRateLimiter(reserve=RESERVE) if limited else None
    )
    app = echo_application(
        telegram.token.get_secret_value() if telegram.token else "",
        telegram.api_base_url,
        telegram.file_url,
        rate_limiter=limiter,
    )
    async with polling(app):
        tell(READY)
        await read_line()
        await read_line()
    tell(
        json.dumps(
            {"logs": dict(tally.counts), "samples": dict(tally.samples), "cpu": cpu_seconds()}
        )
    )


def rss_kb(pid: int) -> int:
    """Give a process's resident memory (VmRSS), in kB (0 once it is gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "VmRSS":
                return int(value.split()[0])
    return 0


def ending(path: Path) -> str:
    """Give the end of a text file."""
    return path.read_text("utf-8")[-2000:]


class Child:
    """A bot in a process of its own (python -m bench.soak --serve ...), told on its stdin."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process, log: TextIO) -> None:
        self.name = name
        self.proc = proc
        self.log = log

    @classmethod
    async def start(cls, name: str, args: Sequence[str], log_path: Path) -> Child:
        """Start one and wait until it polls."""
        log = log_path.open("w", encoding="utf-8")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.soak",
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            limit=1 << 24,  # its last line (JSON) may be long: the stages of every update
        )
        child = cls(name, proc, log)
        line = await child.line(120.0)
        if line != READY:
            log.close()
            tail = ending(log_path)
            raise RuntimeError(f"{name} did not start: {line!r}; its log ends:\n{tail}")
        return child

    async def line(self, seconds: float) -> str:
        """Read the next line it prints."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(seconds):
            return (await self.proc.stdout.readline()).decode().strip()

    def say(self, line: str) -> None:
        """Write a line to its stdin."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{line}\n".encode())

    async def finish(self) -> dict[str, Any]:
        """Tell it to stop; give what it printed last."""
        self.say(STOP)
        try:
            text = await self.line(60.0)
            await asyncio.wait_for(self.proc.wait(), 30.0)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
            self.log.close()
        result: dict[str, Any] = json.loads(text) if text.startswith("{") else {}
        return result
