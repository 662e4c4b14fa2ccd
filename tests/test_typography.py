"""French typography in the French catalogue: a narrow no-break space where French puts one."""

from __future__ import annotations

import re

import pytest

from bot.i18n import LOCALES_DIR, forms, load_catalogue

# Every form of every message: "1 place restante" as well as "3 places restantes"
FRENCH = {
    f"{key}.{category}" if category != "other" else key: text
    for key, message in load_catalogue(LOCALES_DIR / "fr").items()
    for category, text in forms(message).items()
}
SPACES = "\u202f\u00a0"
# A : ; ? ! used as punctuation: followed by a space, the end, a line break or a closing tag
# (not "10:00", "https://", "?start=", nor a demo command such as ":say")
PUNCTUATION = re.compile(r"(?P<before>.)(?P<mark>[:;?!])(?=\s|$|</|\)|»)")


def around(text: str, start: int, end: int) -> str:
    """Show where in a message a fault is."""
    return f"…{text[max(0, start - 20) : end]}…"


def faults(text: str) -> list[str]:
    """List what is wrong with a French message's spaces, as 'what · where'."""
    found = []
    for match in PUNCTUATION.finditer(text):
        before = match["before"]
        if before in SPACES or before in "?!:;":
            continue
        where = around(text, match.start(), match.end())
        found.append(f"no narrow no-break space before {match['mark']!r} · {where}")
    for match in re.finditer(r"«(.)", text):
        if match[1] not in SPACES:
            found.append(f"no no-break space after « · {text[match.start() : match.start() + 20]}…")
    for match in re.finditer(r"(.)»", text):
        if match[1] not in SPACES:
            found.append(
                f"no no-break space before » · …{text[max(0, match.start() - 20) : match.end()]}"
            )
    for match in re.finditer(r" [:;?!](?=\s|$|</|\)|»)", text):
        found.append(f"a plain space before {match[0][1]!r} · {around(text, *match.span())}")
    return found


@pytest.mark.parametrize("key", sorted(FRENCH))
def test_the_french_catalogue_puts_no_break_spaces_where_french_does(key: str) -> None:
    assert faults(FRENCH[key]) == []


def test_every_plural_form_is_checked() -> None:
    assert "agenda.found.one" in FRENCH and "agenda.found" in FRENCH
    assert faults(FRENCH["agenda.found.one"]) == []


def test_the_check_finds_what_it_should() -> None:
    assert faults("Quelle salle ? Par exemple /room Chapiteau.")
    assert faults("Les salles : {rooms}")
    assert faults("« {query} »")
    assert faults("Merci!")
    assert not faults("Quelle salle\u202f? À 10:00, https://t.me/x?start=1, :say 12")
    assert not faults("«\u202f{query}\u202f»\u202f: {n}")
