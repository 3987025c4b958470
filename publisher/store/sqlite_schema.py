"""The SQLite schema, as migrations run in order inside one transaction.

Schema (version 1):

- ``projects``: one row per normalised name; ``generation`` is the store-wide write counter
  at the project's last write, so "what changed since N" is one indexed query.
- ``releases``: one row per (project, version in PEP 440 normal form); ``metadata`` is the
  core metadata as JSON in RawMetadata shape, taken from the best-ranked file.
- ``files``: one row per artefact; digests, per-file facts (JSON), exact core-metadata bytes.
- ``file_tags``: one row per compatibility tag of a file (interpreter, abi, platform), indexed
  so the environment query can find candidate files without parsing filenames.
- ``store_meta``: schema version and the store-wide generation counter.

Version 2 adds what is written rather than ingested:

- ``extrinsic_items``: one row per extrinsic item, its target (project, version, filename),
  its current revision number, whether it is deleted, and its latest document (JSON).
- ``extrinsic_revisions``: one immutable row per change (who, token, when, why, the document
  before and after); triggers refuse UPDATE and DELETE on it.
- ``admin_events``: yanks, un-yanks and project status changes, immutable as well.
- ``tokens``: API tokens as the SHA-256 of their secret, scope, expiry and revocation.

Version 3 adds ``files.verified``: whether ingest checked every member's content (files
indexed before it count as not verified).

Version 4 adds ``release_extras``: per release and ``kind`` (``entry_points``,
``citation``), what a file of the release carried beyond core metadata, as JSON, and which
file it came from. The first file that carries a kind keeps it.

A migration is a function keyed by the schema version it produces; ``SCHEMA_VERSION``
(``publisher.store.base``) is the newest. A database newer than the code is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["MIGRATIONS"]

_SCHEMA_1 = """
CREATE TABLE projects (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    latest_version TEXT,
    summary TEXT,
    status TEXT,
    status_reason TEXT,
    created TEXT NOT NULL
);
CREATE TABLE releases (
    project TEXT NOT NULL REFERENCES projects(name),
    version TEXT NOT NULL,
    metadata BLOB NOT NULL,
    metadata_source TEXT,
    metadata_rank INTEGER NOT NULL,
    created TEXT NOT NULL,
    yanked INTEGER NOT NULL DEFAULT 0,
    yanked_reason TEXT,
    PRIMARY KEY (project, version)
);
CREATE TABLE files (
    filename TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    version TEXT NOT NULL,
    packagetype TEXT NOT NULL,
    size INTEGER NOT NULL,
    md5 TEXT NOT NULL,
    sha1 TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    blake2b_256 TEXT NOT NULL,
    upload_time TEXT NOT NULL,
    url_path TEXT NOT NULL,
    requires_python TEXT,
    build_tag TEXT,
    variant TEXT,
    comment TEXT,
    signature TEXT,
    metadata_version TEXT,
    metadata_sha256 TEXT,
    metadata_bytes BLOB,
    tags BLOB NOT NULL,
    facts BLOB NOT NULL,
    yanked INTEGER NOT NULL DEFAULT 0,
    yanked_reason TEXT,
    FOREIGN KEY (project, version) REFERENCES releases(project, version)
);
CREATE INDEX files_release ON files(project, version);
CREATE INDEX files_sha256 ON files(sha256);
CREATE TABLE file_tags (
    filename TEXT NOT NULL REFERENCES files(filename),
    interpreter TEXT NOT NULL,
    abi TEXT NOT NULL,
    platform TEXT NOT NULL
);
CREATE INDEX file_tags_filename ON file_tags(filename);
CREATE INDEX file_tags_platform ON file_tags(platform, interpreter);
CREATE INDEX projects_generation ON projects(generation);
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO store_meta VALUES ('generation', 0);
"""


def _run_script(script: str) -> Callable[[sqlite3.Connection], None]:
    # executescript() would commit the migration's transaction; run statement by statement.
    def run(db: sqlite3.Connection) -> None:
        for statement in script.split(";"):
            if statement.strip():
                db.execute(statement)

    return run


_SCHEMA_2 = (
    """CREATE TABLE extrinsic_items (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        project TEXT NOT NULL REFERENCES projects(name),
        version TEXT,
        filename TEXT,
        revision INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        data BLOB NOT NULL
    )""",
    "CREATE INDEX extrinsic_items_target ON extrinsic_items(project, version, filename)",
    """CREATE TABLE extrinsic_revisions (
        item_id TEXT NOT NULL REFERENCES extrinsic_items(id),
        revision INTEGER NOT NULL,
        action TEXT NOT NULL,
        author TEXT NOT NULL,
        token_id TEXT,
        at TEXT NOT NULL,
        reason TEXT,
        before BLOB,
        after BLOB,
        PRIMARY KEY (item_id, revision)
    )""",
    """CREATE TABLE admin_events (
        id INTEGER PRIMARY KEY,
        action TEXT NOT NULL,
        project TEXT NOT NULL REFERENCES projects(name),
        version TEXT,
        filename TEXT,
        author TEXT NOT NULL,
        token_id TEXT,
        at TEXT NOT NULL,
        reason TEXT,
        before BLOB NOT NULL,
        after BLOB NOT NULL
    )""",
    "CREATE INDEX admin_events_project ON admin_events(project, id)",
    """CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created TEXT NOT NULL,
        expires TEXT,
        revoked TEXT
    )""",
    *(
        f"CREATE TRIGGER {table}_immutable_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
        for table in ("extrinsic_revisions", "admin_events")
        for op in ("UPDATE", "DELETE")
    ),
)


def _run_statements(statements: tuple[str, ...]) -> Callable[[sqlite3.Connection], None]:
    def run(db: sqlite3.Connection) -> None:
        for statement in statements:
            db.execute(statement)

    return run


_VERIFIED_3 = "ALTER TABLE files ADD COLUMN verified INTEGER NOT NULL DEFAULT 0"

_SCHEMA_4 = """
CREATE TABLE release_extras (
    project TEXT NOT NULL,
    version TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (project, version, kind),
    FOREIGN KEY (project, version) REFERENCES releases(project, version)
);
"""

MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _run_script(_SCHEMA_1),
    2: _run_statements(_SCHEMA_2),
    3: _run_statements((_VERIFIED_3,)),
    4: _run_script(_SCHEMA_4),
}
