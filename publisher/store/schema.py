"""The schema of both SQL backends, as numbered migrations written once.

A migration is a sequence of steps. A plain string is portable DDL, written in SQLite's words
and translated for PostgreSQL by a small dialect map (``INTEGER`` → ``BIGINT``, ``BLOB`` →
``BYTEA``, ``TEXT`` → ``TEXT COLLATE "C"`` so that ORDER BY sorts byte-wise as SQLite does,
``INTEGER PRIMARY KEY`` → an identity column). Where the two engines genuinely differ (a
trigger's body; SQLite rebuilding a table to drop a foreign key that PostgreSQL drops in
place), a ``Dialects`` step holds each one's SQL side by side. So a schema change is written
in one place, and the two backends cannot drift apart. ``SCHEMA_VERSION``
(``publisher.store.base``) is the newest version; a database newer than the code is refused.

Schema (version 1; on PostgreSQL with the ``pg_trgm`` extension, for search):

- ``projects``: one row per normalised name; ``generation`` is the store-wide write counter
  at the project's last write, so "what changed since N" is one indexed query.
- ``releases``: one row per (project, version in PEP 440 normal form); ``metadata`` is the
  core metadata as JSON in RawMetadata shape, taken from the best-ranked file.
- ``files``: one row per artefact; digests, per-file facts (JSON), exact core-metadata bytes.
- ``file_tags``: one row per compatibility tag of a file (interpreter, abi, platform), indexed
  so the environment query can find candidate files without parsing filenames.
- ``store_meta``: schema version and the store-wide generation counter. On PostgreSQL a
  trigger on it sends ``NOTIFY ldindex_changes`` with the new generation in the transaction
  that moves it, so every listening process learns of the write when it commits
  (``publisher.store.postgresql_changes``).

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
- ``extrinsic_items`` and ``admin_events`` lose their foreign key on ``projects``: an item
  or an event outlives the project it concerns (detached, its history whole) and applies
  again if the project comes back.

Version 6 adds search (``publisher.store.sqlite_search``, ``publisher.store.postgresql_search``):

- ``projects`` gains ``popularity`` (download rank, 1 = most downloaded; NULL when unknown),
  ``latest_upload`` (upload time of the latest version: ISO 8601, a month when it came from a
  listing), ``requires_python``, ``keywords`` and ``commands`` (console scripts of the latest
  release, space-separated, for when ingest records them). A project may have no releases:
  imported from a listing, it is a name with a summary.
- SQLite: ``search_ids``: one row per project with its squashed name (no case, no
  separators: indexed for exact and prefix matches); the id orders search (most downloaded
  first, then the most recently released), so a match read in id order meets the likeliest
  projects first and can stop early. ``search_names`` (the name's words, commands) and
  ``search_text`` (name words, summary, keywords, commands): FTS5 indexes whose content is
  the ``search_content`` view, kept in step with ``projects`` by triggers, inside the
  transaction of each write. Names have a table of their own so that a word common in
  summaries costs nothing when matched against names. Queries are single words, never
  phrases, so no table keeps token positions (``detail`` none or column).
  ``search_typos``: the one-deletion keys of popular and held names, for typo candidates.
- PostgreSQL: ``search_index``, the same ids in the same order, with the squashed name
  (B-tree for exact and prefix matches, a trigram GiST index over popular and held names,
  ``typo_target``, for typo candidates by nearness), and two ``tsvector`` columns: ``names``
  (name words weighted A, commands B) and ``text`` (name words, summary, keywords,
  commands), each with a GIN index, kept in step with ``projects`` by a trigger in the
  writing transaction. Text is folded as the query is (``ldindex_fold``: ``unaccent``, lower
  case, every character but letters and digits a space) and indexed with the ``simple``
  configuration: words, never stems, as FTS5's ``unicode61`` does. ``search_typos``: the
  one-deletion keys of popular and held names, as in SQLite.

Timestamps are ISO 8601 text on both engines: the same strings, so ``ldindex migrate``
copies rows verbatim and comparisons order them alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "COPY_ORDER",
    "DIALECTS",
    "MIGRATIONS",
    "NOTIFY_CHANNEL",
    "TYPO_KEYS",
    "Dialects",
    "derived",
    "statements",
    "translate",
]

DIALECTS = ("sqlite", "postgresql")
NOTIFY_CHANNEL = "ldindex_changes"


@dataclass(frozen=True, slots=True)
class Dialects:
    """Statements that differ between engines, each engine's written out in full."""

    sqlite: tuple[str, ...] = ()
    postgresql: tuple[str, ...] = ()


