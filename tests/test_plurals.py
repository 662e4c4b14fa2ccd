"""Counts agree with their nouns in both languages, by CLDR's plural rules (Babel)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.numbers import format_decimal

from bot.i18n import LANGUAGES, LOCALES_DIR, Count, Plural, Translator, forms, load_catalogue

T = Translator.load()
NNBSP = "\u202f"
# "place(s)", "nouveau(x)", "inscrit·e(s)", "box(es)", "inscrit·e·s", "person/s": a count
# that reads wrong for 1 or for many
HACK = re.compile(r"\((?:s|x|es|e|ies)\)|\w·s\b|\w/s\b")


def hacks(text: str) -> list[str]:
    """List the plural hacks in a message."""
    return [match[0] for match in HACK.finditer(text)]


def test_no_catalogue_has_plural_hacks() -> None:
    found = [
        f"{lang}/{key} ({category}): {hacks(text)}"
        for lang in LANGUAGES
        for key, message in load_catalogue(LOCALES_DIR / lang).items()
        for category, text in forms(message).items()
        if hacks(text)
    ]
    assert found == []


def test_the_scan_finds_the_hacks() -> None:
    assert hacks("{count} place(s) libre(s)") == ["(s)", "(s)"]
    assert hacks("{n} nouveau(x), {n} inscrit·e(s), {n} box(es)") == ["(x)", "(s)", "(es)"]
    assert hacks("{n} inscrit·e·s") == ["e·s"]
    assert hacks("{n} person/s") == ["n/s"]
    # inclusive writing for gender is fine; the number is what must agree
    assert hacks("{n} inscrit·es, un·e animateur·rice (ou plus)") == []


@pytest.mark.parametrize(
    ("lang", "number", "words"),
    [
        ("fr", 0, "🔎 0 résultat pour"),  # French: 0 and 1 are singular
        ("fr", 1, "🔎 1 résultat pour"),
        ("fr", 2, "🔎 2 résultats pour"),
        ("fr", 1000, f"🔎 1{NNBSP}000 résultats pour"),
        ("fr", 1_000_000, f"🔎 1{NNBSP}000{NNBSP}000 résultats pour"),  # `many` falls back
        ("en", 0, "🔎 0 results for"),
        ("en", 1, "🔎 1 result for"),
        ("en", 2, "🔎 2 results for"),
        ("en", 1000, "🔎 1,000 results for"),
    ],
)
def test_search_results_agree_with_their_count(lang: str, number: int, words: str) -> None:
    assert T(lang, "agenda.found", n=number, query="jonglage").startswith(words)


@pytest.mark.parametrize(
    ("number", "fr", "en"),
    [
        (0, "0 place libre", "0 places left"),
        (1, "1 place libre", "1 place left"),
        (2, "2 places libres", "2 places left"),
        (1000, f"1{NNBSP}000 places libres", "1,000 places left"),
    ],
)
def test_places_left_on_the_web_page(number: int, fr: str, en: str) -> None:
    assert T("fr", "web.places_left", n=number) == fr
    assert T("en", "web.places_left", n=number) == en


@pytest.mark.parametrize(
    ("number", "fr", "en"),
    [
        (0, "0 personne prévenue.", "0 people told."),
        (1, "1 personne prévenue.", "1 person told."),
        (2, "2 personnes prévenues.", "2 people told."),
        (1000, f"1{NNBSP}000 personnes prévenues.", "1,000 people told."),
    ],
)
def test_people_told_of_a_change(number: int, fr: str, en: str) -> None:
    assert T("fr", "change.done", told=number).endswith(fr)
    assert T("en", "change.done", told=number).endswith(en)


def test_each_language_may_count_a_different_parameter() -> None:
    """French agrees with the places left, English with the places in all."""
    assert T("fr", "agenda.places_left", left=1, capacity=12) == "1 place sur 12"
    assert T("fr", "agenda.places_left", left=3, capacity=12) == "3 places sur 12"
    assert T("en", "agenda.places_left", left=1, capacity=12) == "1 of 12 places left"
    assert T("en", "agenda.places_left", left=1, capacity=1) == "1 of 1 place left"


def test_counts_put_into_other_messages() -> None:
    def org(lang: str, people: int, slots: int) -> str:
        return T(
            lang,
            "bookings.fairness_org",
            organisation="Cuisine",
            people=T(lang, "plurals.people", n=people),
            slots=T(lang, "plurals.slots", n=slots),
        )

    assert org("fr", 1, 2) == f"• Cuisine{NNBSP}: 1 personne, 2 créneaux"
    assert org("en", 1000, 1) == "• Cuisine: 1,000 people, 1 slot"


@pytest.mark.parametrize("number", [0, 1, 7, 999, 1000, 3500, 12_345, 1_234_567])
def test_thousands_separators_are_babels(number: int) -> None:
    for lang in LANGUAGES:
        assert T.plain(lang, "plurals.places", n=Count(number)).split(" ")[0] == format_decimal(
            number, locale=lang
        )


def fake(*, fr: dict[str, str], count: str = "n") -> Translator:
    return Translator({"fr": {"k": Plural(fr, count)}, "en": {}})


def test_a_missing_form_falls_back_to_other_and_a_missing_language_to_the_default() -> None:
    t = fake(fr={"one": "{n} chose", "other": "{n} choses"})
    assert t("fr", "k", n=0) == "0 chose"
    # the English catalogue lacks the message: French text, French rule (0 is singular)
    assert t("en", "k", n=0) == "0 chose"
    assert fake(fr={"other": "{n} fois"})("fr", "k", n=1) == "1 fois"


def test_a_plural_message_without_its_count_says_so() -> None:
    t = fake(fr={"one": "{n} chose à {who}", "other": "{n} choses à {who}"})
    with pytest.raises(KeyError, match="'n', the count that picks the plural form"):
        t("fr", "k", who="Zoé")
    with pytest.raises(TypeError, match="must be a number"):
        t("fr", "k", n="3", who="Zoé")


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (
            'k = { one = "{n} a", other = "{n} b", plenty = "{n} c" }',
            r"\['plenty'\] are not plural",
        ),
        (
            'k = { one = "une chose", other = "{n} choses" }',
            r"k\.one: the form does not show \{n\}",
        ),
        (
            'k = { count = "left", other = "{n} choses" }',
            r"k\.other: the form does not show \{left\}",
        ),
        ('k = { one = 1, other = "{n} choses" }', "must be strings"),
    ],
)
def test_a_wrong_plural_table_is_refused_with_its_key(
    tmp_path: Path, toml: str, error: str
) -> None:
    (tmp_path / "ns.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=error) as refused:
        load_catalogue(tmp_path)
    assert str(refused.value).startswith("ns.k")  # the file and the message


def test_a_table_with_other_is_one_message_and_a_table_without_is_a_namespace(
    tmp_path: Path,
) -> None:
    (tmp_path / "ns.toml").write_text(
        '[places]\ncount = "left"\none = "{left} place"\nother = "{left} places"\n'
        '[preview]\ntitle = "Aperçu"\n',
        encoding="utf-8",
    )
    catalogue = load_catalogue(tmp_path)
    assert set(catalogue) == {"ns.places", "ns.preview.title"}
    places = catalogue["ns.places"]
    assert isinstance(places, Plural) and places.counted == "left"
    assert places == "{left} places"  # as a str: the `other` form


@pytest.mark.parametrize(
    ("number", "fr", "en"),
    [
        (0, "🚫 0 injoignable (le bot", "🚫 0 unreachable (blocked"),
        (1, "🚫 1 injoignable (le bot", "🚫 1 unreachable (blocked"),
        (2, "🚫 2 injoignables (le bot", "🚫 2 unreachable (blocked"),
        (1000, f"🚫 1{NNBSP}000 injoignables (le bot", "🚫 1,000 unreachable (blocked"),
    ],
)
def test_a_broadcast_report_counts_who_could_not_be_reached(number: int, fr: str, en: str) -> None:
    def report(lang: str) -> str:
        return T.plain(
            lang,
            "broadcast.report",
            audience="x",
            sent=T.plain(lang, "plurals.received", n=1),
            total=Count(1 + number),
            unreachable=T.plain(lang, "plurals.unreachable", n=number),
            failed=Count(0),
        )

    assert fr in report("fr") and "✅ 1 reçu sur" in report("fr")
    assert en in report("en") and "✅ 1 received of" in report("en")
