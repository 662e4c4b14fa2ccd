"""What a person means when they write to the bot in plain words (French or English)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.schedule import TODAY_WORDS, TOMORROW_WORDS, WEEKDAYS
from bot.domain.text import fold


class Ask(StrEnum):
    """The questions the bot understands."""

    NEXT = "next"
    NOW = "now"
    TODAY = "today"
    TOMORROW = "tomorrow"
    DAY = "day"
    WHERE = "where"
    WHEN = "when"
    SEARCH = "search"
    HELP = "help"
    HELLO = "hello"
    THANKS = "thanks"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Intent:
    """A question and its subject, if any ("l'atelier couleurs")."""

    ask: Ask
    subject: str = ""


def _phrases(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b")


_WHERE = re.compile(
    r"^(?:ou (?:est|sont|a lieu|se passe|se trouve|se tient)|ou c'?est|c'?est ou"
    r"|where(?: is|'s| are| does)?|which room(?: is| for)?|dans quelle salle(?: est| a lieu)?"
    r"|quelle salle(?: pour)?)\s+(?P<subject>.+)$"
)
_WHEN = re.compile(
    r"^(?:quand (?:est|sont|a lieu|commence|aura lieu|c'?est)|c'?est quand|a quelle heure"
    r"(?: est| commence| a lieu)?|when(?: is|'s| are| does)?|what time(?: is| does)?)"
    r"\s+(?P<subject>.+)$"
)
_NEXT = _phrases(
    r"next",
    r"la suite",
    r"suite",
    r"apres",
    r"ensuite",
    r"prochain",
    r"prochaine",
    r"coming up",
    r"what'?s on next",
    r"what'?s up next",
)
_NOW = _phrases(
    r"now",
    r"right now",
    r"maintenant",
    r"en ce moment",
    r"actuellement",
    r"currently",
    r"happening",
    r"en cours",
)
_HELP = _phrases(r"help", r"aide", r"au secours", r"comment (?:ca|ça) marche", r"commandes?")
_HELLO = re.compile(r"^(?:bonjour|salut|coucou|hello|hi|hey|bonsoir|yo)\b")
_THANKS = re.compile(r"^(?:merci|thanks|thank you|thx|super merci)\b")
_FILLER = re.compile(r"^(?:(?:l'|le |la |les |the |un |une |a |an )?(?:atelier|workshop)s? )?")
_TRAILING = re.compile(r"[\s?!.,;:]+$")


def _clean_subject(subject: str) -> str:
    subject = _TRAILING.sub("", subject.strip())
    subject = re.sub(r"^(?:l'|le |la |les |the |un |une |a |an )", "", subject)
    return subject.strip()


def parse_intent(text: str) -> Intent:
    """Understand a plain-words question; UNKNOWN when no rule fits."""
    said = _TRAILING.sub("", fold(text).replace("’", "'").strip())
    said = re.sub(r"\s+", " ", said)
    if not said:
        return Intent(Ask.UNKNOWN)
    if match := _WHERE.match(said):
        return Intent(Ask.WHERE, _clean_subject(match.group("subject")))
    if match := _WHEN.match(said):
        return Intent(Ask.WHEN, _clean_subject(match.group("subject")))
    tokens = set(re.findall(r"[a-z0-9']+", said))
    if tokens & TOMORROW_WORDS:
        return Intent(Ask.TOMORROW)
    if tokens & TODAY_WORDS or "aujourd'hui" in said or "today" in said:
        return Intent(Ask.TODAY)
    weekdays = [t for t in tokens if t in WEEKDAYS and len(t) > 3]
    if weekdays:
        return Intent(Ask.DAY, weekdays[0])
    if _NEXT.search(said):
        return Intent(Ask.NEXT)
    if _NOW.search(said):
        return Intent(Ask.NOW)
    if _HELP.search(said):
        return Intent(Ask.HELP)
    if _HELLO.match(said):
        return Intent(Ask.HELLO)
    if _THANKS.match(said):
        return Intent(Ask.THANKS)
    return Intent(Ask.SEARCH, _clean_subject(said))
