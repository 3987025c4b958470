"""Search in the SQLite store: FTS5 indexes kept in step with ``projects``, and the listing.

The indexes (schema version 6, ``publisher.store.schema``) follow every write to
``projects`` through triggers, in the writing transaction. ``publisher.store.sql_search``
gathers and ranks candidates as on every backend; this module answers its full-text lookups
(FTS5 ``MATCH``, read in rowid, that is search-id, order) and typo candidates (one-deletion
keys). Bulk imports switch the triggers off, write, and rebuild the indexes once, in the
same transaction, so no reader ever sees a half-indexed catalogue.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path

from publisher.search.query import SearchQuery, squash
from publisher.search.ranking import typo_keys
from publisher.store.base import ListingEntry
from publisher.store.sql_search import LISTING_COLUMNS, LISTING_UPSERT, SearchMixin, listing_entry

__all__ = ["SQLiteSearch"]

IMPORT_BATCH = 10_000
IMPORT_CACHE_KIB = 256 * 1024
# Tables a catalogue snapshot keeps (with the search index's own tables): public facts only,
# so a table added later (tokens, say) never leaks into a dump unless named here.
CATALOGUE_TABLES = frozenset(
    {"projects", "releases", "release_extras", "files", "file_tags", "store_meta", "schema_version",
     "search_ids",
     "search_typos"}
)  # fmt: skip


class SQLiteSearch(SearchMixin):
    """The search, listing and catalogue-snapshot part of ``SQLiteStore``."""

    SEARCH_TABLE = "search_ids"
    POPULAR_INDEX = "INDEXED BY search_ids_popular"

    _db: sqlite3.Connection

    def _bump_changes(self) -> None:  # provided by SQLiteStore
        raise NotImplementedError

    # -- reads --------------------------------------------------------------------------------

    def iter_listing(self) -> Iterator[ListingEntry]:
        cursor = self._db.execute(f"SELECT {LISTING_COLUMNS} FROM projects ORDER BY name")
        while rows := cursor.fetchmany(4096):
            yield from map(listing_entry, rows)

    def _matches(self, kind: str, query: SearchQuery, bound: int) -> list[int]:
        table, expression = {
            "commands": ("search_names", query.commands()),
            "name_words": ("search_names", query.name_words()),
            "all_words": ("search_text", query.all_words()),
            "any_word": ("search_text", query.any_word()),
        }[kind]
        if expression is None:
            return []
        rows = self._db.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid LIMIT ?",
            (expression, bound + 1),
        )
        return [r[0] for r in rows]

    def _typo_ids(self, query: SearchQuery) -> list[int]:
        return self._typo_key_ids(query) or []

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
            upsert = (
                f"INSERT INTO projects ({LISTING_COLUMNS}, generation, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                f"ON CONFLICT(name) DO UPDATE SET {LISTING_UPSERT}"
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
            copy.execute("UPDATE files SET metadata_bytes = NULL")
            keep_only_catalogue(copy)
        finally:
            copy.close()
        os.replace(partial, target)


def keep_only_catalogue(db: sqlite3.Connection) -> None:
    """Make a copy of a database the public catalogue file: its catalogue tables and search
    index only, in one self-contained file (no WAL), compacted."""
    db.execute("PRAGMA journal_mode=DELETE")
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
    for table in tables:
        if table not in CATALOGUE_TABLES and not table.startswith(("search_", "sqlite_")):
            db.execute(f'DROP TABLE "{table}"')
    db.execute("VACUUM")
