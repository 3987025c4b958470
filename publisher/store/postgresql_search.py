"""Search in the PostgreSQL store: ``tsvector`` indexes and trigram nearness, same ranking.

``search_index`` (schema version 6, ``publisher.store.schema``) holds one row per project
with its search id, squashed name, popularity and two ``tsvector`` columns, kept in step with
``projects`` by a trigger in the writing transaction. ``publisher.store.sql_search`` gathers
candidates and ranks them as on SQLite; this module answers its lookups:

- full text: ``names @@ 'word':A`` (name words), ``names @@ 'word':B`` (commands), ``text @@
  'w1' & 'w2'`` (all words) or ``|`` (any word), the query's words quoted into a
  ``tsquery`` (they are letters and digits only: ``publisher.search.query``). Matches are
  taken from the GIN index window by window of search ids (the most downloaded first) and
  sorted, stopping once a window has given enough: a word's cost grows with the projects it
  matches (a few milliseconds for most words at PyPI's size), where FTS5, read in rowid
  order, stops at the bound whatever the word;
- typos: the popular or held names that share a one-deletion key with the query (the
  ``search_typos`` table SQLite has too), and the nearest such names by trigram distance
  (``pg_trgm``'s ``<->`` on a GiST index), which ``typo_distance`` then keeps or drops as it
  does on SQLite. So PostgreSQL finds every typo SQLite finds, and also names within the same
  edit distance that no single deletion reaches (``reqeusts`` → ``grequests``: an insertion
  and a transposition); everything else reads the same on both.

A listing import writes every row through a temporary table and ``COPY``, then renumbers
the whole index in search order, all in one transaction under the write lock: readers see
the old catalogue until the new one commits whole.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from publisher.search.query import SearchQuery
from publisher.store.base import ListingEntry
from publisher.store.schema import TYPO_KEYS
from publisher.store.sql_search import (
    LISTING_COLUMNS,
    LISTING_FIELDS,
    LISTING_UPSERT,
    SearchMixin,
    listing_entry,
)

__all__ = ["PostgreSQLSearch"]

# Search ids read per window: the popular head first, then ever wider stretches.
WINDOWS = ((0, 20_000), (20_000, 200_000), (200_000, None))
TYPO_CANDIDATES = 40  # nearest popular or held names looked at for a typo
IMPORT_BATCH = 10_000
_COLUMNS = {"commands": "names", "name_words": "names", "all_words": "text", "any_word": "text"}


def tsquery(kind: str, query: SearchQuery) -> str | None:
    """The ``tsquery`` text of one kind of match (None when the query has nothing for it)."""
    words = [f"'{w}'" for w in query.words]
    if kind == "commands":
        return f"'{query.squashed}':B" if query.squashed else None
    if kind == "name_words":
        return " & ".join(f"{w}:A" for w in words) or None
    if kind == "all_words":
        return " & ".join(words) or None
    if kind == "any_word":
        return " | ".join(words) if len(words) >= 2 else None
    raise ValueError(f"unknown kind of match {kind!r}")


class PostgreSQLSearch(SearchMixin):
    """The search, listing and catalogue-snapshot part of ``PostgreSQLStore``."""

    SEARCH_TABLE = "search_index"
    POPULAR_INDEX = ""

    _db: Any

    def _transaction(self) -> Any:  # provided by PostgreSQLStore
        raise NotImplementedError

    def _stream(self, sql: str, params: tuple = ()) -> Iterator[tuple]:  # idem
        raise NotImplementedError

    # -- reads --------------------------------------------------------------------------------

    def iter_listing(self) -> Iterator[ListingEntry]:
        yield from map(
            listing_entry, self._stream(f"SELECT {LISTING_COLUMNS} FROM projects ORDER BY name")
        )

    def _matches(self, kind: str, query: SearchQuery, bound: int) -> list[int]:
        expression = tsquery(kind, query)
        if expression is None:
            return []
        column = _COLUMNS[kind]
        found: list[int] = []
        for low, high in WINDOWS:
            upper = "" if high is None else f" AND id < {high}"
            # Matches come from the GIN index and are sorted after: ``id + 0`` hides the id
            # order from the planner, which would otherwise walk the id index for a rare
            # word, testing every row past the window's start (hundreds of milliseconds at
            # PyPI's size, against a few for the index).
            rows = self._db.execute(
                f"SELECT id FROM search_index WHERE {column} @@ ?::tsquery AND id >= ?{upper} "
                "ORDER BY id + 0 LIMIT ?",
                (expression, low, bound + 1 - len(found)),
            )
            found.extend(r[0] for r in rows)
            if len(found) > bound:
                break
        return found

    def _typo_ids(self, query: SearchQuery) -> list[int]:
        shared = self._typo_key_ids(query)
        if shared is None:
            return []
        near = self._db.execute(
            "SELECT id FROM search_index WHERE typo_target ORDER BY squashed <-> ? LIMIT ?",
            (query.squashed, TYPO_CANDIDATES),
        )
        return list(dict.fromkeys([*shared, *(r[0] for r in near)]))

    # -- writes -------------------------------------------------------------------------------

    @staticmethod
    def _index_typos(db: Any, names: Iterable[str]) -> None:
        """Make projects held here typo targets: their names join the trigram index and
        their one-deletion keys ``search_typos``."""
        wanted = list(names)
        if wanted:
            marks = ", ".join("?" * len(wanted))
            where = f"project IN ({marks}) AND NOT typo_target"
            db.execute(TYPO_KEYS.format(where=where), [*wanted, *wanted])
            db.execute(f"UPDATE search_index SET typo_target = true WHERE {where}", wanted)

    def import_listing(
        self, entries: Iterable[ListingEntry], on_progress: Callable[[int], None] | None = None
    ) -> int:
        self._writable()  # type: ignore[attr-defined]
        with self._transaction() as db:
            conn = db.connection
            db.execute("UPDATE store_meta SET value = 1 WHERE key = 'search_deferred'")
            db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
            generation = db.execute(
                "SELECT value FROM store_meta WHERE key = 'generation'"
            ).fetchone()[0]
            conn.execute(
                "CREATE TEMPORARY TABLE listing_import (line BIGINT, name TEXT, display_name TEXT, "
                "summary TEXT, latest_version TEXT, latest_upload TEXT, requires_python TEXT, "
                "popularity BIGINT, keywords TEXT, commands TEXT) ON COMMIT DROP"
            )
            count = 0
            iterator = iter(entries)
            with conn.cursor() as cursor:
                while batch := list(islice(iterator, IMPORT_BATCH)):
                    columns = ", ".join(("line", *LISTING_FIELDS))
                    with cursor.copy(f"COPY listing_import ({columns}) FROM STDIN") as copy:
                        for offset, e in enumerate(batch):
                            copy.write_row(
                                (count + offset, e.name, e.display_name, e.summary,
                                 e.latest_version, e.latest_upload, e.requires_python,
                                 e.popularity, e.keywords, " ".join(e.commands) or None)
                            )  # fmt: skip
                    count += len(batch)
                    if on_progress:
                        on_progress(count)
            now = datetime.now().astimezone().isoformat()
            # the last line naming a project wins, as one row after another would
            conn.execute(
                f"INSERT INTO projects ({LISTING_COLUMNS}, generation, created) "
                f"SELECT DISTINCT ON (name) {LISTING_COLUMNS}, %s, %s "
                "FROM listing_import ORDER BY name, line DESC "
                f"ON CONFLICT (name) DO UPDATE SET {LISTING_UPSERT}",
                (generation, now),
            )
            self._rebuild_search(db)
            db.execute("UPDATE store_meta SET value = 0 WHERE key = 'search_deferred'")
        return count

    @staticmethod
    def _rebuild_search(db: Any) -> None:
        """Number every project in search order and index it afresh (inside a transaction:
        readers keep the old index until COMMIT)."""
        db.execute("DELETE FROM search_typos")
        db.execute("DELETE FROM search_index")
        db.execute(
            "INSERT INTO search_index (id, project, squashed, popularity, typo_target, names, "
            "text) SELECT row_number() OVER (ORDER BY popularity IS NULL, popularity, "
            "latest_upload IS NULL, latest_upload DESC, name), name, replace(name, '-', ''), "
            "popularity, popularity IS NOT NULL OR EXISTS (SELECT 1 FROM releases r "
            "WHERE r.project = p.name), ldindex_names(name, commands), "
            "ldindex_text(name, summary, keywords, commands) FROM projects p"
        )
        db.execute(
            "SELECT setval('search_index_id', "
            "(SELECT coalesce(max(id), 0) + 1 FROM search_index), false)"
        )
        db.execute(TYPO_KEYS.format(where="typo_target"))

    def snapshot_catalogue(self, target: Path) -> None:
        """The public catalogue as a SQLite file (what ``/_/dump/`` serves), copied from one
        snapshot of the database, its search index built in SQLite."""
        from publisher.store.sqlite import SQLiteStore
        from publisher.store.sqlite_search import keep_only_catalogue

        target = Path(target)
        partial = target.with_name(f".{target.name}.partial")
        for leftover in partial.parent.glob(f"{partial.name}*"):
            leftover.unlink()
        copy = SQLiteStore(partial)
        try:
            with self.snapshot() as snapshot, copy._transaction() as db:  # type: ignore[attr-defined]
                db.execute("UPDATE store_meta SET value = 1 WHERE key = 'search_deferred'")
                db.execute("DELETE FROM store_meta WHERE key = 'generation'")
                for table in ("store_meta", "projects", "releases", "release_extras", "files",
                              "file_tags"):  # fmt: skip
                    columns = [c for c in snapshot.columns(table) if c != "metadata_bytes"]
                    if table == "store_meta":
                        rows: Iterator[tuple] = (
                            r for r in snapshot.rows(table, columns) if r[0] == "generation"
                        )
                    else:
                        rows = snapshot.rows(table, columns)
                    while batch := list(islice(rows, IMPORT_BATCH)):
                        copy._load(db, table, columns, batch)
                copy._rebuild_search(db)
                db.execute("UPDATE store_meta SET value = 0 WHERE key = 'search_deferred'")
            keep_only_catalogue(copy._db)
        finally:
            copy.close()
        for sidecar in partial.parent.glob(f"{partial.name}-*"):
            sidecar.unlink()
        os.replace(partial, target)
