from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.models import Facilitator, Kind
from bot.importers.csv_sheet import column_of

from .support import PARIS, parse, refused_at

FRENCH = (
    "Jour;Début;Fin;Durée;Titre;Salle;Animateur·rice;Places;Type;Description\n"
    "mardi 25/08/2026;10h;12h;;Gouvernance <partagée> & co 🌱;Salle des Pins;"
    'Camille Martin et Yann;20;atelier;"Deux lignes;\nla seconde"\n'
    ";14h30;15h30;;Plénière d'ouverture;Grange;;;plénière;\n"
    ";12:30;13:30;;Repas;;;;repas;\n"
    "26/08;9.30;;1h30;Yoga;Pré;Zoé / Léa;12;;\n"
)


def test_french_headers_with_a_bom_and_semicolons() -> None:
    data = b"\xef\xbb\xbf" + FRENCH.replace("\n", "\r\n").encode("utf-8")
    programme = parse(data, "programme.csv")
    first, meal, plenary, yoga = programme.workshops
    assert first.title == "Gouvernance <partagée> & co 🌱"
    assert first.start == datetime(2026, 8, 25, 10, tzinfo=PARIS)
    assert first.end == datetime(2026, 8, 25, 12, tzinfo=PARIS)
    assert first.facilitators == (Facilitator("Camille Martin"), Facilitator("Yann"))
    assert (first.capacity, first.kind, first.room) == (20, Kind.WORKSHOP, "Salle des Pins")
    assert first.description == "Deux lignes;\nla seconde"
    # blank day and room cells: same as above
    assert plenary.start == datetime(2026, 8, 25, 14, 30, tzinfo=PARIS)
    assert (plenary.kind, plenary.room, plenary.capacity) == (Kind.PLENARY, "Grange", None)
    assert (meal.kind, meal.room) == (Kind.MEAL, "Grange")
    # a day without a year takes the year of the row above; the duration gives the end
    assert yoga.start == datetime(2026, 8, 26, 9, 30, tzinfo=PARIS)
    assert yoga.end == datetime(2026, 8, 26, 11, tzinfo=PARIS)
    assert [f.name for f in yoga.facilitators] == ["Zoé", "Léa"]
    assert [r.name for r in programme.rooms] == ["Salle des Pins", "Grange", "Pré"]


ENGLISH = """\
Title,Date,Start,End,Duration,Room,Facilitators,Telegram,Capacity,Kind,Language,ID
Opening,2026-08-24,10:00,11:00,,Big Barn,Ana,@ana_tg,,plenary,en,
Kids' club,2026-08-24,10:00,,90 min,Meadow,"Bob, Cy",bob_b cy_cy,15,kids club,fr,kids-1
Choir,2026-08-24,11:00,,1:30,,,,,,,
Dinner,2026-08-24,7pm,8:30 pm,,Big Barn,,,,meal,,
Night walk,2026-08-24,22:00,01:00,,-,Dee (@dee_d),,,evening,,
"""


def test_english_headers_with_commas_durations_and_telegram() -> None:
    opening, kids, choir, dinner, walk = parse(ENGLISH, "programme.csv").workshops
    assert opening.facilitators == (Facilitator("Ana", "ana_tg"),)
    assert (opening.kind, opening.language) == (Kind.PLENARY, "en")
    assert kids.id == "kids-1"
    assert kids.end == datetime(2026, 8, 24, 11, 30, tzinfo=PARIS)
    assert kids.facilitators == (Facilitator("Bob", "bob_b"), Facilitator("Cy", "cy_cy"))
    assert (kids.kind, kids.capacity) == (Kind.KIDS, 15)
    assert choir.end - choir.start == timedelta(hours=1, minutes=30)
    assert choir.room == "Meadow"  # blank: same as above
    assert (dinner.start.hour, dinner.end.hour, dinner.end.minute) == (19, 20, 30)
    # past midnight, and "-" means no room
    assert walk.end == datetime(2026, 8, 25, 1, tzinfo=PARIS)
    assert walk.room is None
    assert walk.facilitators == (Facilitator("Dee", "dee_d"),)


def test_the_day_clocks_go_back_a_duration_stays_real() -> None:
    text = "titre;jour;début;durée\nVeillée;25/10/2026;01:30;2h\nMatin;25/10/2026;10:00;60\n"
    night, morning = parse(text, "p.csv").workshops
    assert night.start.utcoffset() == timedelta(hours=2)
    assert night.end.utcoffset() == timedelta(hours=1)
    assert night.end.astimezone(UTC) - night.start.astimezone(UTC) == timedelta(hours=2)
    assert (night.end.hour, night.end.minute) == (2, 30)
    assert morning.start == datetime(2026, 10, 25, 10, tzinfo=PARIS)
    assert morning.start.utcoffset() == timedelta(hours=1)


def test_derived_ids_are_stable_when_rows_move_and_rooms_change() -> None:
    rows = ["Yoga;25/08/2026;9h;10h;Pré", "Chant;25/08/2026;9h;10h;Grange"]
    before = parse("titre;jour;début;fin;salle\n" + "\n".join(rows), "p.csv").workshops
    moved = rows[::-1]
    moved[0] = moved[0].replace("Grange", "Forêt")
    after = parse("titre;jour;début;fin;salle\n" + "\n".join(moved), "p.csv").workshops
    assert {w.id for w in before} == {w.id for w in after}
    assert all(w.id.startswith("csv-") for w in before)


