"""The embedded default store: SQLite in WAL mode, one transaction per ingested file.

The behaviour is ``publisher.store.sql`` (shared with PostgreSQL); this module provides the
connections, the transactions and the change counter. The schema and its migrations are in
``publisher.store.schema``. Opened read-only, the store needs read access to the database
alone: connections use ``mode=ro`` (and ``immutable=1`` when SQLite cannot create the WAL
index beside a read-only database), the schema is checked rather than migrated, and the
change counter is mapped read-only.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from publisher.store.base import SCHEMA_VERSION, StoreError, StoreMissing, StoreReadOnly
from publisher.store.changes import ChangeCounter
from publisher.store.sql import FILE_COLUMNS, SQLStore, file_row
from publisher.store.sqlite_schema import MIGRATIONS
from publisher.store.sqlite_search import SQLiteSearch

__all__ = ["FILE_COLUMNS", "SQLiteStore", "file_row"]


class SQLiteStore(SQLiteSearch, SQLStore):
    """A ``Store`` in one SQLite file. Connections are per thread; writes serialise in SQLite.

    Search, the catalogue listing and snapshots live in ``SQLiteSearch`` (FTS5)."""

    def __init__(self, path: Path, read_only: bool = False, create: bool = True) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.read_only = read_only
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._immutable = False
        if not self.path.exists() and (read_only or not create):
            raise StoreMissing(f"no index at {self.path}")
        if self.path.exists() and not self.path.is_file():
            raise StoreError(f"{self.path}: not an ldindex database (not a file)")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._generation: tuple[int, int] | None = None
        try:
            self._check_schema() if read_only else self._migrate()
        except sqlite3.OperationalError as exc:
            self.close()
            if not read_only and ("readonly" in str(exc) or "unable to open" in str(exc)):
                raise StoreReadOnly(f"{self.path}: no write access ({exc})") from exc
            raise StoreError(f"{self.path}: cannot read the database ({exc})") from exc
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"{self.path}: not an ldindex database ({exc})") from exc
        # only beside a database known to be one
        counter = self.path.with_name(f"{self.path.name}-changes")
        try:
            self._changes = ChangeCounter(counter, read_only=read_only)
        except PermissionError as exc:
            self.close()
            raise StoreReadOnly(f"{self.path}: no write access ({counter})") from exc

    def _where(self) -> str:
        return str(self.path)

    # -- connections and schema -------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._connect_read_only() if self.read_only else self._connect()
            with self._connections_lock:
                self._connections.append(db)
            self._local.db = db
        return db

    @property
    def _primary(self) -> sqlite3.Connection:
        return self._db  # one file: there is no replica to avoid

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def _connect_read_only(self) -> sqlite3.Connection:
        while True:
            flags = "mode=ro&immutable=1" if self._immutable else "mode=ro"
            uri = f"file:{quote(str(self.path.resolve()))}?{flags}"
            db = sqlite3.connect(
                uri, uri=True, isolation_level=None, timeout=30.0, check_same_thread=False
            )
            try:
                db.execute("PRAGMA query_only=ON")
                db.execute("SELECT count(*) FROM sqlite_schema").fetchone()
                return db
            except sqlite3.OperationalError:
                db.close()
                if self._immutable:
                    raise
                # A WAL database in a directory this user cannot write: SQLite cannot make
                # its shared-memory index, so read the file as it stands.
                self._immutable = True

    def _check_schema(self) -> None:
        """Refuse, without writing, a database this version cannot read as it stands."""
        db = self._db
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
        if "schema_version" not in tables:
            raise StoreError(f"{self.path}: not an ldindex database (no schema version)")
        current = db.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this ldindex "
                f"understands ({SCHEMA_VERSION}); upgrade ldindex"
            )
        if current < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {current} needs upgrading to {SCHEMA_VERSION}, "
                "which needs write access (run ldindex ingest once)"
            )

    def close(self) -> None:
        """Close every thread's connection (each thread uses its own while open)."""
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    def _migrate(self) -> None:
        db = self._db
        # A migration may rebuild a table others reference, which SQLite allows only with
        # foreign keys off (they cannot be switched inside a transaction); they are checked
        # whole before COMMIT instead.
        db.execute("PRAGMA foreign_keys=OFF")
        try:
            self._run_migrations(db)
        finally:
            db.execute("PRAGMA foreign_keys=ON")

    def _run_migrations(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: schema version {current} is newer than this ldindex "
                    f"understands ({SCHEMA_VERSION}); upgrade ldindex"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[version](db)
                db.execute("INSERT INTO schema_version VALUES (?)", (version,))
            if broken := db.execute("PRAGMA foreign_key_check").fetchall():
                raise StoreError(f"{self.path}: the upgrade broke references: {broken[:5]}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- transactions and the generation ----------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE (the database's write lock, taken at once) … COMMIT, rolled back
        on any error; the change counter moves after a successful COMMIT, before the write
        returns."""
        self._writable()
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        self._bump_changes()

    def _bump_changes(self) -> None:
        """Tell every reader a write landed: after COMMIT, before it is acknowledged."""
        self._changes.bump()

    def _store_generation(self) -> int:
        # The shared change counter moves with every committed write: while it stands
        # still, the generation read last time still holds, without a query.
        hint = self._changes.read()
        cached = self._generation
        if cached is not None and cached[0] == hint:
            return cached[1]
        found = self._read_generation(self._db)
        self._generation = (hint, found)
        return found

    # -- whole-database copies (publisher.store.copy) -------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[_SQLiteSnapshot]:
        db = self._connect_read_only()
        try:
            db.execute("BEGIN")  # one read transaction: every table as of the first read
            db.execute("SELECT count(*) FROM sqlite_schema").fetchone()
            yield _SQLiteSnapshot(db)
        finally:
            db.close()

    def _columns(self, db: sqlite3.Connection, table: str) -> list[str]:
        return _table_columns(db, table)

    def _load(
        self, db: sqlite3.Connection, table: str, columns: list[str], rows: list[tuple]
    ) -> None:
        marks = ", ".join("?" * len(columns))
        db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def _after_load(self, db: sqlite3.Connection) -> None:
        if broken := db.execute("PRAGMA foreign_key_check").fetchall():
            raise StoreError(f"{self.path}: the copy broke references: {broken[:5]}")
        self._rebuild_search(db)
        db.execute("UPDATE store_meta SET value = 0 WHERE key = 'search_deferred'")


def _table_columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


class _SQLiteSnapshot:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def tables(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT name FROM sqlite_schema WHERE type='table'")}

    def columns(self, table: str) -> list[str]:
        return _table_columns(self._db, table)

    def count(self, table: str) -> int:
        return self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def rows(self, table: str, columns: list[str]) -> Iterator[tuple]:
        yield from self._db.execute(f"SELECT {', '.join(columns)} FROM {table}")
