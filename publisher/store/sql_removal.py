"""Withdrawing files from the index (mixed into ``publisher.store.sql.SQLStore``).

One transaction removes the files (their tags and folder entries with them), the releases
left without files and the projects left without releases, records a ``remove`` event for
each file, and leaves each filename in ``removed_files`` bound to its sha256: a filename
names one set of bytes for good, as on PyPI. The store-wide generation moves once; projects
that remain take it as their generation, and ``removed_files`` carries it for those that
went, so ``changed_since`` names both and every cache and derived graph follows.

Extrinsic items and administrative events are kept as they are, attached by name: nothing
shows an item whose target is gone, its history stays readable through the item API, and it
applies again when the target comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from crosswalk.records import DistributionFile, Target
from publisher.store.base import Author, FilenameReuse
from publisher.store.sql_writes import now

__all__ = ["RemovalMixin", "check_not_reused"]


def check_not_reused(db: Any, filename: str, sha256: str) -> None:
    """Refuse a removed filename for other bytes; forget the removal when the same bytes
    come back (inside the adding transaction)."""
    row = db.execute("SELECT sha256 FROM removed_files WHERE filename = ?", (filename,))
    removed = row.fetchone()
    if removed is None:
        return
    if removed[0] != sha256:
        raise FilenameReuse(
            f"{filename}: this filename was published with other contents (sha256 "
            f"{removed[0]}) and withdrawn; a filename can be used only once"
        )
    db.execute("DELETE FROM removed_files WHERE filename = ?", (filename,))


class RemovalMixin:
    """``remove_files``: the one way files leave the index."""

    _db: Any  # the backend's connection (publisher.store.sql)

    def remove_files(
        self, filenames: Iterable[str], author: Author, reason: str | None
    ) -> list[DistributionFile]:
        self._writable()  # type: ignore[attr-defined]
        wanted = sorted(set(filenames))
        with self._transaction() as db:  # type: ignore[attr-defined]
            removed = [r for r in map(self.get_file, wanted) if r is not None]  # type: ignore[attr-defined]
            if not removed:
                return removed
            db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
            generation = db.execute(
                "SELECT value FROM store_meta WHERE key = 'generation'"
            ).fetchone()[0]
            when = now().isoformat()
            for record in removed:
                self._withdraw(db, record, generation, when)
                self._record_removal(db, record, author, reason, when)
            releases = {(f.project, f.version) for f in removed}
            for project, version in sorted(releases):
                left = db.execute(
                    "SELECT 1 FROM files WHERE project = ? AND version = ? LIMIT 1",
                    (project, version),
                ).fetchone()
                if left is None:
                    for table in ("release_extras", "releases"):
                        db.execute(
                            f"DELETE FROM {table} WHERE project = ? AND version = ?",
                            (project, version),
                        )
            for project in sorted({p for p, _ in releases}):
                left = db.execute(
                    "SELECT 1 FROM releases WHERE project = ? LIMIT 1", (project,)
                ).fetchone()
                if left is None:
                    db.execute("DELETE FROM projects WHERE name = ?", (project,))
                else:
                    self._update_latest(db, project)  # type: ignore[attr-defined]
                    db.execute(
                        "UPDATE projects SET generation = ? WHERE name = ?", (generation, project)
                    )
        return removed

    @staticmethod
    def _withdraw(db: Any, record: DistributionFile, generation: int, when: str) -> None:
        db.execute("DELETE FROM file_tags WHERE filename = ?", (record.filename,))
        db.execute("DELETE FROM folder_files WHERE filename = ?", (record.filename,))
        db.execute("DELETE FROM files WHERE filename = ?", (record.filename,))
        db.execute(
            "INSERT INTO removed_files (filename, sha256, project, version, removed, generation) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(filename) DO UPDATE SET "
            "sha256 = excluded.sha256, project = excluded.project, version = excluded.version, "
            "removed = excluded.removed, generation = excluded.generation",
            (
                record.filename,
                record.hashes["sha256"],
                record.project,
                record.version,
                when,
                generation,
            ),
        )

    @staticmethod
    def _record_removal(
        db: Any,
        record: DistributionFile,
        author: Author,
        reason: str | None,
        when: str,
    ) -> None:
        target = Target(record.project, record.version, record.filename)
        before: dict[str, Any] = {"indexed": True, "sha256": record.hashes["sha256"]}
        db.execute(
            "INSERT INTO admin_events (action, project, version, filename, author, token_id, "
            "at, reason, before, after) VALUES ('remove', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                target.project,
                target.version,
                target.filename,
                author.name,
                author.token_id,
                when,
                reason,
                _json(before),
                _json({"indexed": False}),
            ),
        )


def _json(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value)
