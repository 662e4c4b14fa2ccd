"""Telling formats apart, and the messages every refusal needs in French and English."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.i18n import LOCALES_DIR, load_catalogue, placeholders
from bot.importers import detect_format
from bot.importers.common import parse_duration

from .support import refused_at

IMPORTERS = Path(__file__).resolve().parents[2] / "bot" / "importers"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "programme.TOML", "toml"),
        (b"", "Programme.csv", "csv"),
        (b"", "schedule.json", "frab-json"),
        (b"", "schedule.xml", "frab-xml"),
        (b"", "agenda.ics", "ics"),
        (b"", "agenda.ical", "ics"),
        (b"\xef\xbb\xbfBEGIN:VCALENDAR\r\n", "agenda.txt", "ics"),
        (b'  <?xml version="1.0"?><schedule/>', "export", "frab-xml"),
        (b'\n{"schedule": {}}', "export.txt", "frab-json"),
        (b"# mon programme\n[event]\nname = 'x'\n", "programme.txt", "toml"),
        (b"[[workshop]]\n", "programme.txt", "toml"),
        (b'title = "x"\n', "programme", "toml"),
        (b"titre;jour;debut;fin\n", "programme.txt", "csv"),
        (b"title,day,start,end\n", "programme", "csv"),
    ],
)
def test_the_extension_decides_else_the_content(data: bytes, filename: str, expected: str) -> None:
    assert detect_format(data, filename) == expected


def test_unknown_content_empty_files_and_pdfs_are_refused() -> None:
    refused_at(b"just some words\n", "notes.txt", "not_a_programme", None)
    refused_at(b"  \r\n", "programme.csv", "empty_file", None)
    refused_at(b"%PDF-1.7 ...", "programme.toml", "not_a_programme", None)
    refused_at("[[workshop]]\ntitle = 'é'\n".encode("latin-1"), "p.toml", "not_utf8", 2)


def import_messages(lang: str) -> dict[str, str]:
    """Give the importers' refusals (the preview of a file, `import.preview.*`, is not one)."""
    return {
        key.removeprefix("import."): text
        for key, text in load_catalogue(LOCALES_DIR / lang).items()
        if key.startswith("import.") and not key.startswith("import.preview.")
    }


def test_french_and_english_have_the_same_keys_and_placeholders() -> None:
    fr, en = import_messages("fr"), import_messages("en")
    assert fr.keys() == en.keys()
    for key in fr:
        assert placeholders(fr[key]) == placeholders(en[key]), key


def test_every_key_the_importers_raise_has_a_message_without_markup() -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in IMPORTERS.glob("*.py"))
    raised = set(re.findall(r'error\(\s*"([a-z_0-9]+)"', source))
    # keys built from a field name
    raised |= {"bad_start", "bad_end"}
    raised |= {f"missing_{c}_column" for c in ("title", "start")}
    for lang in ("fr", "en"):
        messages = import_messages(lang)
        assert raised <= messages.keys(), raised - messages.keys()
        for key, text in messages.items():
            # the bot sends HTML: a bare < or & in a message would break it
            assert "<" not in text and "&" not in text, key
            text.format(**dict.fromkeys(placeholders(text), "x"))
    assert set(import_messages("fr")) <= raised | {"missing_end_column"}, "unused messages"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90 min", 90),
        ("1h30", 90),
        ("1 h 30", 90),
        ("2h", 120),
        ("1.5h", 90),
        ("1:30", 90),
        ("00:40", 40),
        ("01:30:00", 90),
        ("PT1H30M", 90),
        ("P1D", 24 * 60),
        ("2 hours", 120),
    ],
)
def test_durations_people_write(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "une heure", "-PT1H", "1:75", "PT", "1h75"])
def test_durations_that_are_not(text: str) -> None:
    assert parse_duration(text) is None
