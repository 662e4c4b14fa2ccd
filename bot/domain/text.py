"""Text folding and fuzzy title search that forgives typos and missing accents."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from typing import TypeVar

T = TypeVar("T")

_WORD = re.compile(r"[a-z0-9]+")
# Words that carry no meaning in a title search ("where is THE workshop")
STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "de",
        "des",
        "du",
        "d",
        "l",
        "la",
        "le",
        "les",
        "un",
        "une",
        "et",
        "en",
        "ou",
        "the",
        "of",
        "an",
        "to",
        "for",
        "in",
        "on",
        "at",
        "is",
        "are",
        "what",
        "when",
        "where",
        "quand",
        "ou",
        "est",
        "sont",
        "c",
        "qu",
        "quoi",
        "que",
        "qui",
        "y",
        "il",
        "elle",
        "on",
        "atelier",
        "ateliers",
        "workshop",
        "workshops",
        "session",
    ]
)
# English words people use for French titles, and the reverse (folded)
SYNONYMS = {
    "plenary": "pleniere",
    "pleniere": "plenary",
    "opening": "ouverture",
    "ouverture": "opening",
    "closing": "cloture",
    "cloture": "closing",
    "lunch": "dejeuner",
    "dejeuner": "lunch",
    "dinner": "diner",
    "diner": "dinner",
    "breakfast": "petit",
    "kids": "enfants",
    "enfants": "kids",
    "children": "enfants",
    "beach": "plage",
    "plage": "beach",
    "choir": "chorale",
    "bike": "velo",
    "colours": "couleurs",
    "colors": "couleurs",
    "cooking": "cuisine",
    "party": "soiree",
}


def fold(text: str) -> str:
    """Lowercase, strip accents and odd characters: 'Plénière' -> 'pleniere'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Split folded text into words."""
    return _WORD.findall(fold(text))


def _word_score(query: str, candidates: Sequence[str]) -> float:
    best = 0.0
    for word in candidates:
        if word == query:
            return 1.0
        if len(query) >= 3 and word.startswith(query):
            best = max(best, 0.9)
            continue
        ratio = SequenceMatcher(None, query, word).ratio()
        if ratio > best:
            best = ratio
    return best


def match_score(query: str, title: str) -> float:
    """Score how well `query` names `title`, from 0 (no) to 1 (every word found)."""
    q_words = [w for w in words(query) if w not in STOPWORDS] or words(query)
    t_words = words(title)
    if not q_words or not t_words:
        return 0.0
    scores = [
        max(_word_score(w, t_words), _word_score(SYNONYMS[w], t_words) if w in SYNONYMS else 0)
        for w in q_words
    ]
    # Weak words count as misses: one typo in a long word still scores about 0.85
    return sum(s if s >= 0.75 else 0.0 for s in scores) / len(scores)


def best_matches(
    query: str, items: Iterable[T], key: Iterable[str] | None = None, threshold: float = 0.6
) -> list[tuple[float, T]]:
    """Rank `items` by how well their text (`key`, in the same order) matches `query`."""
    pairs = list(zip(key, items, strict=True)) if key is not None else [(str(i), i) for i in items]
    scored = [(match_score(query, text), item) for text, item in pairs]
    kept = [(score, item) for score, item in scored if score >= threshold]
    if not kept:
        return []
    top = max(score for score, _ in kept)
    # Keep what is nearly as good as the best, so one exact hit hides weak neighbours
    return [(score, item) for score, item in kept if score >= top - 0.15]
