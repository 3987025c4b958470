"""The embedded default store: SQLite in WAL mode, one transaction per ingested file.

The schema and its migrations are in ``publisher.store.sqlite_schema``. Opened read-only,
the store needs read access to the database alone: connections use ``mode=ro`` (and
``immutable=1`` when SQLite cannot create the WAL index beside a read-only database), the
schema is checked rather than migrated, and the change counter is mapped read-only.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

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
from publisher.store.base import (
    SCHEMA_VERSION,
    FilenameReuse,
    NewFile,
    ProjectSummary,
    StoreError,
    StoreMissing,
    StoreReadOnly,
)
from publisher.store.changes import ChangeCounter
from publisher.store.sqlite_admin import AdminMixin
from publisher.store.sqlite_extrinsic import ExtrinsicMixin
from publisher.store.sqlite_folder import FolderMixin, upsert_folder_entry
from publisher.store.sqlite_removal import RemovalMixin, check_not_reused
from publisher.store.sqlite_schema import MIGRATIONS
from publisher.store.sqlite_search import SQLiteSearch
from publisher.store.sqlite_tokens import TokenMixin
from publisher.store.sqlite_writes import bump_generation

__all__ = ["SQLiteStore"]

_FILE_COLUMNS = (
    "filename, project, version, packagetype, size, md5, sha1, sha256, blake2b_256, upload_time, "
    "url_path, requires_python, build_tag, variant, comment, signature, metadata_version, "
    "metadata_sha256, tags, facts, yanked, yanked_reason, verified"
)


class SQLiteStore(ExtrinsicMixin, AdminMixin, TokenMixin, FolderMixin, RemovalMixin, SQLiteSearch):
    """A ``Store`` in one SQLite file. Connections are per thread; writes serialise in SQLite.

    Search, the catalogue listing and snapshots live in ``SQLiteSearch``."""

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

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")

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

    # -- writes -----------------------------------------------------------------------------

    def file_sha256(self, filename: str) -> str | None:
        row = self._db.execute(
            "SELECT sha256 FROM files WHERE filename = ?", (filename,)
        ).fetchone()
        return row[0] if row else None

    def add_file(self, new: NewFile) -> bool:
        self._writable()
        f = new.file
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            existing = db.execute(
                "SELECT sha256 FROM files WHERE filename = ?", (f.filename,)
            ).fetchone()
            if existing is not None:
                db.execute("ROLLBACK")
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
            metadata = orjson.dumps(dict(new.metadata))
            if release is None:
                db.execute(
                    "INSERT INTO releases (project, version, metadata, metadata_source, "
                    "metadata_rank, created) VALUES (?, ?, ?, ?, ?, ?)",
                    (f.project, f.version, metadata, f.filename, new.metadata_rank, now),
                )
            elif new.metadata_rank > release[0]:
                db.execute(
                    "UPDATE releases SET metadata = ?, metadata_source = ?, metadata_rank = ? "
                    "WHERE project = ? AND version = ?",
                    (metadata, f.filename, new.metadata_rank, f.project, f.version),
                )
            if new.metadata_rank > (release[0] if release else -1):
                db.execute(
                    "UPDATE projects SET display_name = ? WHERE name = ?",
                    (new.display_name, f.project),
                )
            db.execute(
                f"INSERT INTO files ({_FILE_COLUMNS}, metadata_bytes) "
                f"VALUES ({', '.join('?' * (_FILE_COLUMNS.count(',') + 2))})",
                (*_file_row(f), new.metadata_bytes),
            )
            db.executemany(
                "INSERT INTO file_tags VALUES (?, ?, ?, ?)",
                [(f.filename, *tag.split("-")) for tag in f.tags],
            )
            for kind, data in _extras(new):
                db.execute(
                    "INSERT INTO release_extras (project, version, kind, source, data) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project, version, kind) DO NOTHING",
                    (f.project, f.version, kind, f.filename, data),
                )
            if new.folder is not None:
                upsert_folder_entry(db, new.folder)
            self._update_latest(db, f.project)
            self._index_typos(db, [f.project])
            bump_generation(db, f.project)
            db.execute("COMMIT")
            self._bump_changes()
            return True
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _bump_changes(self) -> None:
        """Tell every reader a write landed: after COMMIT, before it is acknowledged."""
        self._changes.bump()

    @staticmethod
    def _update_latest(db: sqlite3.Connection, project: str) -> None:
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
        return {r[0]: (r[1], r[2] or 0) for r in rows}

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
            # The shared change counter moves with every committed write: while it stands
            # still, the generation read last time still holds, without a query.
            hint = self._changes.read()
            cached = self._generation
            if cached is not None and cached[0] == hint:
                return cached[1]
            row = self._db.execute("SELECT value FROM store_meta WHERE key = 'generation'")
            found = row.fetchone()[0]
            self._generation = (hint, found)
            return found
        else:
            row = self._db.execute("SELECT generation FROM projects WHERE name = ?", (name,))
        found = row.fetchone()
        return found[0] if found else 0

    def mark_changed(self, project: str | None = None) -> int:
        from packaging.utils import canonicalize_name

        self._writable()
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
            now = db.execute("SELECT value FROM store_meta WHERE key = 'generation'").fetchone()
            if project is None:
                db.execute("UPDATE projects SET generation = ?", now)
            else:
                db.execute(
                    "UPDATE projects SET generation = ? WHERE name = ?",
                    (now[0], canonicalize_name(project)),
                )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        self._changes.bump()  # after COMMIT, as for any write
        return now[0]

    def changed_since(self, generation: int) -> list[str]:
        # removed_files names the projects files left since: some may be gone altogether
        rows = self._db.execute(
            "SELECT name FROM projects WHERE generation > ? "
            "UNION SELECT project FROM removed_files WHERE generation > ?",
            (generation, generation),
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
            f"SELECT {_FILE_COLUMNS} FROM files {where} ORDER BY filename", args
        ).fetchall()
        return [_file_from_row(r) for r in rows]

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


def _extras(new: NewFile) -> list[tuple[str, bytes]]:
    """The release_extras rows a new file brings."""
    rows = []
    if new.entry_points:
        rows.append(("entry_points", orjson.dumps(new.entry_points)))
    if new.citation is not None:
        c = new.citation
        data = {"member": c.member, "format": c.format, "data": c.data, "text": c.text}
        rows.append(("citation", orjson.dumps(data)))
    return rows


def _file_row(f: DistributionFile) -> tuple:
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


def _file_from_row(r: tuple) -> DistributionFile:
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
