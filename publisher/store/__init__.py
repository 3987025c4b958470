"""The store: one protocol, one implementation per database, picked by URL.

``open_store("sqlite:///path/to.db")`` gives the embedded default. Every implementation
passes the same contract tests (``tests/store/test_contract.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
    "default_files_dir",
    "default_published_dir",
    "open_store",
]

DEFAULT_URL = "sqlite:///./ldindex.db"


def _open_sqlite(url: str, read_only: bool, create: bool) -> Store:
    from publisher.store.sqlite import SQLiteStore

    return SQLiteStore(sqlite_path(url), read_only=read_only, create=create)


BACKENDS: dict[str, Callable[[str, bool, bool], Store]] = {"sqlite": _open_sqlite}


def sqlite_path(url: str) -> Path:
    """The database path of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL."""
    rest = url.removeprefix("sqlite://")
    if not rest.startswith("/"):
        raise StoreError(f"{url!r}: a SQLite URL reads sqlite:///path/to/file.db")
    return Path(rest[1:])


def open_store(url: str = DEFAULT_URL, *, read_only: bool = False, create: bool = True) -> Store:
    """Open the store a URL names, creating or migrating its schema as needed.

    ``create=False`` raises ``StoreMissing`` instead of creating a database; ``read_only``
    (which implies it) needs only read access and never writes, not even a migration.
    """
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    backend = BACKENDS.get(scheme)
    if backend is None:
        known = ", ".join(sorted(BACKENDS))
        raise StoreError(f"{url!r}: unknown database scheme {scheme!r} (known: {known})")
    return backend(url, read_only, create and not read_only)


def default_files_dir(url: str) -> Path:
    """Where artefact bytes go when no directory is given: beside a SQLite database
    (``ldindex.db`` → ``ldindex-files/``), else ``./ldindex-files``."""
    if url.startswith("sqlite:"):
        db = sqlite_path(url)
        return db.with_name(f"{db.stem}-files")
    return Path("ldindex-files")


def default_published_dir(url: str) -> Path:
    """Where documents built from the whole catalogue go (``publisher.published``): beside a
    SQLite database (``ldindex.db`` → ``ldindex-published/``), else ``./ldindex-published``."""
    if url.startswith("sqlite:"):
        db = sqlite_path(url)
        return db.with_name(f"{db.stem}-published")
    return Path("ldindex-published")
