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

Version 5 adds directory mode and removal:

- ``folder_files``: where each file indexed from a served folder is in it (a path relative
  to the folder), with the size and modification time it was read at.
- ``store_settings``: text settings of the store; ``folder`` is the folder it mirrors.
- ``removed_files``: one row per filename withdrawn from the index, with the sha256 it stays
  bound to and the generation of its removal, so "what changed since N" still names a
  project that is gone.
- ``extrinsic_items`` and ``admin_events`` are rebuilt without their foreign key on
  ``projects``: an item or an event outlives the project it concerns (detached, its history
  whole) and applies again if the project comes back.

Version 6 adds search (``publisher.store.sqlite_search``):

- ``projects`` gains ``popularity`` (download rank, 1 = most downloaded; NULL when unknown),
  ``latest_upload`` (upload time of the latest version: ISO 8601, a month when it came from a
  listing), ``requires_python``, ``keywords`` and ``commands`` (console scripts of the latest
  release, space-separated, for when ingest records them). A project may have no releases:
  imported from a listing, it is a name with a summary.
- ``search_ids``: one row per project with its squashed name (no case, no separators:
  indexed for exact and prefix matches); the id orders search (most downloaded first, then
  the most recently released), so a match read in id order meets the likeliest projects
  first and can stop early.
