"""The store on PostgreSQL: many workers on many machines, one database, read replicas.

``open_store("postgresql://user:password@host/db")`` opens it; the behaviour is the SQL
shared with SQLite (``publisher.store.sql``), so both pass the same contract tests. What is
PostgreSQL's own:

- **Connections**: a psycopg 3 connection pool per process (``LDINDEX_PG_POOL_SIZE``
  connections at most, 10 by default); a read borrows a connection for one statement in
  autocommit, a write holds one for its transaction (``publisher.store.postgresql_sql``).
- **Schema**: created by the first write to an empty database (``ldindex ingest --db
  postgresql://…``), with the ``pg_trgm`` extension, which a database owner may create; an
  older schema is migrated, inside one transaction under an advisory lock so that processes
  starting together migrate once; a schema newer than this ldindex is refused. The database
  itself must exist (``createdb``): creating databases is the administrator's business.
  Opened read-only, the store checks the schema and never writes: its connections run with
  ``default_transaction_read_only``.
- **Writes** serialise on one transaction-scoped advisory lock, as SQLite's ``BEGIN
  IMMEDIATE`` does: a read-check-write inside a transaction cannot interleave with another
  writer's, on any machine. Every write moves the store-wide generation row, so writes
  serialise on that row anyway; the lock makes the checks before it safe too.
- **Change notification**: a trigger NOTIFYs the new generation in the writing transaction;
  each process keeps one listening connection (``publisher.store.postgresql_changes``), so
  ``generation()`` costs no query; a write returns once every listening process has taken
  the new generation, so it is seen by every worker's next request on every machine.
- **Read replicas** (``read_url``, ``--db-read``): reads go to the replica while it has
  replayed at least the generation the primary announced, and to the primary while it lags,
  so no read is older than a write already acknowledged; writes, tokens and the listener use
  the primary.

Messages name the database without its password (``redact_url``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import conninfo as pg_conninfo
from psycopg import errors
from psycopg_pool import ConnectionPool

from publisher.store import redact_url
from publisher.store.base import SCHEMA_VERSION, StoreError, StoreMissing, StoreReadOnly
from publisher.store.postgresql_changes import GenerationListener, await_listeners
from publisher.store.postgresql_search import PostgreSQLSearch
from publisher.store.postgresql_sql import PooledReads, Transaction, to_psycopg
from publisher.store.schema import statements, translate
from publisher.store.sql import SQLStore

__all__ = ["PostgreSQLStore", "libpq_url"]

log = logging.getLogger("ldindex.store")

# Advisory lock keys (per database): one for writes, one for schema migrations.
WRITE_LOCK = 0x6C64_7801
MIGRATION_LOCK = 0x6C64_7802
POOL_SIZE = int(os.environ.get("LDINDEX_PG_POOL_SIZE", "10"))
_GENERATION = "SELECT value FROM store_meta WHERE key = 'generation'"


def libpq_url(url: str) -> str:
    """A URL libpq reads: ``postgresql+psycopg://`` and ``postgres://`` as ``postgresql://``."""
    scheme, rest = url.split(":", 1)
    return f"postgresql:{rest}" if scheme.split("+", 1)[0] in ("postgresql", "postgres") else url


def _conninfo(url: str, read_only: bool, **extra: Any) -> str:
    """Connection parameters: the URL's, plus a name in pg_stat_activity, a connect timeout,
    TCP keepalives (a dead peer is noticed), and read-only transactions when asked."""
    params = pg_conninfo.conninfo_to_dict(libpq_url(url))
    params.setdefault("application_name", "ldindex")
    params.setdefault("connect_timeout", "10")
    for key, value in (
        ("keepalives", "1"),
        ("keepalives_idle", "30"),
        ("keepalives_interval", "10"),
        ("keepalives_count", "3"),
    ):
        params.setdefault(key, value)
    if read_only:
        options = str(params.get("options", ""))
        params["options"] = f"{options} -c default_transaction_read_only=on".strip()
    params.update(extra)
    return pg_conninfo.make_conninfo(**params)


