"""What the importer tests share: where the real schedules are, and how to expect a refusal."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import ProgrammeFileError
from bot.domain.models import Programme
from bot.importers import parse_programme

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")


def shared_dir() -> Path:
    """Give the shared directory: `RENCONTRE_SHARED_DIR`, else `shared` beside the repository."""
    override = os.environ.get("RENCONTRE_SHARED_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[3] / "shared"


def schedule_bytes(name: str) -> bytes:
    """Read one of the real schedules; skip without the folder, fail without the file."""
    folder = shared_dir() / "schedules"
    if not folder.is_dir():
        pytest.skip(f"no {folder} with the real programmes (set RENCONTRE_SHARED_DIR)")
    path = folder / name
    if not path.is_file():
        pytest.fail(f"{path} is missing (set RENCONTRE_SHARED_DIR)")
    return path.read_bytes()


def parse(data: bytes | str, filename: str, tz: ZoneInfo = PARIS) -> Programme:
    """Parse bytes or text as a programme file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return parse_programme(raw, filename, tz)


def refusal(data: bytes | str, filename: str, tz: ZoneInfo = PARIS) -> ProgrammeFileError:
    """Parse a file that must be refused, and give the error."""
    with pytest.raises(ProgrammeFileError) as caught:
        parse(data, filename, tz)
    return caught.value


def refused_at(data: bytes | str, filename: str, key: str, line: int | None) -> ProgrammeFileError:
    """Check that a file is refused with message `import.<key>` at a line (None: whole file)."""
    err = refusal(data, filename)
    assert (err.key, err.location) == (f"import.{key}", "" if line is None else str(line)), err
    return err
