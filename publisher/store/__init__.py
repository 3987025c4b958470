"""The store: one protocol, one implementation per database, picked by URL.

``open_store("sqlite:///path/to.db")`` gives the embedded default;
``open_store("postgresql://user:password@host/db")`` a database many workers on many
machines share (with ``read_url`` naming a read replica). Every implementation passes the
same contract tests (``tests/store/test_contract.py``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from publisher.store.base import (
    Author,
    FilenameReuse,
    FolderEntry,
    ItemConflict,
    ItemGone,
    ItemNotFound,
    ListingEntry,
    NewFile,
    ProjectSummary,
    RevisionConflict,
    SearchResults,
    Store,
    StoreError,
    StoreMissing,
    StoreReadOnly,
    TargetNotFound,
    TokenRecord,
)

__all__ = [
    "DEFAULT_URL",
    "Author",
    "FilenameReuse",
    "FolderEntry",
    "ItemConflict",
    "ItemGone",
    "ItemNotFound",
    "ListingEntry",
    "NewFile",
    "ProjectSummary",
    "RevisionConflict",
    "SearchResults",
    "Store",
    "StoreError",
    "StoreMissing",
    "StoreReadOnly",
    "TargetNotFound",
    "TokenRecord",
    "database_key",
    "default_files_dir",
    "default_published_dir",
    "open_store",
    "redact_url",
]

DEFAULT_URL = "sqlite:///./ldindex.db"


def _open_sqlite(url: str, read_only: bool, create: bool, read_url: str | None) -> Store:
    from publisher.store.sqlite import SQLiteStore

    if read_url is not None:
        raise StoreError(
            f"{redact_url(read_url)}: a read replica needs a PostgreSQL database, not SQLite"
        )
    return SQLiteStore(sqlite_path(url), read_only=read_only, create=create)


def _open_postgresql(url: str, read_only: bool, create: bool, read_url: str | None) -> Store:
    from publisher.store.postgresql import PostgreSQLStore

    if read_url is not None and _scheme(read_url) not in ("postgresql", "postgres"):
        raise StoreError(f"{redact_url(read_url)}: a read replica is a postgresql:// URL")
    return PostgreSQLStore(url, read_only=read_only, create=create, read_url=read_url)


BACKENDS: dict[str, Callable[[str, bool, bool, str | None], Store]] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgresql,
    "postgres": _open_postgresql,
}


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def redact_url(url: str) -> str:
    """A database URL as messages may show it: without its password."""
    from urllib.parse import urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}{port}"))


def sqlite_path(url: str) -> Path:
    """The database path of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL."""
    rest = url.removeprefix("sqlite://")
    if not rest.startswith("/"):
        raise StoreError(f"{url!r}: a SQLite URL reads sqlite:///path/to/file.db")
    return Path(rest[1:])


def open_store(
    url: str = DEFAULT_URL,
    *,
    read_only: bool = False,
    create: bool = True,
    read_url: str | None = None,
) -> Store:
    """Open the store a URL names, creating or migrating its schema as needed.

    ``create=False`` raises ``StoreMissing`` instead of creating a database (or, on
    PostgreSQL, the schema); ``read_only`` (which implies it) needs only read access and
    never writes, not even a migration. ``read_url`` names a read replica of a PostgreSQL
    primary: reads go there while it is up to date.
    """
    scheme = _scheme(url)
    backend = BACKENDS.get(scheme)
    if backend is None:
        known = ", ".join(sorted(BACKENDS))
        raise StoreError(
            f"{redact_url(url)!r}: unknown database scheme {scheme!r} (known: {known})"
        )
    return backend(url, read_only, create and not read_only, read_url)


def default_files_dir(url: str) -> Path:
    """Where artefact bytes go when no directory is given: beside a SQLite database
    (``ldindex.db`` → ``ldindex-files/``), else ``./ldindex-files``."""
    if url.startswith("sqlite:"):
        db = sqlite_path(url)
        return db.with_name(f"{db.stem}-files")
    return Path("ldindex-files")


def database_key(url: str) -> str:
    """A directory name for the database a server URL names: its name and a hash of server,
    port, name and options (not user or password), so that what is built from one database
    never answers for another served from the same working directory."""
    parts = urlsplit(url)
    where = f"{parts.hostname or ''}:{parts.port or ''}{parts.path}?{parts.query}"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", parts.path.strip("/")) or "db"
    return f"{name}-{hashlib.sha256(where.encode()).hexdigest()[:12]}"


def default_published_dir(url: str) -> Path:
    """Where documents built from the whole catalogue go (``publisher.published``): beside a
    SQLite database (``ldindex.db`` → ``ldindex-published/``); for a database server,
    ``./ldindex-published/`` and a directory of that database's own (``database_key``)."""
    if url.startswith("sqlite:"):
        db = sqlite_path(url)
        return db.with_name(f"{db.stem}-published")
    return Path("ldindex-published") / database_key(url)
