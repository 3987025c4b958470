"""Search and the catalogue listing as every SQL backend runs them.

A backend keeps a search table (``search_ids`` in SQLite, ``search_index`` in PostgreSQL:
one row per project, its squashed name, popularity and an id in search order, most
downloaded first, then most recently released) and full-text indexes kept in step with
``projects`` in the writing transaction. This mixin gathers candidates from them, each kind
of match read in search-id order with a bound, so a common word costs the same as a rare one,
and ``publisher.search.ranking`` orders them: the same candidates, bounds and order on every
backend, so results read alike whichever database answers. A backend provides the full-text
lookups (``_matches``: FTS5 ``MATCH`` or ``tsvector @@ tsquery``) and the typo candidates
(``_typo_ids``: deletion keys or trigram nearness), whose candidates ``typo_distance``
filters alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from publisher.search.query import SearchQuery
from publisher.search.ranking import (
    Candidate,
    max_typo_distance,
    rank,
    typo_distance,
    typo_keys,
)
from publisher.store.base import ListingEntry, SearchResults

__all__ = [
    "ANY_WORD_CANDIDATES",
    "COMMAND_CANDIDATES",
    "EXACT_CANDIDATES",
    "LISTING_COLUMNS",
    "NAME_WORD_CANDIDATES",
    "PREFIX_CANDIDATES",
    "TEXT_CANDIDATES",
    "SearchMixin",
    "listing_entry",
]

# Bounds on candidates per kind of match, read in search order (most downloaded first):
# what a person pages through, at a cost that does not grow with the catalogue.
EXACT_CANDIDATES = 20
COMMAND_CANDIDATES = 20
PREFIX_CANDIDATES = 60
NAME_WORD_CANDIDATES = 60
TEXT_CANDIDATES = 120
ANY_WORD_CANDIDATES = 60
LISTING_FIELDS = (
    "name", "display_name", "summary", "latest_version", "latest_upload", "requires_python",
    "popularity", "keywords", "commands",
)  # fmt: skip
LISTING_COLUMNS = ", ".join(LISTING_FIELDS)
_HELD = "EXISTS (SELECT 1 FROM releases r WHERE r.project = projects.name)"
# What a catalogue import sets on a project already in the table (``ON CONFLICT (name) DO
# UPDATE SET …``): popularity and generation from the listing, and the listing's other
# fields too unless the project has releases here, whose own metadata wins.
LISTING_UPSERT = "popularity = excluded.popularity, generation = excluded.generation, " + (
    ", ".join(
        f"{col} = CASE WHEN {_HELD} THEN projects.{col} ELSE excluded.{col} END"
        for col in LISTING_FIELDS
        if col not in ("name", "popularity")
    )
)
# The kinds of full-text match a backend's ``_matches`` answers.
MATCH_KINDS = ("commands", "name_words", "all_words", "any_word")


def listing_entry(row: tuple) -> ListingEntry:
    """A ``LISTING_COLUMNS`` row as a listing entry."""
    return ListingEntry(*row[:8], tuple(row[8].split()) if row[8] else ())


class SearchMixin:
    """``search``, ``listing_entry`` and ``latest_releases`` over a backend's indexes."""

    _db: Any
    SEARCH_TABLE = "search_ids"  # the backend's table of search ids
    POPULAR_INDEX = ""  # an index hint for popular prefixes, where the engine takes one

    # -- provided by the backend ------------------------------------------------------------

    def _matches(self, kind: str, query: SearchQuery, bound: int) -> list[int]:
        """Ids of projects matching ``query`` as ``kind`` (one of ``MATCH_KINDS``), in
        search-id order, at most ``bound + 1`` (one more says there are more)."""
        raise NotImplementedError

    def _typo_ids(self, query: SearchQuery) -> list[int]:
        """Ids of popular or held projects whose names may be a typo of the query."""
        raise NotImplementedError

    # -- shared by the backends ---------------------------------------------------------------

    def _typo_key_ids(self, query: SearchQuery) -> list[int] | None:
        """Ids sharing a one-deletion key with the query (``search_typos``), or None when the
        query is too short for any typo to be tolerated."""
        if not max_typo_distance(query.squashed):
            return None
        keys = sorted(typo_keys(query.squashed))
        marks = ", ".join("?" * len(keys))
        rows = self._db.execute(
            f"SELECT DISTINCT id FROM search_typos WHERE key IN ({marks})", keys
        ).fetchall()
        return [r[0] for r in rows]

    # -- reads --------------------------------------------------------------------------------

    def listing_entry(self, name: str) -> ListingEntry | None:
        found = self._entries([name])
        return found[0] if found else None

    def latest_releases(self, limit: int) -> list[tuple[str, str, str, datetime]]:
        rows = self._db.execute(
            "SELECT r.project, p.display_name, r.version, r.created FROM releases r "
            "JOIN projects p ON p.name = r.project ORDER BY r.created DESC, r.project LIMIT ?",
            (limit,),
        )
        return [(r[0], r[1], r[2], datetime.fromisoformat(r[3])) for r in rows]

    def search(self, query: SearchQuery, offset: int = 0, limit: int = 20) -> SearchResults:
        if query.empty:
            return SearchResults((), 0)
        found: dict[int, Candidate] = {}
        more = False

        def candidate(row_id: int) -> Candidate:
            c = found.get(row_id)
            if c is None:
                c = found[row_id] = Candidate(row_id, "")
            return c

        def matches(kind: str, bound: int) -> list[int]:
            nonlocal more
            ids = self._matches(kind, query, bound)
            if len(ids) > bound:
                more = True
            return ids[:bound]

        for row_id in self._by_name(query, exact=True):
            candidate(row_id).exact = True
        for row_id in self._by_name(query, exact=False):
            candidate(row_id).prefix = True
        for row_id in matches("commands", COMMAND_CANDIDATES):
            candidate(row_id).command = True
        for row_id in matches("name_words", NAME_WORD_CANDIDATES):
            candidate(row_id).name_words = True
        text = matches("all_words", TEXT_CANDIDATES)
        for row_id in text:
            candidate(row_id).text = True
        if len(text) < limit + offset:
            for row_id in matches("any_word", ANY_WORD_CANDIDATES):
                candidate(row_id).any_word = True
        typo_ids = self._typo_ids(query)
        for row_id in typo_ids:
            candidate(row_id)
        self._describe(found)
        for row_id in typo_ids:
            c = found[row_id]
            c.distance = typo_distance(query, c.name)
            if c.distance is None and not (c.matched or c.any_word):
                del found[row_id]
        ranked = rank(query, [c for c in found.values() if c.name])
        page = ranked[offset : offset + limit]
        return SearchResults(tuple(self._entries([c.name for c in page])), len(ranked), more)

    def _by_name(self, query: SearchQuery, exact: bool) -> list[int]:
        """Ids of names equal to the query (separators aside), or starting with it: popular
        ones first, most downloaded first, then the rest in name order."""
        if not query.squashed:
            return []
        db, table = self._db, self.SEARCH_TABLE
        if exact:
            rows = db.execute(
                f"SELECT id FROM {table} WHERE squashed = ? ORDER BY id LIMIT ?",
                (query.squashed, EXACT_CANDIDATES),
            )
            return [r[0] for r in rows]
        low, high = query.prefix_range()
        popular = db.execute(
            f"SELECT id FROM {table} {self.POPULAR_INDEX} WHERE popularity IS NOT NULL "
            "AND squashed > ? AND squashed < ? ORDER BY id LIMIT ?",
            (low, high, PREFIX_CANDIDATES),
        ).fetchall()
        rest = db.execute(
            f"SELECT id FROM {table} WHERE squashed > ? AND squashed < ? "
            "AND popularity IS NULL ORDER BY squashed LIMIT ?",
            (low, high, PREFIX_CANDIDATES - len(popular)),
        ).fetchall()
        return [r[0] for r in popular + rest]

    def _describe(self, found: dict[int, Candidate]) -> None:
        ids = list(found)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._db.execute(
                f"SELECT id, project, popularity FROM {self.SEARCH_TABLE} "
                f"WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for row_id, name, popularity in rows:
                c = found[row_id]
                c.name, c.popularity = name, popularity

    def _entries(self, names: list[str]) -> list[ListingEntry]:
        if not names:
            return []
        marks = ", ".join("?" * len(names))
        rows = self._db.execute(
            f"SELECT {LISTING_COLUMNS} FROM projects WHERE name IN ({marks})", names
        )
        by_name = {row[0]: listing_entry(row) for row in rows}
        return [by_name[n] for n in names if n in by_name]