Step = str | Dialects

_POSTGRESQL_WORDS = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
)


def translate(statement: str, dialect: str) -> str:
    """Portable DDL in ``dialect``'s words (uppercase type names only: identifiers are
    lowercase, so a column named ``text`` is never touched)."""
    if dialect == "sqlite":
        return statement
    if dialect != "postgresql":
        raise ValueError(f"unknown SQL dialect {dialect!r} (known: {', '.join(DIALECTS)})")
    for pattern, replacement in _POSTGRESQL_WORDS:
        statement = pattern.sub(replacement, statement)
    return statement


def statements(version: int, dialect: str) -> list[str]:
    """The statements that bring a database of ``dialect`` from ``version - 1`` to ``version``."""
    found: list[str] = []
    for step in MIGRATIONS[version]:
        if isinstance(step, Dialects):
            found.extend(getattr(step, dialect))
        else:
            found.append(translate(step, dialect))
    return found


def _immutable(*tables: str) -> Dialects:
    """Triggers that refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of a table."""
    return Dialects(
        sqlite=tuple(
            f"CREATE TRIGGER {table}_immutable_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
            for table in tables
            for op in ("UPDATE", "DELETE")
        ),
        postgresql=tuple(
            statement
            for table in tables
            for statement in (
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ldindex_refuse_change()",
                f"CREATE TRIGGER {table}_immutable_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ldindex_refuse_change()",
            )
        ),
    )


_SCHEMA_1: tuple[Step, ...] = (
    # trigram indexes for searching names (a trusted extension: a database owner may add it)
    Dialects(postgresql=("CREATE EXTENSION IF NOT EXISTS pg_trgm",)),
    """CREATE TABLE projects (
        name TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        generation INTEGER NOT NULL DEFAULT 0,
        latest_version TEXT,
        summary TEXT,
        status TEXT,
        status_reason TEXT,
        created TEXT NOT NULL
    )""",
    """CREATE TABLE releases (
        project TEXT NOT NULL REFERENCES projects(name),
        version TEXT NOT NULL,
        metadata BLOB NOT NULL,
        metadata_source TEXT,
        metadata_rank INTEGER NOT NULL,
        created TEXT NOT NULL,
        yanked INTEGER NOT NULL DEFAULT 0,
        yanked_reason TEXT,
        PRIMARY KEY (project, version)
    )""",
    """CREATE TABLE files (
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
    )""",
    "CREATE INDEX files_release ON files(project, version)",
    "CREATE INDEX files_sha256 ON files(sha256)",
    """CREATE TABLE file_tags (
        filename TEXT NOT NULL REFERENCES files(filename),
        interpreter TEXT NOT NULL,
        abi TEXT NOT NULL,
        platform TEXT NOT NULL
    )""",
    "CREATE INDEX file_tags_filename ON file_tags(filename)",
    "CREATE INDEX file_tags_platform ON file_tags(platform, interpreter)",
    "CREATE INDEX projects_generation ON projects(generation)",
    "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO store_meta VALUES ('generation', 0)",
    Dialects(
        postgresql=(
            f"""CREATE FUNCTION ldindex_notify_generation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('{NOTIFY_CHANNEL}', NEW.value::text);
                RETURN NEW;
            END $$""",
            "CREATE TRIGGER store_meta_notify AFTER UPDATE ON store_meta FOR EACH ROW "
            "WHEN (NEW.key = 'generation' AND NEW.value IS DISTINCT FROM OLD.value) "
            "EXECUTE FUNCTION ldindex_notify_generation()",
        )
    ),
)

_SCHEMA_2: tuple[Step, ...] = (
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
    Dialects(
        postgresql=(
            """CREATE FUNCTION ldindex_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$""",
        )
    ),
    _immutable("extrinsic_revisions", "admin_events"),
)

_SCHEMA_3: tuple[Step, ...] = ("ALTER TABLE files ADD COLUMN verified INTEGER NOT NULL DEFAULT 0",)

_SCHEMA_4: tuple[Step, ...] = (
    """CREATE TABLE release_extras (
        project TEXT NOT NULL,
        version TEXT NOT NULL,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (project, version, kind),
        FOREIGN KEY (project, version) REFERENCES releases(project, version)
    )""",
)


