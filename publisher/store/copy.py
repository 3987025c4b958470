"""Copying a whole index from one database to another (``ldindex migrate``): SQLite to
PostgreSQL when one machine is outgrown, PostgreSQL to SQLite for a local copy, or between
two servers.

Every table of the schema (``publisher.store.schema.COPY_ORDER``) is copied row for row,
revisions, administrative events, tokens and the generation counter included, in an order
that respects foreign keys; the search indexes, derived from the projects, are built anew on
the target (SQLite's FTS5 and PostgreSQL's ``tsvector`` indexes differ anyway). The source
is read in one snapshot (one read transaction), so a server may keep writing to it
meanwhile; the target is written in one transaction, so it holds the whole copy or nothing.
Before COMMIT, the row count of every table in the target is compared with the source's; a
difference aborts the copy. The target must be empty (its schema is created if it has none)
and both must be at this ldindex's schema version. Artefact bytes are not in the database:
the file store directory stays where it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from publisher.store.base import StoreError
from publisher.store.schema import COPY_ORDER
from publisher.store.sql import SQLStore

__all__ = ["BATCH", "CopyReport", "copy_index", "total_rows"]

BATCH = 5_000  # rows per round trip
# Rows every new database holds: the target's own are replaced by the source's.
SEEDED = frozenset({"store_meta"})


@dataclass
class CopyReport:
    """Rows copied per table, in copy order."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def copy_index(
    source: SQLStore,
    target: SQLStore,
    on_rows: Callable[[str, int], None] = lambda table, rows: None,
) -> CopyReport:
    """Copy every table of ``source`` into the empty ``target``; ``on_rows(table, n)`` is
    called as rows land. Raises ``StoreError`` (and leaves the target as it was) when the
    target is not empty, a table or column is missing, or a count differs."""
    if target.read_only:
        raise StoreError(f"{target._where()} is open read-only: cannot copy into it")
    report = CopyReport()
    with source.snapshot() as snapshot, target._transaction() as db:
        missing = [t for t in COPY_ORDER if t not in snapshot.tables()]
        if missing:
            raise StoreError(f"{source._where()}: no table {', '.join(missing)}")
        _check_empty(target, db)
        for table in COPY_ORDER:
            columns = snapshot.columns(table)
            wanted = target._columns(db, table)
            if set(columns) != set(wanted):
                raise StoreError(
                    f"table {table}: the source has columns {sorted(columns)}, the target "
                    f"{sorted(wanted)} (are both at the same schema version?)"
                )
            if table in SEEDED:
                db.execute(f"DELETE FROM {table}")
            copied = 0
            rows = snapshot.rows(table, columns)
            while batch := list(islice(rows, BATCH)):
                target._load(db, table, columns, batch)
                copied += len(batch)
                on_rows(table, len(batch))
            report.rows[table] = copied
            if table == "store_meta":  # the search index is built once, after every row
                db.execute("UPDATE store_meta SET value = 1 WHERE key = 'search_deferred'")
        target._after_load(db)  # search rebuilt, search_deferred back to 0
        for table in COPY_ORDER:
            expected = snapshot.count(table)
            found = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if found != expected or report.rows[table] != expected:
                raise StoreError(
                    f"table {table}: {found:,} rows in the target, {expected:,} in the source; "
                    "nothing was copied"
                )
    return report


def total_rows(source: SQLStore) -> int:
    """How many rows a copy of ``source`` moves (for a progress bar)."""
    with source.snapshot() as snapshot:
        return sum(snapshot.count(t) for t in COPY_ORDER if t in snapshot.tables())


def _check_empty(target: SQLStore, db: Any) -> None:
    for table in COPY_ORDER:
        if table in SEEDED:
            continue
        if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise StoreError(
                f"{target._where()} already holds an index (table {table} has rows); "
                "migrate copies into an empty database"
            )
