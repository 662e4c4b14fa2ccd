"""/status as text: one short message."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.status import Status
from bot.i18n import Count
from bot.views.common import Renderer, truncate


def duration(r: Renderer, span: timedelta) -> str:
    """Say a duration in days, hours or minutes (the two largest units)."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return r("status.days", days=days, hours=hours)
    if hours:
        return r("status.hours", hours=hours, minutes=minutes)
    return r("status.minutes", minutes=minutes)


def size(r: Renderer, n: int) -> str:
    """Say a number of bytes in kB or MB."""
    if n >= 1_000_000:
        return r("status.megabytes", size=f"{n / 1_000_000:.1f}")
    return r("status.kilobytes", size=f"{n / 1000:.0f}")


def when(r: Renderer, at: datetime) -> str:
    """Say an instant: the time today, the date and time another day."""
    local = at.astimezone(r.tz)
    if local.date() == r.now.astimezone(r.tz).date():
        return r.time(at)
    return r.date(local.date()) + " " + r.time(at)


def status_text(r: Renderer, s: Status) -> str:
    """Write the organisers' status message."""
    backlog = (
        ", ".join(f"{kind} {n}" for kind, n in s.backlog.items()) if s.backlog else r("status.none")
    )
    if s.last_failure is None:
        failure = r("status.no_failure")
    else:
        failure = r(
            "status.failure",
            method=s.last_failure.method,
            error=truncate(s.last_failure.error, 120),
            when=when(r, s.last_failure.at),
        )
    if s.backup is None:
        backup = r("status.no_backup")
    else:
        backup = r("status.backup", name=s.backup.name, age=duration(r, s.backup.age))
    return r(
        "status.report",
        version=s.version,
        uptime=duration(r, s.uptime),
        items=r("plurals.items", n=s.items),
        people=Count(s.people),
        unreachable=r("plurals.unreachable", n=s.unreachable),
        backlog=backlog,
        planned=Count(s.planned),
        failure=failure,
        database=size(r, s.database_bytes),
        backup=backup,
    )