def _detach_from_projects(table: str, columns: str, definition: str) -> Dialects:
    """Drop ``table``'s foreign key on ``projects``: SQLite cannot drop a foreign key, so it
    rebuilds the table the documented way (make the new table, copy, drop the old, rename;
    foreign keys are off during a migration); PostgreSQL drops the constraint in place."""
    return Dialects(
        sqlite=(
            f"CREATE TABLE {table}_detachable ({definition})",
            f"INSERT INTO {table}_detachable SELECT {columns} FROM {table}",
            f"DROP TABLE {table}",
            f"ALTER TABLE {table}_detachable RENAME TO {table}",
        ),
        postgresql=(f"ALTER TABLE {table} DROP CONSTRAINT {table}_project_fkey",),
    )


_SCHEMA_5: tuple[Step, ...] = (
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
    _detach_from_projects(
        "extrinsic_items",
        "id, kind, project, version, filename, revision, deleted, data",
        """id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        project TEXT NOT NULL,
        version TEXT,
        filename TEXT,
        revision INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        data BLOB NOT NULL""",
    ),
    Dialects(
        sqlite=(
            "CREATE INDEX extrinsic_items_target ON extrinsic_items(project, version, filename)",
        )
    ),
    _detach_from_projects(
        "admin_events",
        "id, action, project, version, filename, author, token_id, at, reason, before, after",
        """id INTEGER PRIMARY KEY,
        action TEXT NOT NULL,
        project TEXT NOT NULL,
        version TEXT,
        filename TEXT,
        author TEXT NOT NULL,
        token_id TEXT,
        at TEXT NOT NULL,
        reason TEXT,
        before BLOB NOT NULL,
        after BLOB NOT NULL""",
    ),
    Dialects(
        sqlite=(
            "CREATE INDEX admin_events_project ON admin_events(project, id)",
            *_immutable("admin_events").sqlite,
        )
    ),
)

_SEARCH_ENABLED = "(SELECT value FROM store_meta WHERE key = 'search_deferred') = 0"
_NAME_COLUMNS = "words, commands"
_TEXT_COLUMNS = "words, summary, keywords, commands"
_NAME_VALUES = "replace({0}.name, '-', ' '), {0}.commands"

_SQLITE_SEARCH = f"""
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

_FOLD = r"""
DO $$
DECLARE
    home text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n
                  ON n.oid = e.extnamespace WHERE e.extname = 'unaccent');
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION ldindex_fold(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $body$ SELECT regexp_replace(
            lower(%1$I.unaccent(%2$L::regdictionary, $1) COLLATE "default"),
            '[^0-9a-z\u0080-\U0010ffff]+', ' ', 'g') $body$
    $f$, home, home || '.unaccent');