def _reason(exc: BaseException) -> str:
    """The server's own words when it gave any (after libpq's "connection failed: …")."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    first = text.splitlines()[0]
    _, fatal, said = first.partition("FATAL:")
    return " ".join(said.split()) if fatal else first


class PostgreSQLStore(PostgreSQLSearch, SQLStore):
    """A ``Store`` in a PostgreSQL database (and, optionally, its read replica). Search,
    the catalogue listing and snapshots live in ``PostgreSQLSearch``."""

    def __init__(
        self,
        url: str,
        read_only: bool = False,
        create: bool = True,
        read_url: str | None = None,
    ) -> None:
        self.url = url
        self.read_url = read_url
        self.read_only = read_only
        self._local = threading.local()
        self._pools: list[ConnectionPool] = []
        self._listener: GenerationListener | None = None
        self._replica_seen = -1
        self._prepare(create)
        try:
            primary = self._pool(url, "primary")
            self._primary_reads = PooledReads(primary)
            self._replica_reads = (
                PooledReads(self._pool(read_url, "replica")) if read_url is not None else None
            )
            self._listener = GenerationListener(_conninfo(url, read_only), redact_url(url))
            self._listener.start()
        except BaseException:
            self.close()
            raise

    def _where(self) -> str:
        return redact_url(self.url)

    # -- connections --------------------------------------------------------------------------

    def _pool(self, url: str, role: str) -> ConnectionPool:
        pool = ConnectionPool(
            _conninfo(url, self.read_only),
            min_size=1,
            max_size=max(POOL_SIZE, 1),
            kwargs={"autocommit": True},
            name=f"ldindex-{role}",
            open=True,
        )
        self._pools.append(pool)
        return pool

    @property
    def _db(self) -> Any:
        tx = getattr(self._local, "tx", None)
        if tx is not None:
            return tx
        if self._replica_reads is not None and self._replica_current():
            return self._replica_reads
        return self._primary_reads

    @property
    def _primary(self) -> Any:
        tx = getattr(self._local, "tx", None)
        return tx if tx is not None else self._primary_reads

    def _replica_current(self) -> bool:
        """Whether the replica has replayed every write announced so far: asked of the
        replica only while it has not yet shown the latest generation."""
        wanted = self._store_generation()
        if self._replica_seen >= wanted:
            return True
        assert self._replica_reads is not None
        try:
            seen = self._replica_reads.execute(_GENERATION).fetchone()[0]
        except psycopg.Error as exc:
            log.warning(
                "%s: replica unreadable (%s); reading the primary",
                redact_url(self.read_url or ""),
                _reason(exc),
            )
            return False
        self._replica_seen = max(self._replica_seen, seen)
        return seen >= wanted

    def _stream(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        """Rows of a large read, fetched a few thousand at a time through a server-side
        cursor, so nothing but the current batch is held (the whole catalogue, say)."""
        tx = getattr(self._local, "tx", None)
        if tx is not None:
            with tx.connection.cursor(name=f"ldindex_stream_{id(sql)}") as cursor:
                cursor.itersize = 4096
                cursor.execute(to_psycopg(sql), params)
                yield from cursor
            return
        reads = self._db
        with (
            reads.pool.connection() as conn,
            conn.transaction(),
            conn.cursor(name="ldindex_stream") as cursor,
        ):
            cursor.itersize = 4096
            cursor.execute(to_psycopg(sql), params)
            yield from cursor

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for pool in self._pools:
            pool.close()
        self._pools.clear()

    # -- schema ---------------------------------------------------------------------------------

    def _prepare(self, create: bool) -> None:
        """Check the schema, and (when writing) create or migrate it."""
        where = redact_url(self.url)
        try:
            conn = psycopg.connect(_conninfo(self.url, self.read_only), autocommit=True)
        except psycopg.OperationalError as exc:
            reason = _reason(exc)
            if "does not exist" in reason and "database" in reason:
                name = pg_conninfo.conninfo_to_dict(libpq_url(self.url)).get("dbname", "")
                raise StoreMissing(
                    f"{where}: {reason} (ldindex creates the schema in an existing database: "
                    f"create it first, e.g. createdb -O USER {name})"
                ) from exc
            raise StoreError(f"{where}: cannot connect ({reason})") from exc
        with conn:
            current = self._schema_version(conn)
            if current is None and (self.read_only or not create):
                raise StoreMissing(
                    f"no index in {where} (the database holds no ldindex schema; "
                    "ldindex ingest creates it)"
                )
            if current is not None and current > SCHEMA_VERSION:
                raise StoreError(
                    f"{where}: schema version {current} is newer than this ldindex "
                    f"understands ({SCHEMA_VERSION}); upgrade ldindex"
                )
            if current == SCHEMA_VERSION:
                return
            if self.read_only:
                raise StoreError(
                    f"{where}: schema version {current} needs upgrading to {SCHEMA_VERSION}, "
                    "which needs write access (run ldindex ingest once)"
                )
            try:
                self._migrate(conn)
            except errors.InsufficientPrivilege as exc:
                raise StoreReadOnly(
                    f"{where}: this user may not create the schema ({_reason(exc)}); the "
                    "database owner can (the pg_trgm extension included)"
                ) from exc
            except errors.ReadOnlySqlTransaction as exc:
                raise StoreReadOnly(f"{where}: the server is read-only ({_reason(exc)})") from exc

    @staticmethod
    def _schema_version(conn: psycopg.Connection) -> int | None:
        """The schema version, or None when the database holds no ldindex schema."""
        exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
        if not exists:
            return None
        return conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0

    def _migrate(self, conn: psycopg.Connection) -> None:
        """Bring the schema to ``SCHEMA_VERSION`` in one transaction, once however many
        processes try at the same time (the others wait on the lock, then find it done)."""
        where = redact_url(self.url)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(
                translate(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
                    "postgresql",
                )
            )
            current = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{where}: schema version {current} is newer than this ldindex "
                    f"understands ({SCHEMA_VERSION}); upgrade ldindex"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in statements(version, "postgresql"):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        log.info("%s: schema at version %d", where, SCHEMA_VERSION)

    # -- transactions and the generation --------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Transaction]:
        """One write transaction on the primary under the write lock; after COMMIT this
        process knows the new generation at once (the others through NOTIFY)."""
        self._writable()
        if getattr(self._local, "tx", None) is not None:
            raise RuntimeError("write transactions do not nest")
        pool = self._primary_reads.pool
        with pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            tx = self._local.tx = Transaction(conn)
            try:
                yield tx
                generation = conn.execute(_GENERATION).fetchone()[0]
            finally:
                self._local.tx = None
        if self._listener is not None:
            self._listener.saw(generation)
            # the write is acknowledged once every process on every machine has it
            await_listeners(
                lambda sql, args: self._primary_reads.execute(sql, args).fetchall(),
                generation,
                self._listener.backend_pid,
                redact_url(self.url),
            )

    def _store_generation(self) -> int:
        listener = self._listener
        known = listener.current() if listener is not None else None
        if known is not None:
            return known
        return self._read_generation(self._primary)

    # -- whole-database copies (publisher.store.copy) -------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[_PostgreSQLSnapshot]:
        """Every table as of one moment: a REPEATABLE READ, READ ONLY transaction on the
        primary, rows streamed through server-side cursors."""
        with self._primary_reads.pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield _PostgreSQLSnapshot(conn)

    def _columns(self, db: Transaction, table: str) -> list[str]:
        return [name for name, _ in _column_types(db.connection, table)]

    def _load(self, db: Transaction, table: str, columns: list[str], rows: list[tuple]) -> None:
        binary = {n for n, kind in _column_types(db.connection, table) if kind == "bytea"}
        encode = [i for i, name in enumerate(columns) if name in binary]
        with (
            db.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                if encode:  # SQLite may hold text in a BLOB column: bytea takes its UTF-8
                    row = tuple(
                        v.encode() if i in encode and isinstance(v, str) else v
                        for i, v in enumerate(row)
                    )
                copy.write_row(row)

    def _after_load(self, db: Transaction) -> None:
        """Identity columns continue after the highest id copied; the search index is
        built from the projects copied."""
        self._rebuild_search(db)
        db.execute("UPDATE store_meta SET value = 0 WHERE key = 'search_deferred'")
        identities = db.connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'"
        ).fetchall()
        for table, column in identities:
            db.connection.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"coalesce(max({column}), 0) + 1, false) FROM {table}",
                (table, column),
            )


def _column_types(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()


class _PostgreSQLSnapshot:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def tables(self) -> set[str]:
        rows = self._conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        return {r[0] for r in rows}

    def columns(self, table: str) -> list[str]:
        return [name for name, _ in _column_types(self._conn, table)]

    def count(self, table: str) -> int:
        return self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def rows(self, table: str, columns: list[str]) -> Iterator[tuple]:
        with self._conn.cursor(name=f"ldindex_copy_{table}") as cursor:
            cursor.itersize = 5_000
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")
            yield from cursor