- ``search_names`` (the name's words, commands) and
  ``search_text`` (name words, summary, keywords, commands): FTS5 indexes whose content is
  the ``search_content`` view, kept in step with ``projects`` by triggers, inside the
  transaction of each write. Names have a table of their own so that a word common in
  summaries costs nothing when matched against names. Queries are single
  words, never phrases, so no table keeps token positions (``detail`` none or column).
- ``search_typos``: the one-deletion keys of popular and held names, for typo candidates.

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


def _immutable(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_immutable_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
        for op in ("UPDATE", "DELETE")
    )


# SQLite cannot drop a foreign key: the two tables are rebuilt (the documented way: make the
# new table, copy, drop the old, rename), with foreign keys off for the migration.
_SCHEMA_5 = (
    """CREATE TABLE folder_files (
        filename TEXT PRIMARY KEY REFERENCES files(filename),
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL
    )""",
    "CREATE TABLE store_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE removed_files (
        filename TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        project TEXT NOT NULL,
        version TEXT NOT NULL,
        removed TEXT NOT NULL,
        generation INTEGER NOT NULL
    )""",
    "CREATE INDEX removed_files_generation ON removed_files(generation)",
    """CREATE TABLE extrinsic_items_detachable (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        project TEXT NOT NULL,
        version TEXT,
        filename TEXT,
        revision INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        data BLOB NOT NULL
    )""",
    "INSERT INTO extrinsic_items_detachable SELECT id, kind, project, version, filename, "
    "revision, deleted, data FROM extrinsic_items",
    "DROP TABLE extrinsic_items",
    "ALTER TABLE extrinsic_items_detachable RENAME TO extrinsic_items",
    "CREATE INDEX extrinsic_items_target ON extrinsic_items(project, version, filename)",
    """CREATE TABLE admin_events_detachable (
        id INTEGER PRIMARY KEY,
        action TEXT NOT NULL,
        project TEXT NOT NULL,
        version TEXT,
        filename TEXT,
        author TEXT NOT NULL,
        token_id TEXT,
        at TEXT NOT NULL,
        reason TEXT,
        before BLOB NOT NULL,
        after BLOB NOT NULL
    )""",
    "INSERT INTO admin_events_detachable SELECT id, action, project, version, filename, "
    "author, token_id, at, reason, before, after FROM admin_events",
    "DROP TABLE admin_events",
    "ALTER TABLE admin_events_detachable RENAME TO admin_events",
    "CREATE INDEX admin_events_project ON admin_events(project, id)",
    *_immutable("admin_events"),
)

_SEARCH_ENABLED = "(SELECT value FROM store_meta WHERE key = 'search_deferred') = 0"
_NAME_COLUMNS = "words, commands"
_TEXT_COLUMNS = "words, summary, keywords, commands"
_NAME_VALUES = "replace({0}.name, '-', ' '), {0}.commands"

_SCHEMA_6 = f"""
ALTER TABLE projects ADD COLUMN popularity INTEGER;
ALTER TABLE projects ADD COLUMN latest_upload TEXT;
ALTER TABLE projects ADD COLUMN requires_python TEXT;
ALTER TABLE projects ADD COLUMN keywords TEXT;
ALTER TABLE projects ADD COLUMN commands TEXT;
INSERT INTO store_meta VALUES ('search_deferred', 0);
CREATE TABLE search_ids (
    id INTEGER PRIMARY KEY,
    project TEXT NOT NULL UNIQUE,
    squashed TEXT NOT NULL,
    popularity INTEGER
);
CREATE INDEX search_ids_squashed ON search_ids(squashed);
CREATE INDEX search_ids_popular ON search_ids(squashed) WHERE popularity IS NOT NULL;
CREATE VIEW search_content AS
    SELECT s.id AS id, replace(p.name, '-', ' ') AS words, p.summary AS summary,
           p.keywords AS keywords, p.commands AS commands
    FROM search_ids s JOIN projects p ON p.name = s.project;
CREATE VIRTUAL TABLE search_names USING fts5(
    {_NAME_COLUMNS}, content='search_content', content_rowid='id', detail='column',
    columnsize=0, tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE search_text USING fts5(
    {_TEXT_COLUMNS}, content='search_content', content_rowid='id', detail='none',
    columnsize=0, tokenize='unicode61 remove_diacritics 2'
);
CREATE TABLE search_typos (
    key TEXT NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (key, id)
) WITHOUT ROWID;
CREATE INDEX projects_popularity ON projects(popularity) WHERE popularity IS NOT NULL;
CREATE INDEX releases_created ON releases(created);
CREATE TRIGGER projects_search_insert AFTER INSERT ON projects WHEN {_SEARCH_ENABLED}
BEGIN
    INSERT INTO search_ids (project, squashed, popularity)
        VALUES (new.name, replace(new.name, '-', ''), new.popularity);
    INSERT INTO search_names (rowid, {_NAME_COLUMNS})
        SELECT id, {_NAME_VALUES.format("new")} FROM search_ids WHERE project = new.name;
    INSERT INTO search_text (rowid, {_TEXT_COLUMNS})
        SELECT id, replace(new.name, '-', ' '), new.summary, new.keywords, new.commands
        FROM search_ids WHERE project = new.name;
END;
CREATE TRIGGER projects_search_update AFTER UPDATE OF summary, keywords, commands ON projects
WHEN {_SEARCH_ENABLED} AND (old.summary IS NOT new.summary OR old.keywords IS NOT new.keywords
    OR old.commands IS NOT new.commands)
BEGIN
    INSERT INTO search_names (search_names, rowid, {_NAME_COLUMNS})
        SELECT 'delete', id, {_NAME_VALUES.format("old")} FROM search_ids
        WHERE project = old.name;
    INSERT INTO search_names (rowid, {_NAME_COLUMNS})
        SELECT id, {_NAME_VALUES.format("new")} FROM search_ids WHERE project = new.name;
    INSERT INTO search_text (search_text, rowid, {_TEXT_COLUMNS})
        SELECT 'delete', id, replace(old.name, '-', ' '), old.summary, old.keywords, old.commands
        FROM search_ids WHERE project = old.name;
    INSERT INTO search_text (rowid, {_TEXT_COLUMNS})
        SELECT id, replace(new.name, '-', ' '), new.summary, new.keywords, new.commands
        FROM search_ids WHERE project = new.name;
END;
CREATE TRIGGER projects_search_delete AFTER DELETE ON projects WHEN {_SEARCH_ENABLED}
BEGIN
    INSERT INTO search_names (search_names, rowid, {_NAME_COLUMNS})
        SELECT 'delete', id, {_NAME_VALUES.format("old")} FROM search_ids
        WHERE project = old.name;
    INSERT INTO search_text (search_text, rowid, {_TEXT_COLUMNS})
        SELECT 'delete', id, replace(old.name, '-', ' '), old.summary, old.keywords, old.commands
        FROM search_ids WHERE project = old.name;
    DELETE FROM search_typos WHERE id IN (SELECT id FROM search_ids WHERE project = old.name);
    DELETE FROM search_ids WHERE project = old.name;
END;
INSERT INTO search_ids (project, squashed, popularity)
    SELECT name, replace(name, '-', ''), popularity FROM projects ORDER BY name;
INSERT INTO search_names (search_names) VALUES ('rebuild');
INSERT INTO search_text (search_text) VALUES ('rebuild')
"""


def _run_triggers_aware(script: str) -> Callable[[sqlite3.Connection], None]:
    """Like ``_run_script``, but keeps ``CREATE TRIGGER … BEGIN …; END`` whole."""

    def run(db: sqlite3.Connection) -> None:
        statement: list[str] = []
        for part in script.split(";"):
            statement.append(part)
            text = ";".join(statement)
            if "CREATE TRIGGER" in text and not text.rstrip().endswith("END"):
                continue
            if text.strip():
                db.execute(text)
            statement = []

    return run


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _run_script(_SCHEMA_1),
    2: _run_statements(_SCHEMA_2),
    3: _run_statements((_VERIFIED_3,)),
    4: _run_script(_SCHEMA_4),
    5: _run_statements(_SCHEMA_5),
    6: _run_triggers_aware(_SCHEMA_6),
}
