"""The escaping layer one function at a time: the Translator and the views' HTML helpers.

Fast (no emulator), so that `make mutants` can run them for each mutant of `bot/i18n.py` and
`bot/views/common.py` (QUALITY.md). Each test says what a message is made of exactly: a
parameter is escaped unless it is Markup, counts take the reader's separator, long answers are
cut into pages at block and line boundaries.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup

from bot.domain.models import Workshop
from bot.i18n import (
    LANGUAGES,
    Count,
    Plural,
    Translator,
    forms,
    grouped,
    load_catalogue,
    placeholders,
)
from bot.reply import Button
from bot.views.common import (
    NL,
    NOOP,
    PARAGRAPHS,
    Block,
    Page,
    Renderer,
    _names,
    escape_within,
    html,
    latest_first,
    pager,
    paginate,
    truncate,
    units,
)

PARIS = ZoneInfo("Europe/Paris")
HOSTILE = '<b>Zoé</b> & "Co" \'s'
ESCAPED = "&lt;b&gt;Zoé&lt;/b&gt; &amp; &#34;Co&#34; &#39;s"

CATALOGUES = {
    "fr": {"hi": "Bonjour {name} !", "n": "Inscrits : {n}", "only_fr": "seulement {x}"},
    "en": {"hi": "Hello {name}!", "n": "Signed up: {n}"},
}


def test_counts_take_the_readers_thousands_separator() -> None:
    assert grouped("fr", 3500) == "3\u202f500"
    assert grouped("en", 3500) == "3,500"
    assert grouped("de", 1234567) == "1\u202f234\u202f567"  # an unknown language: French
    assert grouped("en", 999) == "999"


def test_a_catalogue_is_every_file_flattened(tmp_path: Path) -> None:
    (tmp_path / "start.toml").write_text('greeting = "Salut"\n[menu]\nhelp = "Aide"\n')
    (tmp_path / "agenda.toml").write_text('[a.b]\nc = "profond"\n')
    (tmp_path / "notes.txt").write_text('x = "pas un catalogue"\n')
    assert load_catalogue(tmp_path) == {
        "start.greeting": "Salut",
        "start.menu.help": "Aide",
        "agenda.a.b.c": "profond",
    }
    (tmp_path / "bad.toml").write_text("[x]\ncount = 3\n")
    with pytest.raises(ValueError, match=r"^bad\.x\.count: a message must be a string, not int$"):
        load_catalogue(tmp_path)


def test_placeholders_are_the_named_fields() -> None:
    assert placeholders("{a} et {b!r} et {c:>3} mais pas {{d}}") == {"a", "b", "c"}
    assert placeholders("rien") == set()


def test_the_language_is_read_from_telegrams_code() -> None:
    t = Translator(CATALOGUES, default="fr")
    assert t.default == "fr"
    assert [t.language(c) for c in ("en", "en-GB", "EN", "fr-BE", "de", "e", "", None)] == [
        "en",
        "en",
        "en",
        "fr",
        "fr",
        "fr",
        "fr",
        "fr",
    ]
    assert Translator(CATALOGUES, default="en").language("de") == "en"
    assert Translator(CATALOGUES).default == "fr"


def test_every_parameter_is_escaped_unless_it_is_markup() -> None:
    t = Translator(CATALOGUES)
    said = t("fr", "hi", name=HOSTILE)
    assert isinstance(said, Markup)
    assert str(said) == f"Bonjour {ESCAPED} !"
    assert str(t("en", "hi", name=Markup("<b>Zoé</b>"))) == "Hello <b>Zoé</b>!"
    assert t.plain("en", "hi", name=HOSTILE) == f"Hello {HOSTILE}!"
    assert not isinstance(t.plain("en", "hi", name="x"), Markup)


def test_counts_are_grouped_in_messages_and_labels_other_numbers_not() -> None:
    t = Translator(CATALOGUES)
    assert t("fr", "n", n=Count(3500)) == "Inscrits : 3\u202f500"
    assert t("en", "n", n=Count(3500)) == "Signed up: 3,500"
    assert t("en", "n", n=3500) == "Signed up: 3500"
    assert t.plain("fr", "n", n=Count(12000)) == "Inscrits : 12\u202f000"
    assert t.plain("en", "n", n=Count(12000)) == "Signed up: 12,000"
    assert t.plain("xx", "n", n=Count(2000)) == "Inscrits : 2\u202f000"
    # No "en-GB" catalogue: the default's text, and its digits with it
    assert t("en-GB", "n", n=Count(2000)) == "Inscrits : 2\u202f000"


def test_a_missing_message_falls_back_to_the_default_language_then_fails() -> None:
    t = Translator(CATALOGUES)
    assert t("en", "only_fr", x="<") == "seulement &lt;"
    assert t("de", "hi", name="Ana") == "Bonjour Ana !"
    assert t.plain("de", "hi", name="Ana") == "Bonjour Ana !"
    with pytest.raises(KeyError, match="no message 'nope'"):
        t("en", "nope")
    with pytest.raises(KeyError, match="no message 'nope'"):
        t.plain("fr", "nope")
    assert t.has("only_fr") and t.has("hi") and not t.has("nope")
    assert not Translator(CATALOGUES, default="en").has("only_fr")
    assert t.keys("en") == {"hi", "n"}
    assert t.keys("fr") == {"hi", "n", "only_fr"}


def test_the_shipped_catalogues_load_in_both_languages() -> None:
    t = Translator.load()
    assert t.default == "fr"
    assert LANGUAGES == ("fr", "en")
    assert t.keys("fr") == t.keys("en") and "common.not_allowed" in t.keys("fr")
    assert Translator.load("en").default == "en"


def _renderer(lang: str = "fr", now: datetime | None = None) -> Renderer:
    return Renderer(Translator.load(), lang, PARIS, now)


def test_the_renderer_speaks_one_language_in_one_zone() -> None:
    r = _renderer("fr")
    assert (r.lang, r.tz) == ("fr", PARIS)
    assert r.now == datetime.min.replace(tzinfo=PARIS)
    now = datetime(2026, 8, 24, 9, 0, tzinfo=PARIS)
    assert _renderer("en", now).now == now
    assert r("common.date", weekday="<", day=1, month="&") == "&lt; 1 &amp;"
    assert r.plain("common.date", weekday="<", day=1, month="&") == "< 1 &"
    assert _renderer("en").plain("common.month_9") == "September"
    assert _renderer("en")("common.month_9") == "September"
    late = datetime(2026, 8, 31, 22, 30, tzinfo=UTC)  # already September 1st in Paris
    assert r.time(late) == "00:30"
    assert r.date(date(2026, 9, 1)) == "mardi 1er septembre"
    assert r.date(date(2026, 8, 25)) == "mardi 25 août"
    assert _renderer("en").date(date(2026, 9, 1)) == "Tuesday 1 September"
    assert r.span(late, datetime(2026, 9, 1, 8, 0, tzinfo=UTC)) == "00:30–10:00"
    assert r.when(late, datetime(2026, 9, 1, 8, 0, tzinfo=UTC)) == (
        "mardi 1er septembre, 00:30–10:00"
    )
    assert isinstance(r.when(late, late), Markup)
    # the span is written in the renderer's language (the shipped catalogues write it alike)
    own = Translator(
        {"fr": {"agenda.span": "de {start} à {end}"}, "en": {"agenda.span": "{start} to {end}"}}
    )
    assert Renderer(own, "en", PARIS).span(late, late) == "00:30 to 00:30"
    assert Renderer(own, "fr", PARIS).span(late, late) == "de 00:30 à 00:30"


def test_html_escapes_its_arguments_but_markup() -> None:
    assert html("<b>{}</b> {}", HOSTILE, Markup("<i>x</i>")) == f"<b>{ESCAPED}</b> <i>x</i>"
    assert isinstance(html("{}", "x"), Markup)
    assert (NL, PARAGRAPHS) == ("\n", "\n\n")


def test_units_and_truncation() -> None:
    assert units("abc") == 3
    assert units("🎉a") == 3  # an emoji outside the BMP takes two
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abcd", 4) == "abcd"
    assert truncate("ab  cdef", 4) == "ab…"
    assert _names([HOSTILE, "x" * 41, "Ana"]) == f"{ESCAPED}, {'x' * 39}…, Ana"
    assert isinstance(_names(["a"]), Markup)


def test_escape_within_cuts_so_that_the_escaped_text_fits() -> None:
    assert escape_within("a<b", 10) == "a&lt;b"
    assert escape_within("abcdef", 4) == "abc…"
    # escaped, 16 units: cut by half the excess and one more, then escaped again
    cut = escape_within("a<b<c<d", 12)
    assert cut == "a&lt;b…"
    assert escape_within("a<b<c<d", 16) == "a&lt;b&lt;c&lt;d"
    assert escape_within("<<<<<<<<<<", 12) == "…"  # a cut to one character leaves "…"
    assert escape_within("&&&&", 5) == "…"  # nothing but the ellipsis fits
    assert escape_within("&&", 5) == "…"  # two characters are cut too
    assert escape_within("abc", 0) == "…"
    assert isinstance(escape_within("x", 5), Markup)


def _item(i: str, start: int, end: int) -> Workshop:
    return Workshop(
        i, i, datetime(2026, 8, 24, start, tzinfo=PARIS), datetime(2026, 8, 24, end, tzinfo=PARIS)
    )


def test_running_items_latest_start_first_then_soonest_end() -> None:
    a, b, c = _item("a", 9, 12), _item("b", 10, 13), _item("c", 10, 11)
    assert [w.id for w in latest_first([a, b, c])] == ["c", "b", "a"]


def test_pages_keep_the_head_and_cut_between_blocks() -> None:
    a, b, c = _item("a", 9, 10), _item("b", 10, 11), _item("c", 11, 12)
    head = Markup("H")
    blocks = [
        Block(Markup("a" * 10), (a,)),
        Block(Markup("b" * 10), (b,)),
        Block(Markup("c" * 10), (c,)),
    ]
    # the head (1) and two blocks with their blank lines (2 x 12) fill 25 exactly
    assert paginate(head, blocks, budget=25) == [
        Page(Markup("H\n\n" + "a" * 10 + "\n\n" + "b" * 10), (a, b)),
        Page(Markup("H\n\n" + "c" * 10), (c,)),
    ]
    assert paginate(head, blocks, budget=24) == [
        Page(Markup("H\n\n" + "a" * 10), (a,)),
        Page(Markup("H\n\n" + "b" * 10), (b,)),
        Page(Markup("H\n\n" + "c" * 10), (c,)),
    ]
    assert paginate(head, []) == [Page(Markup("H"), ())]
    assert paginate(head, blocks) == [
        Page(Markup("H\n\n" + "\n\n".join(x * 10 for x in "abc")), (a, b, c))
    ]


def test_a_block_too_big_for_a_page_is_cut_at_its_lines() -> None:
    a, b = _item("a", 9, 10), _item("b", 10, 11)
    head = Markup("H")
    # one line per item: each line takes its item along
    per_item = Block(Markup("Titre\n" + "a" * 10 + "\n" + "b" * 10), (a, b), header=True)
    # the heading (1 + 7) and the first line (12) fill 20 exactly
    assert paginate(head, [per_item], budget=20) == [
        Page(Markup("H\n\nTitre\n\n" + "a" * 10), (a,)),
        Page(Markup("H\n\n" + "b" * 10), (b,)),
    ]
    # exactly the budget (1 + 2 + 13 = 16): not cut; one unit less: cut
    fits = Block(Markup("Titre\n1234567"), (a,), header=True)
    assert paginate(head, [fits], budget=16) == [Page(Markup("H\n\nTitre\n1234567"), (a,))]
    assert paginate(head, [fits], budget=15) == [
        Page(Markup("H\n\nTitre"), ()),
        Page(Markup("H\n\n1234567"), (a,)),
    ]
    # lines are cut at line ends only, never at the spaces inside them
    spaced = Block(Markup("Le titre\nune ligne\nune autre"), (a, b), header=True)
    assert paginate(head, [spaced], budget=14) == [
        Page(Markup("H\n\nLe titre"), ()),
        Page(Markup("H\n\nune ligne"), (a,)),
        Page(Markup("H\n\nune autre"), (b,)),
    ]
    # lines that are not one per item: the items go with the last line, no heading kept apart
    loose = Block(Markup("x" * 10 + "\n" + "y" * 10 + "\n" + "z" * 10), (a,))
    assert paginate(head, [loose], budget=16) == [
        Page(Markup("H\n\n" + "x" * 10), ()),
        Page(Markup("H\n\n" + "y" * 10), ()),
        Page(Markup("H\n\n" + "z" * 10), (a,)),
    ]


def test_a_message_lists_its_plural_forms_or_its_one_text() -> None:
    """What the catalogue checks read (tests/test_plurals.py, tests/test_i18n.py)."""
    plural = Plural({"one": "{n} place", "other": "{n} places"})
    assert forms(plural) == {"one": "{n} place", "other": "{n} places"}
    assert forms("Bonjour {name}") == {"other": "Bonjour {name}"}
    # a count that is no number: the error names the message and its count
    translate = Translator({"fr": {"bookings.left": plural}})
    wrong = r"^bookings\.left: 'n' picks the plural form, it must be a number$"
    with pytest.raises(TypeError, match=wrong):
        translate("fr", "bookings.left", n="3")


def test_pages_hold_at_most_so_many_items_that_take_sign_ups() -> None:
    """Each item that takes sign-ups has its button on its page: at most `buttons` a page."""
    a, b, c, d = (replace(_item(x, 9, 10), capacity=3) for x in "abcd")
    e = _item("e", 9, 10)  # no sign-ups: no button, not counted
    head = Markup("H")
    blocks = [Block(Markup(w.id), (w,)) for w in (a, b, c, e, d)]
    assert [p.items for p in paginate(head, blocks, buttons=2)] == [(a, b), (c, e, d)]
    assert [p.items for p in paginate(head, blocks)] == [(a, b, c, e, d)]  # no limit
    # a block with more of them than a page holds is cut at its lines, one item a line
    many = Block(Markup("T\na\nb\nc"), (a, b, c), header=True)
    assert paginate(head, [many], buttons=2) == [
        Page(Markup("H\n\nT\n\na\n\nb"), (a, b)),
        Page(Markup("H\n\nc"), (c,)),
    ]
    # exactly as many as a page holds: kept whole
    two = Block(Markup("T\na\nb"), (a, b), header=True)
    assert paginate(head, [two], buttons=2) == [Page(Markup("H\n\nT\na\nb"), (a, b))]


def test_the_pager_moves_between_pages() -> None:
    def data(page: int) -> str:
        return f"p:{page}"

    assert pager(2, 0, data) == (Button("1/2", NOOP), Button("▶️", "p:1"))
    assert pager(2, 1, data) == (Button("◀️", "p:0"), Button("2/2", NOOP))
    assert pager(1, 0, data) == ()
    assert pager(0, 0, data) == ()
    assert pager(3, 0, data) == (Button("1/3", NOOP), Button("▶️", "p:1"))
    assert pager(3, 1, data) == (Button("◀️", "p:0"), Button("2/3", NOOP), Button("▶️", "p:2"))
    assert pager(3, 2, data) == (Button("◀️", "p:1"), Button("3/3", NOOP))
    assert NOOP == "noop"
