"""Text folding and fuzzy title search that forgives typos and missing accents."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process

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


# Hand-written tiers over rapidfuzz's C scorer: exact and word hits come from dictionaries built
# once per programme; only the typo tier asks rapidfuzz, over the distinct title words (a few
# thousand on a 3,000-item programme) rather than over every title per question as difflib did.
TYPO = 75.0
"""rapidfuzz's ratio (0-100, the same measure as difflib's) from which a word counts as a typo."""
NEAR = 0.15
"""Typo matches this close to the best one are kept beside it."""


class Tier(IntEnum):
    """How an item matched a query; lower is better."""

    EXACT = 0
    TITLE = 1
    DETAILS = 2
    TYPO = 3


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    """One item found, how, and how well (1 is every word found)."""

    tier: Tier
    score: float
    item: T


def query_words(query: str) -> list[str]:
    """Give the words of a query that carry meaning (all of them if none does)."""
    found = words(query)
    return [w for w in found if w not in STOPWORDS] or found


def _variants(word: str) -> tuple[str, ...]:
    return (word, SYNONYMS[word]) if word in SYNONYMS else (word,)


class _Vocabulary:
    """Distinct words, each with the positions of the items that have it."""

    def __init__(self, texts: Sequence[Sequence[str]]) -> None:
        self.items: dict[str, set[int]] = {}
        for position, text in enumerate(texts):
            for word in text:
                self.items.setdefault(word, set()).add(position)
        self.sorted = sorted(self.items)

    def starting_with(self, prefix: str) -> list[str]:
        """List the words that begin with `prefix`."""
        start = bisect_left(self.sorted, prefix)
        end = bisect_left(self.sorted, prefix + "\uffff")
        return self.sorted[start:end]

    def having(self, word: str, prefixes: bool) -> set[int]:
        """Give the items with `word` (or a synonym), or a word it begins, if `prefixes`."""
        found: set[int] = set()
        for variant in _variants(word):
            found |= self.items.get(variant, set())
            if prefixes and len(variant) >= 3:
                for longer in self.starting_with(variant):
                    found |= self.items[longer]
        return found

    def scores(self, word: str) -> dict[int, float]:
        """Score each item by its title word nearest to `word` (exact 1, prefix 0.9, typo)."""
        best: dict[int, float] = {}

        def keep(found: str, score: float) -> None:
            for position in self.items[found]:
                if score > best.get(position, 0.0):
                    best[position] = score

        for variant in _variants(word):
            for found, ratio, _ in process.extract(
                variant, self.sorted, scorer=fuzz.ratio, score_cutoff=TYPO, limit=None
            ):
                keep(found, ratio / 100)
            if len(variant) >= 3:
                for found in self.starting_with(variant):
                    keep(found, 1.0 if found == variant else 0.9)
        return best


class TextIndex(Generic[T]):
    """Items searchable by title (typos and missing accents forgiven) and by their details.

    Built once per list of items (once per programme); a search then costs dictionary look-ups,
    and one rapidfuzz pass over the distinct title words for the typo tier.
    """

    def __init__(
        self, items: Sequence[T], titles: Sequence[str], details: Sequence[str] | None = None
    ) -> None:
        if len(titles) != len(items) or (details is not None and len(details) != len(items)):
            raise ValueError("one title (and one details text) per item")
        self._items = tuple(items)
        title_words = [words(t) for t in titles]
        self._exact: dict[tuple[str, ...], list[int]] = {}
        for position, found in enumerate(title_words):
            meaning = tuple(w for w in found if w not in STOPWORDS) or tuple(found)
            self._exact.setdefault(meaning, []).append(position)
        self._titles = _Vocabulary(title_words)
        self._details = _Vocabulary([words(d) for d in details] if details else [])

    def __len__(self) -> int:
        return len(self._items)

    def search(self, query: str) -> list[Match[T]]:
        """Rank the items for `query`: exact title, then title words; else details; else typos.

        A weaker tier is read only when the stronger ones found nothing, so that an exact hit
        is never drowned among items that merely mention the word or look like it.
        """
        wanted = query_words(query)
        if not wanted or not self._items:
            return []
        exact = set(self._exact.get(tuple(wanted), ()))
        title = self._all(wanted, self._titles, prefixes=True) - exact
        if exact or title:
            return [
                *(Match(Tier.EXACT, 1.0, self._items[p]) for p in sorted(exact)),
                *(Match(Tier.TITLE, 1.0, self._items[p]) for p in sorted(title)),
            ]
        details = self._all(wanted, self._details, prefixes=False)
        if details:
            return [Match(Tier.DETAILS, 1.0, self._items[p]) for p in sorted(details)]
        return self._typos(wanted)

    @staticmethod
    def _all(wanted: Sequence[str], vocabulary: _Vocabulary, prefixes: bool) -> set[int]:
        common: set[int] | None = None
        for word in wanted:
            having = vocabulary.having(word, prefixes)
            common = having if common is None else common & having
            if not common:
                return set()
        return common or set()

    def _typos(self, wanted: Sequence[str], threshold: float = 0.6) -> list[Match[T]]:
        totals: dict[int, float] = {}
        for word in wanted:
            for position, score in self._titles.scores(word).items():
                totals[position] = totals.get(position, 0.0) + score
        scored = {p: total / len(wanted) for p, total in totals.items()}
        kept = {p: s for p, s in scored.items() if s >= threshold}
        if not kept:
            return []
        top = max(kept.values())
        near = sorted((p for p, s in kept.items() if s >= top - NEAR), key=lambda p: -kept[p])
        return [Match(Tier.TYPO, kept[p], self._items[p]) for p in near]


def _word_score(query: str, candidates: Sequence[str]) -> float:
    best = 0.0
    for word in candidates:
        if word == query:
            return 1.0
        if len(query) >= 3 and word.startswith(query):
            best = max(best, 0.9)
            continue
        ratio = fuzz.ratio(query, word) / 100
        if ratio > best:
            best = ratio
    return best


def match_score(query: str, title: str) -> float:
    """Score how well `query` names `title`, from 0 (no) to 1 (every word found)."""
    q_words = query_words(query)
    t_words = words(title)
    if not q_words or not t_words:
        return 0.0
    scores = [
        max(_word_score(w, t_words), _word_score(SYNONYMS[w], t_words) if w in SYNONYMS else 0)
        for w in q_words
    ]
    # Weak words count as misses: one typo in a long word still scores about 0.85
    return sum(s if s >= TYPO / 100 else 0.0 for s in scores) / len(scores)


def best_matches(
    query: str, items: Iterable[T], key: Iterable[str] | None = None, threshold: float = 0.6
) -> list[tuple[float, T]]:
    """Rank a few `items` by how well their text (`key`, in the same order) matches `query`.

    For a short list (rooms, one organiser's look-up); a programme is searched with TextIndex.
    """
    pairs = list(zip(key, items, strict=True)) if key is not None else [(str(i), i) for i in items]
    scored = [(match_score(query, text), item) for text, item in pairs]
    kept = [(score, item) for score, item in scored if score >= threshold]
    if not kept:
        return []
    top = max(score for score, _ in kept)
    # Keep what is nearly as good as the best, so one exact hit hides weak neighbours
    return [(score, item) for score, item in kept if score >= top - NEAR]
