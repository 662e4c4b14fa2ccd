"""What a person means when they write to the bot in plain words (French or English)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.schedule import MONTHS, TODAY_WORDS, TOMORROW_WORDS, WEEKDAYS, Part
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
    PLACE = "place"
    """What is on in a place ("qu'est-ce qui se passe au chapiteau ?")."""
    SEARCH = "search"
    HELP = "help"
    HELLO = "hello"
    THANKS = "thanks"
    UNKNOWN = "unknown"
    # Issue 14, part 1: sessions proposed in chat
    PROPOSE = "propose"


@dataclass(frozen=True, slots=True)
class Intent:
    """A question, its subject ("l'atelier couleurs"), and the day or part of day it names."""

    ask: Ask
    subject: str = ""
    day: str = ""
    """The day as written ("demain", "mardi", "26 aout"), when the question names one."""
    part: Part | None = None


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
_PLACE = re.compile(
    r"^(?:c'?est quoi |quel est |what'?s |what is )?"
    r"(?:qu'?est[- ]ce qui se passe|qu'?est[- ]ce qu'?il y a|qu'?y a[- ]t[- ]il|il y a quoi"
    r"|y a quoi|quoi de prevu|le programme|programme|what'?s on|what is on|what'?s happening"
    r"|what is happening|anything on|what'?s going on)"
    r"\s+(?:au|aux|a la|a l'|dans la|dans le|dans l'|sur la|sur le|du|de la|de l'"
    r"|in the|at the|on the|in|at)\s*(?P<subject>.+)$"
)
_PARTS = (
    (Part.EVENING, re.compile(r"\b(?:ce soir|tonight|this evening)\b")),
    (Part.MORNING, re.compile(r"\b(?:ce matin|this morning)\b")),
    (Part.AFTERNOON, re.compile(r"\b(?:cet apres[- ]?midi|cet aprem|this afternoon)\b")),
)
# A part of the day right after a day: "demain soir", "tuesday morning"
_DAY_PART = {
    **dict.fromkeys(("soir", "evening", "night"), Part.EVENING),
    **dict.fromkeys(("matin", "morning"), Part.MORNING),
    **dict.fromkeys(("apres-midi", "apres midi", "aprem", "afternoon"), Part.AFTERNOON),
}
_DATE = re.compile(
    r"\b(?:le |on )?(?:\d{1,2}(?:er|re|e|st|nd|rd|th)? (?:" + "|".join(MONTHS) + r")"
    r"|(?:" + "|".join(MONTHS) + r") \d{1,2}(?:st|nd|rd|th)?)\b"
)
# Words that ask without naming anything: what is left once they go is the subject
_ASKING = frozenset(
    [
        "qu",
        "quoi",
        "que",
        "qui",
        "est",
        "ce",
        "c",
        "il",
        "y",
        "a",
        "t",
        "se",
        "passe",
        "prevu",
        "programme",
        "et",
        "alors",
        "le",
        "la",
        "les",
        "de",
        "du",
        "des",
        "au",
        "aux",
        "pour",
        "on",
        "what",
        "s",
        "is",
        "are",
        "there",
        "happening",
        "going",
        "planned",
        "programme",
        "program",
        "schedule",
        "the",
        "for",
        "of",
        "anything",
        "whats",
        "and",
        "so",
    ]
)
# Issue 14, part 1: "je voudrais proposer un atelier", "I'd like to propose a session"
_PROPOSE = re.compile(
    r"\b(?:(?:je |j')?(?:voudrais|veux|voudrions|aimerais|souhaite|souhaiterais|pourrais"
    r"|peux|peut[- ]on|puis[- ]je|comment) (?:bien )?(?:en )?(?:proposer|animer)"
    r"|(?:i'?d|i would|i want|i wish|can i|could i|how do i|how can i)(?: like| love)?"
    r"(?: to)? (?:propose|run|host|lead|offer) (?:a|an|my|our) (?:session|workshop|talk)"
    r"|^(?:proposer|propose) (?:un|une|a|an) (?:atelier|session|workshop|activite))"
)
_FILLER = re.compile(r"^(?:(?:l'|le |la |les |the |un |une |a |an )?(?:atelier|workshop)s? )?")
_TRAILING = re.compile(r"[\s?!.,;:]+$")


def _clean_subject(subject: str) -> str:
    subject = _TRAILING.sub("", subject.strip())
    subject = re.sub(r"^(?:l'|le |la |les |the |un |une |a |an )", "", subject)
    return subject.strip()


def _take_when(said: str) -> tuple[str, str, Part | None]:
    """Take the day and the part of the day out of a question: (the rest, day, part)."""
    part = None
    for name, pattern in _PARTS:
        if pattern.search(said):
            part = name
            said = pattern.sub(" ", said)
    day = ""
    if found := _DATE.search(said):
        day = found.group(0).removeprefix("le ").removeprefix("on ")
        said = said[: found.start()] + " " + said[found.end() :]
    else:
        tokens = re.findall(r"[a-z0-9']+", said)
        for n, token in enumerate(tokens):
            if (
                token in TOMORROW_WORDS
                or token in TODAY_WORDS
                or token == "aujourd'hui"
                or (token in WEEKDAYS and len(token) > 3)
            ):
                day = token
                following = tokens[n + 1] if n + 1 < len(tokens) else ""
                if following in _DAY_PART:
                    part = _DAY_PART[following]
                    said = re.sub(rf"\b{re.escape(following)}\b", " ", said, count=1)
                said = re.sub(rf"(?<![a-z']){re.escape(token)}(?![a-z'])", " ", said, count=1)
                break
    return " ".join(said.split()), day, part


def _asks_only(text: str) -> bool:
    """Tell whether a question names nothing once its day and asking words are gone."""
    return all(w in _ASKING for w in re.findall(r"[a-z0-9]+", text))


def parse_intent(text: str) -> Intent:
    """Understand a plain-words question; UNKNOWN when no rule fits."""
    said = _TRAILING.sub("", fold(text).replace("’", "'").strip())
    said = re.sub(r"\s+", " ", said)
    if not said:
        return Intent(Ask.UNKNOWN)
    if _PROPOSE.search(said):
        return Intent(Ask.PROPOSE)
    rest, day, part = _take_when(said)
    rest = _TRAILING.sub("", rest)
    if match := _WHERE.match(rest):
        return Intent(Ask.WHERE, _clean_subject(match.group("subject")), day, part)
    if match := _WHEN.match(rest):
        return Intent(Ask.WHEN, _clean_subject(match.group("subject")), day, part)
    if (match := _PLACE.match(rest)) and not _asks_only(match.group("subject")):
        return Intent(Ask.PLACE, _clean_subject(match.group("subject")), day, part)
    if day or part:
        if not _asks_only(rest):
            return Intent(Ask.SEARCH, _clean_subject(_FILLER.sub("", rest)), day, part)
        if day in TOMORROW_WORDS:
            return Intent(Ask.TOMORROW, part=part)
        if not day or day in TODAY_WORDS or day == "aujourd'hui":
            return Intent(Ask.TODAY, part=part)
        return Intent(Ask.DAY, day, day, part)
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
