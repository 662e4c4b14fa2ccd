from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.models import Facilitator, Kind

from .support import PARIS, parse, refused_at

GOOD = """\
[event]
name = "La Bigre Rencontre 2026"

[[room]]
name = "Salle des Pins"
description = "au rez-de-chaussée"

[[workshop]]
id = "mar-coop-gouvernance"
title = "Gouvernance <partagée> & retours 🌱"
start = 2026-08-25T10:00:00
end = 2026-08-25T12:00:00
room = "Salle des Pins"
facilitators = ["Camille Martin", "Yann Le Goff"]
telegram = ["@camille_m", ""]
capacity = 20
language = "fr"
description = \"\"\"Deux lignes,
la seconde.\"\"\"
tags = ["gouvernance"]

[[workshop]]
id = "mar-pleniere"
title = "Plénière"
start = "2026-08-25 14:00"
end = 2026-08-25T15:30:00+02:00
kind = "plénière"
room = "Grange"

[[rota]]
id = "lun-midi-vaisselle"
area = "Vaisselle"
start = 2026-08-24T13:30:00
end = 2026-08-24T14:15:00
places = 4
"""


def test_a_native_file_is_read_in_the_event_timezone() -> None:
    programme = parse(GOOD, "programme.toml")
    assert programme.name == "La Bigre Rencontre 2026"
    first, second = programme.workshops
    assert first.id == "mar-coop-gouvernance"
    assert first.title == "Gouvernance <partagée> & retours 🌱"
    assert first.start == datetime(2026, 8, 25, 10, tzinfo=PARIS)
    assert first.start.utcoffset() == timedelta(hours=2)
    assert first.facilitators == (
        Facilitator("Camille Martin", "camille_m"),
        Facilitator("Yann Le Goff", None),
    )
    assert (first.capacity, first.language, first.tags) == (20, "fr", ("gouvernance",))
    assert first.description == "Deux lignes,\nla seconde."
    assert second.kind is Kind.PLENARY and second.capacity is None
    assert second.start == datetime(2026, 8, 25, 14, tzinfo=PARIS)
    assert second.end == datetime(2026, 8, 25, 15, 30, tzinfo=PARIS)
    assert [r.name for r in programme.rooms] == ["Salle des Pins", "Grange"]
    assert programme.rooms[0].description == "au rez-de-chaussée"
    (slot,) = programme.rota
    assert (slot.area, slot.places, slot.start.hour) == ("Vaisselle", 4, 13)


def test_an_explicit_offset_is_honoured_and_shown_in_the_event_timezone() -> None:
    text = GOOD.replace("start = 2026-08-25T10:00:00", "start = 2026-08-25T08:00:00Z")
    first = parse(text, "p.toml").workshops[0]
    assert first.start == datetime(2026, 8, 25, 10, tzinfo=PARIS)
    assert first.start.tzinfo == PARIS


def test_the_day_clocks_go_back_lasts_an_hour_more() -> None:
    text = """\
[[workshop]]
id = "nuit"
title = "Veillée aux étoiles"
start = 2026-10-25T00:30:00
end = 2026-10-25T04:30:00
kind = "soirée"
"""
    item = parse(text, "p.toml").workshops[0]
    assert item.start.utcoffset() == timedelta(hours=2)
    assert item.end.utcoffset() == timedelta(hours=1)
    # same-tzinfo subtraction is wall-clock in Python: compare instants in UTC
    assert item.end.astimezone(UTC) - item.start.astimezone(UTC) == timedelta(hours=5)
    assert item.kind is Kind.EVENING


