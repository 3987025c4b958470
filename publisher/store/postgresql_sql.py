"""The portable SQL of ``publisher.store.sql`` run through psycopg: placeholders, connections.

``publisher.store.sql`` writes ``?`` placeholders, as SQLite reads them; psycopg reads
``%s`` (and so ``%`` must be doubled), so each statement is translated once and the result
remembered. Two connection shapes serve the shared code, both with the little of the DB-API
it uses (``execute`` returning a cursor-like result, ``executemany``):

- ``Transaction`` wraps the one connection a write transaction holds;
- ``PooledReads`` borrows a connection from a pool for each statement, in autocommit, and
  hands back the rows already fetched, so a connection is never held between statements and
  a pool of a few connections serves every thread of a worker. A statement that fails
  because its connection broke (the server restarted, a network blip) is run once more on a
  fresh connection: a read is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from publisher.store.base import StoreError

__all__ = ["PooledReads", "Rows", "Transaction", "to_psycopg"]


@lru_cache(maxsize=4096)
def to_psycopg(sql: str) -> str:
    """``?`` placeholders as ``%s``, and every literal ``%`` doubled; characters inside quoted
    literals and identifiers are left alone."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
            out.append("%%" if char == "%" else char)
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        else:
            out.append(char)
    return "".join(out)


class Rows:
    """Rows fetched in full, read as from a cursor."""

    __slots__ = ("_position", "_rows", "rowcount")

    def __init__(self, rows: list[tuple], rowcount: int) -> None:
        self._rows = rows
        self._position = 0
        self.rowcount = rowcount

    def fetchone(self) -> tuple | None:
        if self._position >= len(self._rows):
            return None
        self._position += 1
        return self._rows[self._position - 1]

    def fetchmany(self, size: int) -> list[tuple]:
        found = self._rows[self._position : self._position + size]
        self._position += len(found)
        return found

    def fetchall(self) -> list[tuple]:
        found = self._rows[self._position :]
        self._position = len(self._rows)
        return found

    def __iter__(self) -> Iterator[tuple]:
        while (row := self.fetchone()) is not None:
            yield row


class Transaction:
    """The connection of one write transaction, with ``?`` placeholders."""

    __slots__ = ("connection",)

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        try:
            return self.connection.execute(to_psycopg(sql), params)
        except psycopg.DataError as exc:
            # what psycopg refuses to send (a NUL in text) is bad input, said plainly
            raise StoreError(f"cannot store that value: {exc}") from exc

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        rows = list(params)
        if rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(to_psycopg(sql), rows)


class PooledReads:
    """One pooled connection per statement, in autocommit: for reads outside a transaction."""

    __slots__ = ("pool",)

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        query = to_psycopg(sql)
        for attempt in (1, 2):
            conn: psycopg.Connection | None = None
            try:
                with self.pool.connection() as conn:
                    cursor = conn.execute(query, params)
                    rows = cursor.fetchall() if cursor.description is not None else []
                    return Rows(rows, cursor.rowcount)
            except psycopg.OperationalError:
                # a broken connection is discarded by the pool: try once more on another
                if attempt == 2 or conn is None or not _broken(conn):
                    raise
        raise AssertionError("unreachable")

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        raise TypeError("writes run inside a transaction (Store._transaction)")


def _broken(conn: psycopg.Connection) -> bool:
    return conn.closed or conn.broken
