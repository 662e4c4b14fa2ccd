"""Plain words, as people write them, in French and English: each answers what was meant.

One table: the moment, who asks (Alice reads French, Bob English), the question, what the
first answer must say and what it must not. The sample week is `examples/bigre-2026.toml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from bot.sandbox.harness import Harness
from tests.conftest import ALICE, BOB, PARIS

NNBSP = "\u202f"


@dataclass(frozen=True)
class Case:
    """One question and what its answer must (and must not) say; `order` in that order."""

    when: tuple[int, int, int]
    user: int
    question: str
    says: tuple[str, ...]
    not_: tuple[str, ...] = ()
    order: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.question


MON, TUE, WED = (24, 8, 30), (25, 8, 30), (26, 8, 30)
FR: list[Case] = [
    Case(
        TUE,
        ALICE,
        "qu'est-ce qui se passe au chapiteau ?",
        ("Chapiteau, aujourd'hui", "Forum ouvert : on construit"),
        ("Concert",),
    ),
    Case(
        TUE,
        ALICE,
        "c'est quoi le programme du chapiteau ?",
        ("Chapiteau, aujourd'hui", "Forum ouvert"),
        ("Atelier couleurs",),
    ),
    Case(
        MON,
        ALICE,
        "atelier vélo demain",
        (
            f"Pas de «{NNBSP}velo{NNBSP}» le mardi 25 août",
            "réparer une crevaison",
            "réglages et entretien",
        ),
    ),
    Case(
        MON,
        ALICE,
        "atelier vélo mercredi",
        ("Atelier vélo : réglages et entretien",),
        ("crevaison",),
    ),
    Case(
        TUE,
        ALICE,
        "qu'est-ce qu'il y a ce soir ?",
        ("(le soir)", "Veillée contes", "Karaoké", "Dîner"),
        ("Atelier couleurs", "Chorale"),
    ),
    Case(
        (25, 10, 30),
        ALICE,
        "où est la salle brassens ?",
        (f"📍 Salle Brassens{NNBSP}: 1er étage du bâtiment A", "Salaires < 2 SMIC"),
        ("Atelier couleurs",),
    ),
    Case(
        MON,
        ALICE,
        "c'est où la plénière ?",
        ("Plénière d'ouverture",),
        (),
        ("Plénière d'ouverture", "bilan à mi-parcours", "Plénière de clôture"),
    ),
    Case(
        MON,
        ALICE,
        "/day 26 août",
        ("Mercredi 26 août", "Kayak : sortie découverte"),
        ("Atelier couleurs",),
    ),
    Case(
        MON,
        ALICE,
        "/room plage mercredi",
        ("Plage, mercredi 26 août", "Yoga au lever du soleil"),
        ("Kayak",),
    ),
    Case(TUE, ALICE, "où est le déjeuner ?", ("Déjeuner",), ("Petit-déjeuner",)),
    Case(MON, ALICE, "demain soir", ("(le soir)", "Veillée contes"), ("Atelier couleurs",)),
    Case(
        (25, 7, 45),
        ALICE,
        "et ce matin ?",
        ("(le matin)", "Forum ouvert", "Atelier couleurs"),
        ("Chorale",),
    ),
    Case(
        TUE,
        ALICE,
        "cet après-midi",
        ("(l'après-midi)", "Cuisine collective : tielles"),
        ("Atelier couleurs",),
    ),
    Case(
        MON,
        ALICE,
        "quand est le kayak ?",
        (f"Kayak de mer le long de la plage{NNBSP}: lundi 24 août", "Kayak : sortie découverte"),
    ),
    Case(
        MON,
        ALICE,
        "quand est la chorale mercredi ?",
        (f"Pas de «{NNBSP}chorale{NNBSP}» le mercredi 26 août", "Chorale"),
    ),
    Case(MON, ALICE, "chorale jeudi", ("Chorale", "jeudi 27 août"), ("mardi 25 août",)),
    Case(MON, ALICE, "qu'est-ce qu'il y a demain ?", ("Mardi 25 août", "Atelier couleurs")),
    Case(MON, ALICE, "programme de vendredi", ("Vendredi 28 août", "Plénière de clôture")),
    Case((25, 9, 55), ALICE, "c'est quoi la suite ?", ("Ensuite, à 10:00", "Atelier couleurs")),
    Case((25, 10, 30), ALICE, "et maintenant ?", ("En ce moment", "Atelier couleurs")),
    Case(
        (25, 10, 30),
        ALICE,
        "où est le club enfants ?",
        (f"📍 Club enfants{NNBSP}: bâtiment C", "châteaux de sable"),
    ),
    Case(
        MON,
        ALICE,
        "qu'est-ce qui se passe à la plage demain ?",
        ("Plage, mardi 25 août", "Yoga au lever du soleil"),
    ),
    Case(
        MON,
        ALICE,
        "où a lieu l'atelier couleurs ?",
        (f"Atelier couleurs{NNBSP}: Salle Agnès Varda, mardi 25 août à 10:00",),
    ),
    Case(
        MON, ALICE, "yoga samedi", ("Yoga au lever du soleil", "samedi 29 août"), ("mardi 25 août",)
    ),
    Case(MON, ALICE, "quand est le bal folk ?", (f"Bal folk{NNBSP}: jeudi 27 août, 21:30–00:00",)),
    Case(MON, ALICE, "le karaoké c'est quand ?", ("Karaoké", "mardi 25 août")),
    Case(
        TUE,
        ALICE,
        "qu'y a-t-il au restaurant ce soir ?",
        ("Restaurant, aujourd'hui (le soir)", "Dîner"),
        ("Déjeuner",),
    ),
    Case(MON, ALICE, "salut", ("Bonjour",)),
    Case(MON, ALICE, "merci !", ("Avec plaisir",)),
    Case(MON, ALICE, "/day 1er août", ("Samedi 1er août", "Prochain rendez-vous le lundi 24 août")),
    Case(MON, ALICE, "où est la salle des pins ?", (f"📍 Salle des Pins{NNBSP}: rez-de-chaussée",)),
    Case(
        MON,
        ALICE,
        "quoi de prévu jeudi soir ?",
        ("Jeudi 27 août (le soir)", "Bal folk", "Dîner"),
        ("Chorale",),
    ),
]
EN: list[Case] = [
    Case(
        TUE, BOB, "what's on in the chapiteau", ("Chapiteau, today", "Forum ouvert"), ("Concert",)
    ),
    Case(MON, BOB, "what's happening at the beach tomorrow", ("Plage, Tuesday 25 August", "Yoga")),
    Case(TUE, BOB, "where is lunch?", ("Déjeuner",), ("Petit-déjeuner",)),
    Case(
        (25, 10, 30),
        BOB,
        "where is the Brassens room?",
        ("📍 Salle Brassens: 1er étage", "Salaires < 2 SMIC"),
    ),
    Case(
        TUE,
        BOB,
        "what's on tonight?",
        ("(in the evening)", "Veillée contes"),
        ("Atelier couleurs",),
    ),
    Case(
        WED,
        BOB,
        "what's on this afternoon?",
        ("(in the afternoon)", "Forum ouvert : sessions libres"),
        ("Kayak : sortie",),
    ),
    Case(
        MON,
        BOB,
        "bike workshop tomorrow",
        ('No "bike workshop" on Tuesday 25 August', "Atelier vélo"),
    ),
    Case(
        MON,
        BOB,
        "bike workshop on wednesday",
        ("Atelier vélo : réglages et entretien",),
        ("crevaison",),
    ),
    Case(MON, BOB, "when is the kayak?", ("Kayak de mer le long de la plage: Monday 24 August",)),
    Case(
        MON,
        BOB,
        "when is choir on friday?",
        ("Chorale : répétition générale: Friday 28 August",),
        ("Tuesday",),
    ),
    Case(MON, BOB, "what's on tomorrow?", ("Tuesday 25 August", "Atelier couleurs")),
    Case(MON, BOB, "what's on on 26 August?", ("Wednesday 26 August", "Kayak : sortie découverte")),
    Case(MON, BOB, "/day 26 August", ("Wednesday 26 August",)),
    Case(MON, BOB, "/room beach wednesday", ("Plage, Wednesday 26 August", "Yoga")),
    Case((25, 10, 30), BOB, "where is the kids club?", ("📍 Club enfants: bâtiment C",)),
    Case(MON, BOB, "where is the opening plenary?", ("Plénière d'ouverture: Chapiteau",)),
    Case((25, 9, 55), BOB, "what's next?", ("Next, at 10:00",)),
    Case((25, 10, 30), BOB, "what's on now?", ("On now", "Atelier couleurs")),
    Case(MON, BOB, "yoga on saturday", ("Saturday 29 August",), ("Tuesday 25 August",)),
    Case(MON, BOB, "tuesday morning", ("(in the morning)", "Atelier couleurs"), ("Chorale",)),
    Case(
        MON, BOB, "tomorrow evening", ("(in the evening)", "Veillée contes"), ("Atelier couleurs",)
    ),
    Case(
        TUE,
        BOB,
        "what's on at the restaurant tonight?",
        ("Restaurant, today (in the evening)", "Dîner"),
        ("Déjeuner",),
    ),
    Case(MON, BOB, "when is the folk ball?", ("Bal folk: Thursday 27 August",)),
    Case(MON, BOB, "hello", ("Hello",)),
    Case(MON, BOB, "thanks!", ("welcome",)),
    Case(MON, BOB, "help", ("/next",)),
    Case(MON, BOB, "when is the cinema?", ("Cinéma en plein air",)),
    Case(
        MON,
        BOB,
        "where is the concert?",
        ("Concert 🎶 : les Cigales du Mont Saint-Clair: Chapiteau",),
    ),
    Case(
        WED, BOB, "what's happening at the pontoon?", ("Ponton, today", "Kayak : sortie découverte")
    ),
    Case(
        (25, 6, 0),
        BOB,
        "where is the yoga?",
        ("Yoga au lever du soleil",),
        (),
        ("Tuesday 25 August", "Wednesday 26 August"),
    ),
    Case(MON, BOB, "dinner friday", ("Dîner", "Friday 28 August"), ("Monday",)),
    Case(MON, BOB, "co-ops across borders", ("Co-ops across borders (in English)",)),
]


def test_the_table_is_large_and_half_french_half_english() -> None:
    assert len(FR) + len(EN) >= 60
    assert len(FR) == len(EN)


@pytest.mark.parametrize("case", [*FR, *EN], ids=str)
async def test_plain_words_answer_what_was_meant(bot: Harness, case: Case) -> None:
    day, hour, minute = case.when
    bot.clock.jump_to(datetime(2026, 8, day, hour, minute, tzinfo=PARIS))  # type: ignore[attr-defined]
    replies = await bot.say(case.user, case.question)
    text = replies[0].plain_text
    for wanted in case.says:
        assert wanted in text, f"{case.question!r}: {wanted!r} not in\n{text}"
    for unwanted in case.not_:
        assert unwanted not in text, f"{case.question!r}: {unwanted!r} in\n{text}"
    positions = [text.index(part) for part in case.order]
    assert positions == sorted(positions), f"{case.question!r}: not in order\n{text}"