@pytest.mark.parametrize(
    ("change", "key", "line"),
    [
        (("capacity = 20", "capacity = 20 20"), "toml_syntax", 16),
        (('title = "Plénière"\n', ""), "missing_field", 22),
        (("capacity = 20", "capacity = 0"), "bad_capacity", 16),
        (("capacity = 20", 'capacity = "vingt"'), "bad_capacity", 16),
        (('kind = "plénière"', 'kind = "conférence"'), "unknown_kind", 27),
        (('id = "mar-pleniere"', 'id = "mar-coop-gouvernance"'), "duplicate_id", 23),
        (('id = "mar-pleniere"', 'id = "mar pleniere"'), "bad_id", 23),
        (("end = 2026-08-25T12:00:00", "end = 2026-08-25T09:00:00"), "end_before_start", 12),
        (("end = 2026-08-25T12:00:00", "end = 2026-08-25T25:00:00"), "toml_syntax", 12),
        (("end = 2026-08-25T12:00:00", 'end = "demain midi"'), "bad_end", 12),
        (("end = 2026-08-25T12:00:00", "end = 2026-08-25"), "bad_end", 12),
        (('telegram = ["@camille_m", ""]', 'telegram = ["a", "b", "c"]'), "telegram_mismatch", 15),
        (('telegram = ["@camille_m", ""]', 'telegram = ["@c m"]'), "bad_telegram", 15),
        (('language = "fr"', 'langue = "fr"'), "unknown_field", 17),
        (("[[rota]]", "[[rotas]]"), "unknown_section", 30),
        (("places = 4", "places = -4"), "bad_capacity", 35),
        (('title = "Plénière"', "title = 12"), "not_text", 24),
        (('tags = ["gouvernance"]', "tags = [1, 2]"), "not_text_list", 20),
    ],
)
def test_a_broken_native_file_is_refused_with_its_line(
    change: tuple[str, str], key: str, line: int
) -> None:
    old, new = change
    assert old in GOOD
    err = refused_at(GOOD.replace(old, new, 1), "programme.toml", key, line)
    if key == "duplicate_id":
        assert err.params["first"] == 9


def test_a_syntax_error_says_what_tomllib_says() -> None:
    err = refused_at(GOOD.replace("capacity = 20", "capacity = 20 20"), "p.toml", "toml_syntax", 16)
    assert "(at line" not in err.params["detail"]
    assert err.params["detail"]


def test_a_file_without_workshops_is_refused() -> None:
    refused_at('[event]\nname = "Vide"\n', "vide.toml", "empty_programme", None)


def test_a_missing_start_names_the_workshop_line() -> None:
    text = '\n[[workshop]]\nid = "a"\ntitle = "A"\nend = 2026-08-25T12:00:00\n'
    refused_at(text, "p.toml", "missing_field", 2)


def test_a_nonexistent_local_time_is_read_with_a_warning() -> None:
    text = (
        '[[workshop]]\nid = "a"\ntitle = "A"\n'
        "start = 2026-03-29T02:30:00\nend = 2026-03-29T04:00:00\n"
    )
    programme = parse(text, "p.toml", ZoneInfo("Europe/Paris"))
    start = programme.workshops[0].start
    assert (start.hour, start.minute, start.utcoffset()) == (3, 30, timedelta(hours=2))
    assert any("does not exist" in w for w in programme.warnings)


def test_a_string_that_looks_like_a_table_inside_a_multiline_string_does_not_shift_lines() -> None:
    text = GOOD.replace("la seconde.", "[[workshop]]\nid = 3")
    err = refused_at(text.replace('kind = "plénière"', 'kind = "x"'), "p.toml", "unknown_kind", 28)
    assert err.params["value"] == "x"


# The kids' club (issue 14, part 5): the ages a kids' item is for
@pytest.mark.parametrize(
    ("ages", "key"),
    [
        ("min_age = 200", "bad_age"),
        ("max_age = -1", "bad_age"),
        ('min_age = "trois"', "bad_age"),
        ("min_age = true", "bad_age"),
        ("min_age = 10\nmax_age = 3", "ages_reversed"),
    ],
)
def test_ages_outside_0_to_17_or_reversed_are_refused(ages: str, key: str) -> None:
    text = GOOD.replace("capacity = 20", f"capacity = 20\n{ages}", 1)
    refused_at(text, "programme.toml", key, 18 if "\n" in ages else 17)


def test_ages_are_read_and_are_optional() -> None:
    text = GOOD.replace(
        "capacity = 20", 'capacity = 20\nkind = "kids"\nmin_age = 3\nmax_age = 12', 1
    )
    club, plenary = parse(text, "programme.toml").workshops
    assert (club.kind, club.min_age, club.max_age) == (Kind.KIDS, 3, 12)
    assert (plenary.min_age, plenary.max_age) == (None, None)
