"""What both SQL backends share: every read and write of the ``Store`` protocol, in one
portable SQL that SQLite and PostgreSQL both run.

A backend (``SQLiteStore``, ``PostgreSQLStore``) provides the connections and the
transactions; this class and its mixins (``sql_extrinsic``, ``sql_admin``, ``sql_tokens``,
``sql_folder``, ``sql_removal``) and ``sql_release`` (what a release takes from its files)
provide the behaviour, so the two cannot disagree on what a filename reuse, a revision
conflict or a removal means. The SQL keeps to what both engines read alike: ``?``
placeholders (``publisher.store.postgresql_sql`` turns them into psycopg's), ``IS NOT
DISTINCT FROM`` for nullable equality, ``NULLS FIRST`` where NULLs sort, ``RETURNING`` for
generated ids, ``ON CONFLICT`` upserts.

What a backend provides:

- ``_db``: the connection reads use on this thread (inside a write transaction, the
  transaction's own);
- ``_primary``: the same, but never a read replica (what must not lag: tokens);
- ``_transaction()``: a context manager around one write transaction that no other writer
  interleaves with (SQLite ``BEGIN IMMEDIATE``, PostgreSQL an advisory lock), yielding the
  connection, after whose COMMIT every process learns that the generation moved;
- ``generation()`` without a name: the store-wide counter, cheap enough for every request.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

import orjson

from crosswalk.names import canonicalize_name, latest_version, normalise_version
from crosswalk.records import (
    Citation,
    DistributionFile,
    PlatformFacts,
    Project,
    PythonFacts,
    Release,
)
from publisher.store.base import FilenameReuse, NewFile, ProjectSummary, StoreError
from publisher.store.sql_admin import AdminMixin
from publisher.store.sql_extrinsic import ExtrinsicMixin
from publisher.store.sql_folder import FolderMixin, upsert_folder_entry
from publisher.store.sql_release import add_extras, names_project, set_metadata, takes_metadata
from publisher.store.sql_removal import RemovalMixin, check_not_reused
from publisher.store.sql_tokens import TokenMixin
from publisher.store.sql_writes import bump_generation

__all__ = ["FILE_COLUMNS", "SQLStore", "Snapshot", "file_row"]

FILE_COLUMNS = (
    "filename, project, version, packagetype, size, md5, sha1, sha256, blake2b_256, upload_time, "
    "url_path, requires_python, build_tag, variant, comment, signature, metadata_version, "
    "metadata_sha256, tags, facts, yanked, yanked_reason, verified"
)


class Snapshot(Protocol):
    """A consistent read of a whole database, table by table (``SQLStore.snapshot``)."""

    def tables(self) -> set[str]: ...

    def columns(self, table: str) -> list[str]: ...

    def count(self, table: str) -> int: ...

    def rows(self, table: str, columns: list[str]) -> Iterator[tuple]: ...


class SQLStore(ExtrinsicMixin, AdminMixin, TokenMixin, FolderMixin, RemovalMixin):
    """The ``Store`` protocol in portable SQL, over a backend's connections."""

    url: str
    read_only: bool
    _db: Any
    _primary: Any

    def _transaction(self) -> AbstractContextManager[Any]:  # provided by the backend
        raise NotImplementedError

    def _where(self) -> str:
        """The database as messages name it."""
        return self.url

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self._where()} is open read-only")

    # -- whole-database copies (publisher.store.copy), provided by the backend --------------

    def snapshot(self) -> AbstractContextManager[Snapshot]:
        """A consistent read of every table (one read transaction)."""
        raise NotImplementedError

    def _columns(self, db: Any, table: str) -> list[str]:
        """A table's columns, as the connection ``db`` sees them."""
        raise NotImplementedError

    def _load(self, db: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Insert rows in bulk inside a write transaction."""
        raise NotImplementedError

    def _after_load(self, db: Any) -> None:
        """Whatever a bulk load leaves to set right (sequences, reference checks)."""

    # -- writes -----------------------------------------------------------------------------

    def file_sha256(self, filename: str) -> str | None:
        row = self._db.execute(
            "SELECT sha256 FROM files WHERE filename = ?", (filename,)
        ).fetchone()
        return row[0] if row else None

    def add_file(self, new: NewFile) -> bool:
        self._writable()
        f = new.file
        # Bytes already indexed under that name (a repeated ingest) are found without taking
        # the write lock; the check inside the transaction is the one that holds.
        if self._primary_sha256(f.filename) == f.hashes["sha256"]:
            return False
        with self._transaction() as db:
            existing = db.execute(
                "SELECT sha256 FROM files WHERE filename = ?", (f.filename,)
            ).fetchone()
            if existing is not None:
                if existing[0] == f.hashes["sha256"]:
                    return False
                raise FilenameReuse(
                    f"{f.filename}: this filename is already indexed with different contents "
                    f"(sha256 {existing[0]}); a filename can be used only once"
                )
            check_not_reused(db, f.filename, f.hashes["sha256"])
            now = f.upload_time.isoformat()
            db.execute(
                "INSERT INTO projects (name, display_name, created) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO NOTHING",
                (f.project, new.display_name, now),
            )
            release = db.execute(
                "SELECT metadata_rank FROM releases WHERE project = ? AND version = ?",
                (f.project, f.version),
            ).fetchone()
            current = release[0] if release else None
            if current is None:
                db.execute(
                    "INSERT INTO releases (project, version, metadata, metadata_source, "
                    "metadata_rank, created) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        f.project,
                        f.version,
                        orjson.dumps(dict(new.metadata)),
                        f.filename,
                        new.metadata_rank,
                        now,
                    ),
                )
            elif takes_metadata(new.metadata_rank, current):
                set_metadata(db, new)
            if names_project(new.metadata_rank, current):
                db.execute(
                    "UPDATE projects SET display_name = ? WHERE name = ?",
                    (new.display_name, f.project),
                )
            db.execute(
                f"INSERT INTO files ({FILE_COLUMNS}, metadata_bytes) "
                f"VALUES ({', '.join('?' * (FILE_COLUMNS.count(',') + 2))})",
                (*file_row(f), new.metadata_bytes),
            )
            db.executemany(
                "INSERT INTO file_tags VALUES (?, ?, ?, ?)",
                [(f.filename, *tag.split("-")) for tag in f.tags],
            )
            add_extras(db, new)
            if new.folder is not None:
                upsert_folder_entry(db, new.folder)
            self._update_latest(db, f.project)
            self._index_typos(db, [f.project])
            bump_generation(db, f.project)
        return True

    def _primary_sha256(self, filename: str) -> str | None:
        row = self._primary.execute(
            "SELECT sha256 FROM files WHERE filename = ?", (filename,)
        ).fetchone()
        return row[0] if row else None

    @staticmethod
    def _update_latest(db: Any, project: str) -> None:
        """Keep what the listing and search show of a project's latest release on its row:
        version, summary, keywords, upload time, Requires-Python and the commands its
        wheels install (console and GUI scripts)."""
        versions = [
            r[0] for r in db.execute("SELECT version FROM releases WHERE project = ?", (project,))
        ]
        latest = latest_version(versions)
        row = db.execute(
            "SELECT r.metadata, (SELECT max(upload_time) FROM files f WHERE f.project = r.project "
            "AND f.version = r.version) FROM releases r WHERE r.project = ? AND r.version = ?",
            (project, latest),
        ).fetchone()
        metadata = orjson.loads(row[0]) if row else {}
        keywords = metadata.get("keywords")
        if isinstance(keywords, list):
            keywords = " ".join(str(k) for k in keywords)
        extras = db.execute(
            "SELECT data FROM release_extras WHERE project = ? AND version = ? "
            "AND kind = 'entry_points'",
            (project, latest),
        ).fetchone()
        groups = orjson.loads(extras[0]) if extras else {}
        commands = sorted(
            {name for group in ("console_scripts", "gui_scripts") for name in groups.get(group, {})}
        )
        db.execute(
            "UPDATE projects SET latest_version = ?, summary = ?, keywords = ?, "
            "latest_upload = ?, requires_python = ?, commands = ? WHERE name = ?",
            (
                latest,
                metadata.get("summary"),
                keywords or None,
                row[1] if row else None,
                metadata.get("requires_python"),
                " ".join(commands) or None,
                project,
            ),
        )

    def _index_typos(self, db: Any, names: list[str]) -> None:
        """Make held projects typo targets of search (provided by the backend's search)."""
        raise NotImplementedError

    # -- reads ------------------------------------------------------------------------------

    def project_names(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM projects ORDER BY name")]

    def known_projects(self, names: Iterable[str]) -> set[str]:
        wanted = sorted({canonicalize_name(n) for n in names})
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # under SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            rows = self._db.execute(
                f"SELECT name FROM projects WHERE name IN ({', '.join('?' * len(chunk))})", chunk
            )
            found.update(r[0] for r in rows)
        return found

    def counts(self) -> dict[str, int]:
        db = self._db
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("projects", "releases", "files")
        }

    def file_totals(self) -> dict[str, tuple[int, int]]:
        rows = self._db.execute("SELECT project, count(*), sum(size) FROM files GROUP BY project")
        return {r[0]: (r[1], int(r[2] or 0)) for r in rows}  # PostgreSQL sums as numeric

    def release_dates(self) -> list[tuple[str, str, datetime]]:
        rows = self._db.execute(
            "SELECT project, version, max(upload_time) FROM files GROUP BY project, version "
            "ORDER BY project, version"
        )
        return [(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    def project_listing(self) -> list[ProjectSummary]:
        rows = self._db.execute(
            "SELECT name, display_name, summary, latest_version FROM projects ORDER BY name"
        )
        return [ProjectSummary(*row) for row in rows]

    def generation(self, name: str | None = None) -> int:
        if name is None:
            return self._store_generation()
        row = self._db.execute("SELECT generation FROM projects WHERE name = ?", (name,))
        found = row.fetchone()
        return found[0] if found else 0

    def _store_generation(self) -> int:  # provided by the backend, without a query if it can
        raise NotImplementedError

    def _read_generation(self, db: Any) -> int:
        return db.execute("SELECT value FROM store_meta WHERE key = 'generation'").fetchone()[0]

    def mark_changed(self, project: str | None = None) -> int:
        self._writable()
        with self._transaction() as db:
            db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
            now = self._read_generation(db)
            if project is None:
                db.execute("UPDATE projects SET generation = ?", (now,))
            else:
                db.execute(
                    "UPDATE projects SET generation = ? WHERE name = ?",
                    (now, canonicalize_name(project)),
                )
        return now

    def changed_since(self, generation: int) -> list[str]:
        # removed_files names the projects files left since: some may be gone altogether
        rows = self._db.execute(
            "SELECT name FROM projects WHERE generation > ? "
            "UNION SELECT project FROM removed_files WHERE generation > ?",
            (generation, generation),
        )
        return [r[0] for r in rows]

    def withdrawn_since(self, generation: int) -> list[str]:
        rows = self._db.execute(
            "SELECT DISTINCT project FROM removed_files WHERE generation > ? ORDER BY project",
            (generation,),
        )
        return [r[0] for r in rows]

    def get_project(self, name: str) -> Project | None:
        row = self._db.execute(
            "SELECT name, display_name, generation, status, status_reason FROM projects "
            "WHERE name = ?",
            (canonicalize_name(name),),
        ).fetchone()
        return self._project(row) if row else None

    def iter_projects(self) -> Iterable[Project]:
        rows = self._db.execute(
            "SELECT name, display_name, generation, status, status_reason FROM projects "
            "ORDER BY name"
        ).fetchall()
        for row in rows:
            yield self._project(row)

    def _project(self, row: tuple) -> Project:
        name = row[0]
        files = self._files("WHERE project = ?", (name,))
        extras = self._extras("WHERE project = ?", (name,))
        releases = [
            self._release(r, files, extras)
            for r in self._db.execute(
                "SELECT project, version, metadata, metadata_source, created, yanked, "
                "yanked_reason FROM releases WHERE project = ? ORDER BY created, version",
                (name,),
            )
        ]
        return Project(name, row[1], tuple(releases), row[2], row[3], row[4])

    def get_release(self, name: str, version: str) -> Release | None:
        key = (canonicalize_name(name), normalise_version(version))
        row = self._db.execute(
            "SELECT project, version, metadata, metadata_source, created, yanked, yanked_reason "
            "FROM releases WHERE project = ? AND version = ?",
            key,
        ).fetchone()
        if row is None:
            return None
        where = "WHERE project = ? AND version = ?"
        return self._release(row, self._files(where, key), self._extras(where, key))

    def get_file(self, filename: str) -> DistributionFile | None:
        found = self._files("WHERE filename = ?", (filename,))
        return found[0] if found else None

    def metadata_bytes(self, filename: str) -> bytes | None:
        row = self._db.execute(
            "SELECT metadata_bytes FROM files WHERE filename = ?", (filename,)
        ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def _files(self, where: str, args: tuple) -> list[DistributionFile]:
        rows = self._db.execute(
            f"SELECT {FILE_COLUMNS} FROM files {where} ORDER BY filename", args
        ).fetchall()
        return [file_from_row(r) for r in rows]

    def _extras(self, where: str, args: tuple) -> dict[tuple[str, str], dict]:
        """(version, kind) -> (source file, decoded data) of release_extras rows."""
        rows = self._db.execute(
            f"SELECT version, kind, source, data FROM release_extras {where}", args
        )
        return {(r[0], r[1]): (r[2], orjson.loads(r[3])) for r in rows}

    @staticmethod
    def _release(row: tuple, files: list[DistributionFile], extras: dict) -> Release:
        project, version = row[0], row[1]
        entry_points = extras.get((version, "entry_points"))
        citation = extras.get((version, "citation"))
        return Release(
            project=project,
            version=version,
            metadata=orjson.loads(row[2]),
            files=tuple(f for f in files if f.version == version),
            metadata_source=row[3],
            created=datetime.fromisoformat(row[4]),
            yanked=bool(row[5]),
            yanked_reason=row[6],
            entry_points=entry_points[1] if entry_points else {},
            citation=Citation(filename=citation[0], **citation[1]) if citation else None,
        )


def file_row(f: DistributionFile) -> tuple:
    facts = {
        "python": [
            [p.interpreter_tag, p.implementation, p.python_version, p.abi_tag] for p in f.python
        ],
        "platforms": [
            [p.platform_tag, p.os, p.os_version, p.libc, list(p.architectures)] for p in f.platforms
        ],
    }
    return (
        f.filename,
        f.project,
        f.version,
        f.packagetype,
        f.size,
        f.hashes["md5"],
        f.hashes["sha1"],
        f.hashes["sha256"],
        f.hashes["blake2b_256"],
        f.upload_time.isoformat(),
        f.url_path,
        f.requires_python,
        f.build_tag,
        f.variant,
        f.comment,
        f.signature,
        f.metadata_version,
        f.metadata_sha256,
        orjson.dumps(list(f.tags)),
        orjson.dumps(facts),
        int(f.yanked),
        f.yanked_reason,
        int(f.verified),
    )


def file_from_row(r: tuple) -> DistributionFile:
    facts = orjson.loads(r[19])
    return DistributionFile(
        filename=r[0],
        project=r[1],
        version=r[2],
        packagetype=r[3],
        size=r[4],
        hashes={"blake2b_256": r[8], "md5": r[5], "sha1": r[6], "sha256": r[7]},
        upload_time=datetime.fromisoformat(r[9]),
        url_path=r[10],
        requires_python=r[11],
        build_tag=r[12],
        variant=r[13],
        comment=r[14],
        signature=r[15],
        metadata_version=r[16],
        metadata_sha256=r[17],
        tags=tuple(orjson.loads(r[18])),
        python=tuple(PythonFacts(*p) for p in facts["python"]),
        platforms=tuple(
            PlatformFacts(p[0], p[1], p[2], p[3], tuple(p[4])) for p in facts["platforms"]
        ),
        yanked=bool(r[20]),
        yanked_reason=r[21],
        verified=bool(r[22]),
    )
