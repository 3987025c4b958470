"""The order of search results, the same for every store and for ``ldindex search``.

A store gathers candidates, each with what matched (the exact name, a name prefix, the name's
words, the full text with its BM25 relevance, a name a small edit away), and ``rank`` orders
them:

1. the exact name (separators and case aside: ``Flask_SQLAlchemy`` is ``flask-sqlalchemy``,
   ``scikit learn`` is ``scikit-learn``);
2. "did you mean": a project a small edit away that is more downloaded than any exact match,
   so ``reqeusts`` leads to ``requests`` even when an obscure ``reqeusts`` exists;
3. everything else by one score: a command of that name, then name prefix, name words, full
   text (name, summary, keywords), each plus a popularity bonus (from the download rank, when
   known), so a famous project whose summary matches can pass an obscure one whose name
   merely starts with the query. A name a typo away counts too, but little when the query is
   itself a word popular projects use (``yaml`` is not a typo of ``yarl``).

Ties go to the shorter name, then to the name in alphabetical order, so the order is stable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from publisher.search.query import SearchQuery, squash

__all__ = ["Candidate", "max_typo_distance", "rank", "typo_keys"]

POPULARITY_RANKS = 20_000  # a download rank past this earns no bonus
POPULARITY_WEIGHT = 400.0
EXACT = 100_000.0
DID_YOU_MEAN = 50_000.0
COMMAND, PREFIX, NAME_WORDS, TEXT, TYPO, ANY_WORD = 410.0, 300.0, 280.0, 220.0, 200.0, 100.0
KNOWN_WORD_TYPO = 50.0
MIN_TYPO_LENGTH = 4  # shorter names are a small edit away from too much


@dataclass(slots=True)
class Candidate:
    """A project a store found for a query, and how it matched."""

    id: int
    name: str
    popularity: int | None = None
    exact: bool = False
    prefix: bool = False
    name_words: bool = False
    command: bool = False
    text: bool = False  # every word in the name, summary, keywords or commands
    any_word: bool = False  # some of the words there
    distance: int | None = None  # edit distance of the name to the query, when a typo match

    @property
    def matched(self) -> bool:
        """Whether the query itself (not a typo of it) found this project."""
        return self.exact or self.prefix or self.name_words or self.command or self.text

    def popularity_bonus(self) -> float:
        if self.popularity is None or self.popularity < 1:
            return 0.0
        share = math.log(self.popularity) / math.log(POPULARITY_RANKS)
        return POPULARITY_WEIGHT * max(0.0, 1 - share)


def max_typo_distance(squashed: str) -> int:
    """How many edits still count as a typo of a name this long."""
    if len(squashed) < MIN_TYPO_LENGTH:
        return 0
    return 1 if len(squashed) < 8 else 2


def typo_keys(squashed: str) -> set[str]:
    """The name and every form of it with one character deleted. Two names a small edit
    apart share a key (symmetric deletion, as SymSpell does): an index of these keys finds
    typo candidates with equality lookups alone."""
    return {squashed} | {squashed[:i] + squashed[i + 1 :] for i in range(len(squashed))}


def typo_distance(query: SearchQuery, name: str) -> int | None:
    """The edit distance (transpositions count once) if ``name`` is a typo away, else None."""
    limit = max_typo_distance(query.squashed)
    if not limit:
        return None
    distance = OSA.distance(query.squashed, squash(name), score_cutoff=limit)
    return distance if 0 < distance <= limit else None


def rank(query: SearchQuery, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates in result order."""
    exact_ranks = [c.popularity for c in candidates if c.exact]
    most_popular_exact = min(
        (r if r is not None else math.inf for r in exact_ranks), default=math.inf
    )
    # A query popular projects match as it is, is a word, not a typo.
    known_word = any(c.popularity is not None and c.matched for c in candidates)
    length = max(len(query.squashed), 1)

    def score(c: Candidate) -> float:
        bonus = c.popularity_bonus()
        if c.exact:
            return EXACT + bonus
        meant = c.distance is not None and c.popularity is not None and not known_word
        if meant and c.popularity < most_popular_exact:
            return DID_YOU_MEAN - 100 * c.distance + bonus
        base = 0.0
        if c.command:
            base = COMMAND
        elif c.prefix:
            base = PREFIX + 100 * length / max(len(c.name) - c.name.count("-"), 1)
        elif c.name_words:
            base = NAME_WORDS
        elif c.text:
            base = TEXT
        if c.distance is not None:
            base = max(base, (KNOWN_WORD_TYPO if known_word else TYPO) - 50 * c.distance)
        if c.any_word:
            base = max(base, ANY_WORD)
        return base + bonus

    return sorted(candidates, key=lambda c: (-score(c), len(c.name), c.name))
