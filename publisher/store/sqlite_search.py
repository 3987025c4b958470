"""Search in the SQLite store: FTS5 indexes kept in step with ``projects``, and the listing.

The indexes (schema version 2, ``publisher.store.sqlite_schema``) follow every write to
``projects`` through triggers, in the writing transaction. Candidates are read in search-id
order (most downloaded first, then most recently released) with a bound per kind of match,
so a common word costs the same as a rare one; ``publisher.search.ranking`` orders them.
Bulk imports switch the triggers off, write, and rebuild the indexes once, in the same
transaction, so no reader ever sees a half-indexed catalogue.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path

from publisher.search.query import SearchQuery, squash
from publisher.search.ranking import (
    Candidate,
    max_typo_distance,
    rank,
    typo_distance,
    typo_keys,
)
from publisher.store.base import ListingEntry, SearchResults

__all__ = ["SQLiteSearch"]

# Bounds on candidates per kind of match, read in search order (most downloaded first):
# what a person pages through, at a cost that does not grow with the catalogue.
EXACT_CANDIDATES = 20
COMMAND_CANDIDATES = 20
PREFIX_CANDIDATES = 60
NAME_WORD_CANDIDATES = 60
TEXT_CANDIDATES = 120
ANY_WORD_CANDIDATES = 60
IMPORT_BATCH = 10_000
IMPORT_CACHE_KIB = 256 * 1024
# Tables a catalogue snapshot keeps (with the search index's own tables): public facts only,
# so a table added later (tokens, say) never leaks into a dump unless named here.
CATALOGUE_TABLES = frozenset(
    {"projects", "releases", "release_extras", "files", "file_tags", "store_meta", "schema_version",
     "search_ids",
     "search_typos"}
)  # fmt: skip
_LISTING_COLUMNS = (
    "name, display_name, summary, latest_version, latest_upload, requires_python, popularity, "
    "keywords, commands"
)


def _entry(row: tuple) -> ListingEntry:
    return ListingEntry(*row[:8], tuple(row[8].split()) if row[8] else ())


class SQLiteSearch:
    """The search, listing and catalogue-snapshot part of ``SQLiteStore``."""

    _db: sqlite3.Connection

    def _bump_changes(self) -> None:  # provided by SQLiteStore
        raise NotImplementedError

    # -- reads --------------------------------------------------------------------------------

    def iter_listing(self) -> Iterator[ListingEntry]:
        cursor = self._db.execute(f"SELECT {_LISTING_COLUMNS} FROM projects ORDER BY name")
        while rows := cursor.fetchmany(4096):
            yield from map(_entry, rows)

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

        def matches(table: str, expression: str | None, bound: int) -> list[int]:
            nonlocal more
            if expression is None:
                return []
            rows = self._db.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid LIMIT ?",
                (expression, bound + 1),
            ).fetchall()
            if len(rows) > bound:
                more = True
            return [r[0] for r in rows[:bound]]

        for row_id in self._by_name(query, exact=True):
            candidate(row_id).exact = True
        for row_id in self._by_name(query, exact=False):
            candidate(row_id).prefix = True
        for row_id in matches("search_names", query.commands(), COMMAND_CANDIDATES):
            candidate(row_id).command = True
        for row_id in matches("search_names", query.name_words(), NAME_WORD_CANDIDATES):
            candidate(row_id).name_words = True
        text = matches("search_text", query.all_words(), TEXT_CANDIDATES)
        for row_id in text:
            candidate(row_id).text = True
        if len(text) < limit + offset:
            for row_id in matches("search_text", query.any_word(), ANY_WORD_CANDIDATES):
                candidate(row_id).any_word = True
        typo_ids = [i for i in self._typo_ids(query)]
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
        db = self._db
        if exact:
            rows = db.execute(
                "SELECT id FROM search_ids WHERE squashed = ? ORDER BY id LIMIT ?",
                (query.squashed, EXACT_CANDIDATES),
            )
            return [r[0] for r in rows]
        low, high = query.prefix_range()
        popular = db.execute(
            "SELECT id FROM search_ids INDEXED BY search_ids_popular WHERE popularity IS NOT NULL "
            "AND squashed > ? AND squashed < ? ORDER BY id LIMIT ?",
            (low, high, PREFIX_CANDIDATES),
        ).fetchall()
        rest = db.execute(
            "SELECT id FROM search_ids WHERE squashed > ? AND squashed < ? "
            "AND popularity IS NULL ORDER BY squashed LIMIT ?",
            (low, high, PREFIX_CANDIDATES - len(popular)),
        ).fetchall()
        return [r[0] for r in popular + rest]

    def _typo_ids(self, query: SearchQuery) -> list[int]:
        if not max_typo_distance(query.squashed):
            return []
        keys = sorted(typo_keys(query.squashed))
        marks = ", ".join("?" * len(keys))
        rows = self._db.execute(
            f"SELECT DISTINCT id FROM search_typos WHERE key IN ({marks})", keys
        ).fetchall()
        return [r[0] for r in rows]

    def _describe(self, found: dict[int, Candidate]) -> None:
        ids = list(found)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._db.execute(
                f"SELECT id, project, popularity FROM search_ids "
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
            f"SELECT {_LISTING_COLUMNS} FROM projects WHERE name IN ({marks})", names
        )
        by_name = {row[0]: _entry(row) for row in rows}
        return [by_name[n] for n in names if n in by_name]

    # -- writes -------------------------------------------------------------------------------

    @staticmethod
    def _index_typos(db: sqlite3.Connection, names: Iterable[str]) -> None:
        """Add the typo keys of projects (popular or held here) to ``search_typos``."""
        for name in names:
            row = db.execute("SELECT id FROM search_ids WHERE project = ?", (name,)).fetchone()
            if row is None:
                continue
            db.executemany(
                "INSERT OR IGNORE INTO search_typos (key, id) VALUES (?, ?)",
                [(key, row[0]) for key in typo_keys(squash(name))],
            )

    def import_listing(
        self, entries: Iterable[ListingEntry], on_progress: Callable[[int], None] | None = None
    ) -> int:
        db = self._db
        # A large page cache for the bulk write: index builds touch each page once, not
        # once per row. The connection's usual size comes back afterwards.
        (usual,) = db.execute("PRAGMA cache_size").fetchone()
        db.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("UPDATE store_meta SET value = 1 WHERE key = 'search_deferred'")
            db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
            generation = db.execute(
                "SELECT value FROM store_meta WHERE key = 'generation'"
            ).fetchone()[0]
            now = datetime.now().astimezone().isoformat()
            held = "EXISTS (SELECT 1 FROM releases r WHERE r.project = projects.name)"
            keep = ", ".join(
                f"{col} = CASE WHEN {held} THEN projects.{col} ELSE excluded.{col} END"
                for col in ("display_name", "summary", "latest_version", "latest_upload",
                            "requires_python", "keywords", "commands")
            )  # fmt: skip
            upsert = (
                "INSERT INTO projects (name, display_name, summary, latest_version, "
                "latest_upload, requires_python, popularity, keywords, commands, generation, "
                "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE "
                f"SET popularity = excluded.popularity, generation = excluded.generation, {keep}"
            )
            count = 0
            iterator = iter(entries)
            while batch := list(islice(iterator, IMPORT_BATCH)):
                db.executemany(
                    upsert,
                    [
                        (e.name, e.display_name, e.summary, e.latest_version, e.latest_upload,
                         e.requires_python, e.popularity, e.keywords,
                         " ".join(e.commands) or None, generation, now)
                        for e in batch
                    ],
                )  # fmt: skip
                count += len(batch)
                if on_progress:
                    on_progress(count)
            self._rebuild_search(db)
            db.execute("UPDATE store_meta SET value = 0 WHERE key = 'search_deferred'")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.execute(f"PRAGMA cache_size = {usual}")
        self._bump_changes()
        return count

    def _rebuild_search(self, db: sqlite3.Connection) -> None:
        """Number projects in search order and rebuild every search index from scratch."""
        db.execute("DELETE FROM search_typos")
        db.execute("DELETE FROM search_ids")
        db.execute(
            "INSERT INTO search_ids (project, squashed, popularity) "
            "SELECT name, replace(name, '-', ''), popularity FROM projects "
            "ORDER BY popularity IS NULL, popularity, latest_upload IS NULL, latest_upload DESC, "
            "name"
        )
        db.execute("INSERT INTO search_names (search_names) VALUES ('rebuild')")
        db.execute("INSERT INTO search_text (search_text) VALUES ('rebuild')")
        rows = db.execute(
            "SELECT id, project FROM search_ids WHERE popularity IS NOT NULL "
            "OR project IN (SELECT project FROM releases)"
        ).fetchall()
        db.executemany(
            "INSERT OR IGNORE INTO search_typos (key, id) VALUES (?, ?)",
            ((key, row_id) for row_id, name in rows for key in typo_keys(squash(name))),
        )

    def snapshot_catalogue(self, target: Path) -> None:
        target = Path(target)
        partial = target.with_name(f".{target.name}.partial")
        partial.unlink(missing_ok=True)
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            self._db.backup(copy)  # one read transaction: a consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")
            tables = [
                r[0] for r in copy.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
            ]
            for table in tables:
                kept = table in CATALOGUE_TABLES or table.startswith(("search_", "sqlite_"))
                if not kept:
                    copy.execute(f'DROP TABLE "{table}"')
            copy.execute("UPDATE files SET metadata_bytes = NULL")
            copy.execute("VACUUM")
        finally:
            copy.close()
        os.replace(partial, target)
