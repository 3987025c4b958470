"""The SQLite side of the schema: each migration of ``publisher.store.schema`` as a function
run on a connection, inside the transaction ``SQLiteStore`` holds for the upgrade.

The schema itself, and what each version adds, is described in ``publisher.store.schema``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from publisher.store.schema import MIGRATIONS as _DEFINITIONS
from publisher.store.schema import statements

__all__ = ["MIGRATIONS"]


def _migration(version: int) -> Callable[[sqlite3.Connection], None]:
    # executescript() would commit the migration's transaction: run statement by statement.
    def run(db: sqlite3.Connection) -> None:
        for statement in statements(version, "sqlite"):
            db.execute(statement)

    return run


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    version: _migration(version) for version in _DEFINITIONS
}
