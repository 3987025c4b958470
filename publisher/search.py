"""Project search over names and summaries.

The index is the store's project listing held in memory and rebuilt when the store's
generation moves. Ranking: the exact name first, then names starting with the query, names
containing every query word, names containing any, then summaries containing every word;
shorter names first within a rank, so ``requests`` comes before ``requests-toolbelt``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from crosswalk.names import canonicalize_name
from publisher.store import ProjectSummary, Store

__all__ = ["MAX_QUERY", "SearchHit", "SearchIndex", "search_terms"]

_WORD = re.compile(r"[a-z0-9]+")
MAX_QUERY = 200


def search_terms(text: str) -> list[str]:
    """The lower-case words of a query or summary."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class SearchHit:
    project: ProjectSummary
    rank: int


class SearchIndex:
    """Searches one store's projects; safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._generation = -1
        self._entries: list[tuple[ProjectSummary, str, frozenset[str], str]] = []

    def _current(self) -> list[tuple[ProjectSummary, str, frozenset[str], str]]:
        generation = self.store.generation()
        with self._lock:
            if generation != self._generation:
                self._entries = [
                    (p, p.name, frozenset(p.name.split("-")), (p.summary or "").lower())
                    for p in self.store.project_listing()
                ]
                self._generation = generation
            return self._entries

    def listing(self) -> list[ProjectSummary]:
        """Every project, for client-side search."""
        return [entry[0] for entry in self._current()]

    def search(self, query: str, limit: int = 100) -> list[SearchHit]:
        """Projects matching ``query``, best first."""
        query = query.strip()[:MAX_QUERY]
        words = search_terms(query)
        if not words:
            return []
        wanted = canonicalize_name(query) if query else ""
        hits: list[tuple[int, int, str, ProjectSummary]] = []
        for project, name, parts, summary in self._current():
            rank = _rank(name, parts, summary, wanted, words)
            if rank:
                hits.append((-rank, len(name), name, project))
        hits.sort(key=lambda h: h[:3])
        return [SearchHit(project, -rank) for rank, _, _, project in hits[:limit]]


def _rank(name: str, parts: frozenset[str], summary: str, wanted: str, words: list[str]) -> int:
    if name == wanted:
        return 100
    if name.startswith(wanted):
        return 80
    if all(w in name for w in words):
        return 60 if all(w in parts for w in words) else 50
    if any(w in parts for w in words):
        return 40 if all(w in name or w in summary for w in words) else 30
    if all(w in summary for w in words):
        return 20
    return 0
