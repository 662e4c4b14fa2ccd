import pytest

from bot.domain.intents import Ask, Intent, parse_intent
from bot.domain.schedule import Part


@pytest.mark.parametrize(
    ("text", "ask", "subject"),
    [
        ("what's next?", Ask.NEXT, ""),
        ("What’s next", Ask.NEXT, ""),
        ("c'est quoi la suite ?", Ask.NEXT, ""),
        ("Et après ?", Ask.NEXT, ""),
        ("what's on now?", Ask.NOW, ""),
        ("et maintenant ?", Ask.NOW, ""),
        ("what's on tomorrow?", Ask.TOMORROW, ""),
        ("qu'est-ce qu'il y a demain ?", Ask.TOMORROW, ""),
        ("et aujourd'hui ?", Ask.TODAY, ""),
        ("programme de mardi", Ask.DAY, "mardi"),
        ("où est l'atelier couleurs ?", Ask.WHERE, "atelier couleurs"),
        ("Where is the kayak workshop?", Ask.WHERE, "kayak workshop"),
        ("quand est la plénière ?", Ask.WHEN, "pleniere"),
        ("when is the closing plenary", Ask.WHEN, "closing plenary"),
        ("aide", Ask.HELP, ""),
        ("Bonjour !", Ask.HELLO, ""),
        ("merci beaucoup", Ask.THANKS, ""),
        ("kayak", Ask.SEARCH, "kayak"),
        ("   ", Ask.UNKNOWN, ""),
    ],
)
def test_plain_words_are_understood(text: str, ask: Ask, subject: str) -> None:
    intent = parse_intent(text)
    assert intent.ask is ask
    assert intent.subject == subject


@pytest.mark.parametrize(
    ("text", "ask", "subject", "day", "part"),
    [
        ("qu'est-ce qui se passe au chapiteau ?", Ask.PLACE, "chapiteau", "", None),
        ("what's on in the chapiteau", Ask.PLACE, "chapiteau", "", None),
        ("what's happening at the beach tomorrow", Ask.PLACE, "beach", "tomorrow", None),
        ("atelier vélo demain", Ask.SEARCH, "velo", "demain", None),
        ("qu'est-ce qu'il y a ce soir ?", Ask.TODAY, "", "", Part.EVENING),
        ("what is on tonight?", Ask.TODAY, "", "", Part.EVENING),
        ("demain soir", Ask.TOMORROW, "", "", Part.EVENING),
        ("tuesday morning", Ask.DAY, "tuesday", "tuesday", Part.MORNING),
        ("programme du 26 août", Ask.DAY, "26 aout", "26 aout", None),
        ("chorale mercredi soir", Ask.SEARCH, "chorale", "mercredi", Part.EVENING),
        ("quand est la chorale mercredi ?", Ask.WHEN, "chorale", "mercredi", None),
        ("où est la salle brassens ?", Ask.WHERE, "salle brassens", "", None),
    ],
)
def test_days_parts_of_days_and_places_are_read_out_of_a_question(
    text: str, ask: Ask, subject: str, day: str, part: Part | None
) -> None:
    assert parse_intent(text) == Intent(ask, subject, day, part)