END $$"""

# The name and each form of it with one character deleted, for typo candidates, as
# ``publisher.search.ranking.typo_keys`` makes them (and SQLite's ``search_typos`` holds).
TYPO_KEYS = """INSERT INTO search_typos (key, id)
    SELECT squashed, id FROM search_index WHERE {where}
    UNION SELECT overlay(squashed PLACING '' FROM i FOR 1), id
    FROM search_index, generate_series(1, length(squashed)) AS i WHERE {where}
    ON CONFLICT DO NOTHING"""

_POSTGRESQL_SEARCH = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    _FOLD,
    """CREATE FUNCTION ldindex_names(name text, commands text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT setweight(to_tsvector('simple', ldindex_fold(replace(name, '-', ' '))), 'A')
            || setweight(to_tsvector('simple', coalesce(ldindex_fold(commands), '')), 'B')
    $$""",
    """CREATE FUNCTION ldindex_text(name text, summary text, keywords text, commands text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT to_tsvector('simple', ldindex_fold(
            concat_ws(' ', replace(name, '-', ' '), summary, keywords, commands)))
    $$""",
    """CREATE TABLE search_index (
        id BIGINT PRIMARY KEY,
        project TEXT COLLATE "C" NOT NULL UNIQUE,
        squashed TEXT COLLATE "C" NOT NULL,
        popularity BIGINT,
        typo_target BOOLEAN NOT NULL DEFAULT false,
        names tsvector NOT NULL,
        text tsvector NOT NULL
    )""",
    "CREATE SEQUENCE search_index_id",
    "CREATE INDEX search_index_squashed ON search_index(squashed)",
    "CREATE INDEX search_index_popular ON search_index(squashed) WHERE popularity IS NOT NULL",
    "CREATE INDEX search_index_names ON search_index USING gin(names)",
    "CREATE INDEX search_index_text ON search_index USING gin(text)",
    "CREATE INDEX search_index_typos ON search_index USING gist(squashed gist_trgm_ops) "
    "WHERE typo_target",
    """CREATE TABLE search_typos (
        key TEXT COLLATE "C" NOT NULL,
        id BIGINT NOT NULL,
        PRIMARY KEY (key, id)
    )""",
    """CREATE FUNCTION ldindex_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT value FROM store_meta WHERE key = 'search_deferred') <> 0 THEN
            RETURN NULL;
        END IF;
        IF TG_OP = 'DELETE' THEN
            DELETE FROM search_typos
                WHERE id IN (SELECT id FROM search_index WHERE project = OLD.name);
            DELETE FROM search_index WHERE project = OLD.name;
        ELSIF TG_OP = 'INSERT' THEN
            INSERT INTO search_index (id, project, squashed, popularity, names, text)
            VALUES (nextval('search_index_id'), NEW.name, replace(NEW.name, '-', ''),
                    NEW.popularity, ldindex_names(NEW.name, NEW.commands),
                    ldindex_text(NEW.name, NEW.summary, NEW.keywords, NEW.commands));
        ELSE
            UPDATE search_index
            SET names = ldindex_names(NEW.name, NEW.commands),
                text = ldindex_text(NEW.name, NEW.summary, NEW.keywords, NEW.commands)
            WHERE project = NEW.name;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER projects_search_insert AFTER INSERT ON projects FOR EACH ROW "
    "EXECUTE FUNCTION ldindex_search_sync()",
    "CREATE TRIGGER projects_search_update AFTER UPDATE OF summary, keywords, commands "
    "ON projects FOR EACH ROW WHEN (OLD.summary IS DISTINCT FROM NEW.summary "
    "OR OLD.keywords IS DISTINCT FROM NEW.keywords OR OLD.commands IS DISTINCT FROM NEW.commands) "
    "EXECUTE FUNCTION ldindex_search_sync()",
    "CREATE TRIGGER projects_search_delete AFTER DELETE ON projects FOR EACH ROW "
    "EXECUTE FUNCTION ldindex_search_sync()",
    """INSERT INTO search_index (id, project, squashed, popularity, typo_target, names, text)
    SELECT row_number() OVER (ORDER BY name), name, replace(name, '-', ''), popularity,
           popularity IS NOT NULL OR EXISTS (SELECT 1 FROM releases r WHERE r.project = name),
           ldindex_names(name, commands), ldindex_text(name, summary, keywords, commands)
    FROM projects""",
    "SELECT setval('search_index_id', (SELECT coalesce(max(id), 0) + 1 FROM search_index), false)",
    TYPO_KEYS.format(where="typo_target"),
)


def _sqlite_statements(script: str) -> tuple[str, ...]:
    """A script's statements, ``CREATE TRIGGER … BEGIN …; END`` kept whole."""
    statements: list[str] = []
    pending: list[str] = []
    for part in script.split(";"):
        pending.append(part)
        text = ";".join(pending)
        if "CREATE TRIGGER" in text and not text.rstrip().endswith("END"):
            continue
        if text.strip():
            statements.append(text.strip())
        pending = []
    return tuple(statements)


_SCHEMA_6: tuple[Step, ...] = (
    "ALTER TABLE projects ADD COLUMN popularity INTEGER",
    "ALTER TABLE projects ADD COLUMN latest_upload TEXT",
    "ALTER TABLE projects ADD COLUMN requires_python TEXT",
    "ALTER TABLE projects ADD COLUMN keywords TEXT",
    "ALTER TABLE projects ADD COLUMN commands TEXT",
    "INSERT INTO store_meta VALUES ('search_deferred', 0)",
    "CREATE INDEX projects_popularity ON projects(popularity) WHERE popularity IS NOT NULL",
    "CREATE INDEX releases_created ON releases(created)",
    Dialects(sqlite=_sqlite_statements(_SQLITE_SEARCH), postgresql=_POSTGRESQL_SEARCH),
)

MIGRATIONS: dict[int, tuple[Step, ...]] = {
    1: _SCHEMA_1,
    2: _SCHEMA_2,
    3: _SCHEMA_3,
    4: _SCHEMA_4,
    5: _SCHEMA_5,
    6: _SCHEMA_6,
}

# Every table of the newest schema, in an order that respects foreign keys: what
# ``ldindex migrate`` copies (``schema_version`` is written by the target's own migrations).
COPY_ORDER = (
    "store_meta",
    "store_settings",
    "projects",
    "releases",
    "files",
    "file_tags",
    "release_extras",
    "folder_files",
    "removed_files",
    "extrinsic_items",
    "extrinsic_revisions",
    "admin_events",
    "tokens",
)


def derived(table: str) -> bool:
    """Whether a table is derived from the others (the search indexes, FTS5's own tables
    among them): rebuilt on the target of a copy, never copied."""
    return table.startswith("search_")
