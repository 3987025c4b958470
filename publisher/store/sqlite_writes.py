"""What every SQLite write shares: one IMMEDIATE transaction, the generation bump, targets.

A write takes the database's write lock at BEGIN (``BEGIN IMMEDIATE``), so a read-check-write
sequence inside it cannot interleave with another writer's: that is what makes optimistic
concurrency (If-Match) and "no lost update" hold across threads and processes. The store-wide
generation counter and the written project's generation move in the same transaction, and the
shared change counter after COMMIT, before the write returns, so every cached rendering of
that project in every worker is stale from that moment on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from crosswalk.records import Target
from publisher.store.base import TargetNotFound

__all__ = ["bump_generation", "check_target", "now", "write_transaction"]


def bump_generation(db: sqlite3.Connection, project: str) -> None:
    """Move the store-wide counter and stamp the project with it (inside a transaction)."""
    db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
    db.execute(
        "UPDATE projects SET generation = "
        "(SELECT value FROM store_meta WHERE key = 'generation') WHERE name = ?",
        (project,),
    )


@contextmanager
def write_transaction(store: Any) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error; the change counter is bumped
    only after a successful COMMIT."""
    db = store._db
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    store._changes.bump()


def now() -> datetime:
    return datetime.now(UTC)


def check_target(db: sqlite3.Connection, target: Target) -> None:
    """Raise ``TargetNotFound`` unless the project, release or file exists (and the file
    belongs to that release)."""
    if db.execute("SELECT 1 FROM projects WHERE name = ?", (target.project,)).fetchone() is None:
        raise TargetNotFound(f"no project named {target.project!r}")
    if target.version is None:
        return
    release = db.execute(
        "SELECT 1 FROM releases WHERE project = ? AND version = ?",
        (target.project, target.version),
    ).fetchone()
    if release is None:
        raise TargetNotFound(f"{target.project} has no release {target.version!r}")
    if target.filename is None:
        return
    found = db.execute(
        "SELECT 1 FROM files WHERE filename = ? AND project = ? AND version = ?",
        (target.filename, target.project, target.version),
    ).fetchone()
    if found is None:
        raise TargetNotFound(
            f"{target.project} {target.version} has no file named {target.filename!r}"
        )
