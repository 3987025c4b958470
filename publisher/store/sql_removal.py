"""Withdrawing files from the index (mixed into ``publisher.store.sql.SQLStore``).

One transaction removes the files (their tags and folder entries with them), the releases
left without files and the projects left without releases, records a ``remove`` event for
each file, and leaves each filename in ``removed_files`` bound to its sha256: a filename
names one set of bytes for good, as on PyPI. The store-wide generation moves once; projects
that remain take it as their generation, and ``removed_files`` carries it for those that
went, so ``changed_since`` names both and every cache and derived graph follows.

A release that keeps files but took its metadata or an extra from a withdrawn one is derived
again, in that same transaction, from the files it keeps as the caller read them again
(``publisher.store.sql_release``): no reader ever sees a release speak for a file it no
longer has. The store cannot read archives itself, so a withdrawal that would leave such a
release without them is refused.

Extrinsic items and administrative events are kept as they are, attached by name: nothing
shows an item whose target is gone, its history stays readable through the item API, and it
applies again when the target comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from crosswalk.records import DistributionFile, Target
from publisher.store.base import Author, FilenameReuse, NewFile, StoreError
from publisher.store.sql_release import derive_release, settle_display_name, sources_among
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

    def releases_derived_from(self, filenames: Iterable[str]) -> list[tuple[str, str]]:
        found = map(self.get_file, sorted(set(filenames)))  # type: ignore[attr-defined]
        records = [r for r in found if r is not None]
        names = {r.filename for r in records}
        return [
            (project, version)
            for project, version in sorted({(r.project, r.version) for r in records})
            if sources_among(self._db, project, version, names)
        ]

    def remove_files(
        self,
        filenames: Iterable[str],
        author: Author,
        reason: str | None,
        reread: Iterable[NewFile] = (),
    ) -> list[DistributionFile]:
        self._writable()  # type: ignore[attr-defined]
        wanted = sorted(set(filenames))
        offered: dict[tuple[str, str], list[NewFile]] = {}
        for new in reread:
            offered.setdefault((new.file.project, new.file.version), []).append(new)
        with self._transaction() as db:  # type: ignore[attr-defined]
            removed = [r for r in map(self.get_file, wanted) if r is not None]  # type: ignore[attr-defined]
            releases = {(f.project, f.version) for f in removed}
            if stray := sorted(set(offered) - releases):
                named = ", ".join(f"{project} {version}" for project, version in stray)
                raise StoreError(f"files read again for {named}, which loses no file here")
            if not removed:
                return removed
            names = {f.filename for f in removed}
            sources = {key: sources_among(db, *key, names) for key in releases}
            db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
            generation = db.execute(
                "SELECT value FROM store_meta WHERE key = 'generation'"
            ).fetchone()[0]
            when = now().isoformat()
            for record in removed:
                self._withdraw(db, record, generation, when)
                self._record_removal(db, record, author, reason, when)
            reshaped = set()  # projects that lost a release, or whose release was derived again
            for project, version in sorted(releases):
                kept = dict(
                    db.execute(
                        "SELECT filename, sha256 FROM files WHERE project = ? AND version = ?",
                        (project, version),
                    ).fetchall()
                )
                if not kept:
                    for table in ("release_extras", "releases"):
                        db.execute(
                            f"DELETE FROM {table} WHERE project = ? AND version = ?",
                            (project, version),
                        )
                    reshaped.add(project)
                elif (project, version) in offered:
                    files = offered[project, version]
                    _check_reread(project, version, kept, files)
                    derive_release(db, files)
                    reshaped.add(project)
                elif sources[project, version]:
                    raise StoreError(
                        f"{project} {version} took its metadata or extras from "
                        f"{', '.join(sources[project, version])}, withdrawn here: the files it "
                        f"keeps ({', '.join(sorted(kept))}) must be read again to derive it anew"
                    )
            for project in sorted({p for p, _ in releases}):
                left = db.execute(
                    "SELECT 1 FROM releases WHERE project = ? LIMIT 1", (project,)
                ).fetchone()
                if left is None:
                    db.execute("DELETE FROM projects WHERE name = ?", (project,))
                    continue
                if project in reshaped:
                    settle_display_name(db, project)
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


def _check_reread(
    project: str, version: str, kept: dict[str, str], files: Sequence[NewFile]
) -> None:
    """Refuse to derive a release from anything but every file it keeps, as indexed."""
    given = {new.file.filename: new.file.hashes["sha256"] for new in files}
    if len(given) != len(files) or given.keys() != kept.keys():
        raise StoreError(
            f"{project} {version} keeps {', '.join(sorted(kept))}, but the files read again "
            f"are {', '.join(new.file.filename for new in files)}"
        )
    for filename, sha256 in sorted(given.items()):
        if sha256 != kept[filename]:
            raise StoreError(
                f"{filename}: read again with other bytes (sha256 {sha256}) than indexed "
                f"(sha256 {kept[filename]})"
            )


def _json(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value)
