"""What every write shares: the generation bump, the clock, the check of a target.

A write runs inside the backend's ``_transaction()`` (``publisher.store.sql``), which no other
writer interleaves with, so a read-check-write sequence inside it is atomic: that is what
makes optimistic concurrency (If-Match) and "no lost update" hold across threads, processes
and machines. The store-wide generation counter and the written project's generation move in
the same transaction; every process learns of it by the time the write returns (the change
counter beside a SQLite file, a NOTIFY on PostgreSQL), so every cached rendering of that
project in every worker is stale from that moment on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crosswalk.records import Target
from publisher.store.base import TargetNotFound

__all__ = ["bump_generation", "check_target", "now"]


def bump_generation(db: Any, project: str) -> None:
    """Move the store-wide counter and stamp the project with it (inside a transaction)."""
    db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
    db.execute(
        "UPDATE projects SET generation = "
        "(SELECT value FROM store_meta WHERE key = 'generation') WHERE name = ?",
        (project,),
    )


def now() -> datetime:
    return datetime.now(UTC)


def check_target(db: Any, target: Target) -> None:
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
