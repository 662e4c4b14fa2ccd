"""Mutated programme files are refused cleanly or imported whole; never half, never a crash."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot.domain.errors import ProgrammeFileError
from bot.services.programme import ProgrammeService
from storage.db import Database
from tests.importers.support import PARIS, parse, schedule_bytes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def samples() -> dict[str, bytes]:
    return {
        "petit-programme.csv": (EXAMPLES / "petit-programme.csv").read_bytes(),
        "petit-programme.ics": (EXAMPLES / "petit-programme.ics").read_bytes(),
        "bigre-2026.toml": (EXAMPLES / "bigre-2026.toml").read_bytes()[:6000],
        "schedule.json": schedule_bytes("pretalx-rc3-2020.schedule.json")[:20000],
        "schedule.xml": schedule_bytes("fosdem-2026.schedule.xml")[:30000],
        "kielux.ics": schedule_bytes("kielux-2020.ics"),
    }


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(samples())))
    data = bytearray(samples()[name])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        how = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "duplicate"]))
        if how == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif how == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif how == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return name, bytes(data)


@seed(20260824)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_file_is_refused_or_read_whole(case: tuple[str, bytes]) -> None:
    name, data = case
    try:
        programme = parse(data, name)
    except ProgrammeFileError as refusal:
        assert refusal.key.startswith("import."), refusal.key
        return
    assert programme.workshops, "an empty programme is refused"
    for item in programme.workshops:
        assert item.start.tzinfo is not None and item.end >= item.start
        assert item.id and item.title


@pytest.fixture
def service(tmp_path: Path):
    loop = asyncio.new_event_loop()
    db = loop.run_until_complete(Database.open(tmp_path / "fuzz.sqlite3"))
    yield loop, ProgrammeService(db, PARIS)
    loop.run_until_complete(db.close())
    loop.close()


@seed(20260825)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutated())
def test_a_refused_file_leaves_the_stored_programme_untouched(service, case) -> None:
    loop, programme_service = service
    good = samples()["petit-programme.csv"]
    loop.run_until_complete(programme_service.import_bytes(good, "petit-programme.csv"))
    programme_service.forget()
    before = loop.run_until_complete(programme_service.current())
    name, data = case
    try:
        loop.run_until_complete(programme_service.import_bytes(data, name))
    except ProgrammeFileError:
        programme_service.forget()
        assert loop.run_until_complete(programme_service.current()) == before
        return
    programme_service.forget()
    after = loop.run_until_complete(programme_service.current())
    assert after.workshops and len(after.workshops) == len(parse(data, name).workshops)