def test_a_year_comes_from_a_row_below_or_the_file_name() -> None:
    text = "titre;jour;début;fin\nA;24/08;9h;10h\nB;25/08/2027;9h;10h\n"
    assert parse(text, "p.csv").workshops[0].start.year == 2027
    only_short = "titre;jour;début;fin\nA;24/08;9h;10h\n"
    assert parse(only_short, "programme-2026.csv").workshops[0].start.year == 2026
    refused_at(only_short, "programme.csv", "no_year", 2)


def test_windows_1252_is_read_with_a_warning() -> None:
    data = "titre;jour;début;fin\nSieste à l'ombre;25/08/2026;14h;15h\n".encode("cp1252")
    programme = parse(data, "p.csv")
    assert programme.workshops[0].title == "Sieste à l'ombre"
    assert any("Windows-1252" in w for w in programme.warnings)


def test_a_title_row_above_the_header_and_unknown_columns_are_tolerated() -> None:
    text = (
        "Programme de la semaine;;;;\n"
        "titre;jour;début;fin;remarques internes\n"
        "A;25/08/2026;9h;10h;x\n"
    )
    programme = parse(text, "p.csv")
    assert programme.workshops[0].title == "A"
    assert any("remarques internes" in w for w in programme.warnings)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Début", "start"),
        ("Heure de fin", "end"),
        ("Durée (min)", "duration"),
        ("Animateur·rice", "facilitators"),
        ("Intervenant·es", "facilitators"),
        ("Capacité", "capacity"),
        ("LIEU", "room"),
        ("Telegram des animateurs", "telegram"),
        ("Langue", "language"),
        ("Couleur", None),
        ("Type de public", None),
        ("Places restantes", None),
        ("À propos", None),
        ("Capacité max", "capacity"),
    ],
)
def test_header_names_in_french_or_english(header: str, field: str | None) -> None:
    assert column_of(header) == field


BASE = "titre;jour;début;fin;places;type\nA;25/08/2026;10h;11h;;\nB;;11h;12h;;\n"


@pytest.mark.parametrize(
    ("old", "new", "key", "line"),
    [
        ("B;;11h;12h", "B;;25h;12h", "bad_start_time", 3),
        ("B;;11h;12h", "B;;11h;midi et demi", "bad_end_time", 3),
        ("B;;11h;12h", "B;;11h;", "missing_end", 3),
        ("B;;11h;12h", "B;;12h;11h", "end_before_start", 3),
        ("B;;11h;12h", "B;;;12h", "missing_start", 3),
        ("B;;11h;12h", ";;11h;12h", "missing_title", 3),
        ("A;25/08/2026", "A;mardi", "weekday_only", 2),
        ("A;25/08/2026", "A;31/02/2026", "bad_date", 2),
        ("A;25/08/2026", "A;bientôt", "bad_date", 2),
        ("A;25/08/2026", "A;", "missing_day", 2),
        ("10h;11h;;", "10h;11h;0;", "bad_capacity", 2),
        ("10h;11h;;", "10h;11h;beaucoup;", "bad_capacity", 2),
        ("10h;11h;;", "10h;11h;;conférence", "unknown_kind", 2),
        ("B;;11h;12h", "A;;10h;11h", "duplicate_row", 3),
        ("B;;11h;12h;;", 'B;;11h;12h;;;"x', "bad_csv", 3),
        ("B;;11h;12h;;", "B;;11h;12h;;;en trop", "csv_extra_cells", 3),
    ],
)
def test_a_broken_row_is_refused_with_its_line(old: str, new: str, key: str, line: int) -> None:
    assert old in BASE
    refused_at(BASE.replace(old, new, 1), "p.csv", key, line)


def test_explicit_duplicate_ids_are_refused() -> None:
    text = "id;titre;jour;début;fin\na;A;25/08/2026;10h;11h\na;B;25/08/2026;11h;12h\n"
    err = refused_at(text, "p.csv", "duplicate_id", 3)
    assert err.params == {"location": "3", "value": "a", "first": 2}


def test_missing_columns_are_named() -> None:
    refused_at("jour;début;fin\n25/08/2026;10h;11h\n", "p.csv", "missing_title_column", 1)
    refused_at("titre;jour;fin\nA;25/08/2026;11h\n", "p.csv", "missing_start_column", 1)
    refused_at("titre;jour;début\nA;25/08/2026;10h\n", "p.csv", "missing_end_column", 1)


def test_a_header_only_file_is_an_empty_programme() -> None:
    refused_at("titre;jour;début;fin\n;;;\n", "p.csv", "empty_programme", None)


def test_a_spreadsheet_workbook_is_refused() -> None:
    refused_at(b"PK\x03\x04\x14\x00rest of a zip", "programme.csv", "spreadsheet_file", None)


def test_excel_unicode_text_is_utf16_with_tabs() -> None:
    data = "Titre\tJour\tDébut\tFin\nÉté\t25/08/2026\t10:00\t11:00\n".encode("utf-16")
    (item,) = parse(data, "programme.txt").workshops
    assert (item.title, item.start) == ("Été", datetime(2026, 8, 25, 10, tzinfo=PARIS))
