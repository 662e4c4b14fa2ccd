import pytest

from bot.domain.intents import Ask, parse_intent


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
