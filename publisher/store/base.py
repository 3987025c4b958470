"""The ``Store`` protocol and the values that cross it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from crosswalk.records import (
    AdminEvent,
    Citation,
    DistributionFile,
    ExtrinsicItem,
    Project,
    Release,
    Revision,
    Target,
)
from publisher.search.query import SearchQuery

__all__ = [
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
]

SCHEMA_VERSION = 6


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why."""


class StoreMissing(StoreError):
    """There is no database where the URL points, and the caller asked not to create one."""


class StoreReadOnly(StoreError):
    """The database exists but this user may not write it (open it read-only instead)."""


class FilenameReuse(StoreError):
    """A filename already in the index names different bytes (PyPI refuses this too)."""


class TargetNotFound(StoreError):
    """The project, release or file a write names is not in the index."""


class ItemNotFound(StoreError):
    """No extrinsic item has that id."""


class ItemGone(StoreError):
    """The item was deleted; its history can still be read."""


class ItemConflict(StoreError):
    """The write would contradict what is there (a second live correction for a target)."""


class RevisionConflict(StoreError):
    """The item moved on since the revision the writer read (a stale If-Match)."""

    def __init__(self, message: str, current: int) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True, slots=True)
class Author:
    """Who makes a write: a token's name and id, or a local user of the CLI (no token)."""

    name: str
    token_id: str | None = None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An API token as stored: never the secret, only its SHA-256."""

    token_id: str
    name: str
    scope: str
    secret_hash: str
    created: datetime
    expires: datetime | None = None
    revoked: datetime | None = None


@dataclass(frozen=True, slots=True)
class FolderEntry:
    """Where an indexed file's bytes are in the served folder (directory mode), and the
    size and modification time they had when read: a file whose stat moves is read again.

    ``path`` is relative to the folder, with ``/`` separators, so a folder moved elsewhere
    keeps its entries."""

    filename: str
    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class NewFile:
    """Everything ingest learnt about one file, written in one transaction.

    ``metadata_rank`` orders candidate sources of a release's metadata: a release takes its
    metadata from its highest-ranked file (wheels over sdists over legacy formats), the first
    one ingested among equals. ``entry_points`` and ``citation`` are kept for the release
    from the first file that carries them (``publisher.store.sql_release`` applies both
    rules, at ingest and when a withdrawal derives a release again). ``folder`` is set in
    directory mode: the bytes stay in the served folder, at that entry, instead of the file
    store.
    """

    file: DistributionFile
    display_name: str
    metadata: Mapping[str, Any]
    metadata_bytes: bytes | None
    metadata_rank: int
    entry_points: Mapping[str, Mapping[str, str]] | None = None
    citation: Citation | None = None
    folder: FolderEntry | None = None


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    """A line of the project listing: what ``ldindex list`` shows."""

    name: str
    display_name: str
    summary: str | None
    latest_version: str | None


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """A project as a listing of the whole catalogue states it: what search and the listing
    carry, with or without releases held here.

    ``latest_upload`` is ISO 8601 (a month, ``2024-05``, when that is all the listing knew);
    ``popularity`` is a download rank (1 = most downloaded), None when unknown; ``commands``
    are the console scripts of the latest release.
    """

    name: str
    display_name: str
    summary: str | None = None
    latest_version: str | None = None
    latest_upload: str | None = None
    requires_python: str | None = None
    popularity: int | None = None
    keywords: str | None = None
    commands: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of search results, best first. ``total`` counts the ranked results; ``more``
    says that yet more projects matched than a search ranks (common words)."""

    hits: tuple[ListingEntry, ...]
    total: int
    more: bool = False


@runtime_checkable
class Store(Protocol):
    """What every database behind ldindex provides."""

    url: str
    read_only: bool  # opened for reading only: every write raises StoreError

    def close(self) -> None: ...

    def file_sha256(self, filename: str) -> str | None:
        """The sha256 of the file already indexed under ``filename``, if any."""

    def add_file(self, new: NewFile) -> bool:
        """Index a file, its release and project in one transaction.

        Returns False when the same bytes are already indexed under that filename; raises
        ``FilenameReuse`` when the filename is taken by other bytes, including a filename
        that was removed (a filename names one set of bytes for good, as on PyPI). The same
        bytes under a removed filename are indexed again.
        """

    def releases_derived_from(self, filenames: Iterable[str]) -> list[tuple[str, str]]:
        """(project, version) of the releases that took their metadata or an extra (entry
        points, citation) from one of these indexed files, sorted: those that withdrawing
        the files leaves to derive again from the files they keep (``remove_files``)."""

    def remove_files(
        self,
        filenames: Iterable[str],
        author: Author,
        reason: str | None,
        reread: Iterable[NewFile] = (),
    ) -> list[DistributionFile]:
        """Withdraw files from the index in one transaction; return the records removed
        (unknown names are passed over).

        A release left without files goes, and a project left without releases: they answer
        404 and leave every listing. A release that keeps files is, after the withdrawal,
        what those files say: when it took its metadata or an extra from a withdrawn file
        (``releases_derived_from``), ``reread`` must hold every file it keeps, read again as
        ingest describes them, and the release is derived again from them in the same
        transaction, as if they alone had been ingested in the order given (metadata from
        the first of the highest rank, each extra from the first that carries one, the
        creation time of the first). A project that loses the last release spelling its
        display name takes its latest release's spelling. ``StoreError`` (and nothing
        withdrawn) when such a release is not in ``reread``, when ``reread`` holds other
        files or other bytes than a release keeps, or names a release that loses no file.

        Each removal is an administrative event of its project (``remove``), and the
        filename stays bound to its sha256 (see ``add_file``). Extrinsic items keep their
        target and their history: detached while the target is gone, they apply again if it
        comes back. The store-wide generation moves once, and ``changed_since`` names every
        project touched, removed ones included, so every process drops what it derived
        from them.
        """

    # -- directory mode: the served folder and where each file is in it ----------------------

    def folder_root(self) -> str | None:
        """The folder this index mirrors (directory mode), as last set; None otherwise."""

    def set_folder_root(self, root: str) -> None:
        """Record the folder this index mirrors (an absolute path)."""

    def folder_entries(self) -> list[FolderEntry]:
        """Every file indexed from the folder, with where it is and the stat it was read at."""

    def folder_entry(self, filename: str) -> FolderEntry | None:
        """Where an indexed file is in the folder; None when its bytes are elsewhere."""

    def record_folder_entry(self, entry: FolderEntry) -> bool:
        """Record (or move) where an indexed file's bytes are in the folder; False when the
        filename is not indexed. Not a change any page shows, so no generation moves."""

    def project_names(self) -> list[str]:
        """Normalised names of every project, sorted."""

    def known_projects(self, names: Iterable[str]) -> set[str]:
        """Those of ``names`` (normalised here) that the store holds, normalised."""

    def counts(self) -> dict[str, int]:
        """How many ``projects``, ``releases`` and ``files`` the store holds."""

    def file_totals(self) -> dict[str, tuple[int, int]]:
        """Per project (normalised name): how many files it has and their total bytes."""

    def release_dates(self) -> list[tuple[str, str, datetime]]:
        """(project, version, newest upload time) of every release, sorted."""

    def project_listing(self) -> list[ProjectSummary]:
        """Every project's name, display name, summary and latest version, sorted by name
        (for small outputs; ``iter_listing`` streams the whole catalogue)."""

    def listing_entry(self, name: str) -> ListingEntry | None:
        """One project as the listing shows it (``name`` normalised), or None."""

    def iter_listing(self) -> Iterator[ListingEntry]:
        """Every project as the catalogue listing shows it, in name order, streamed: at
        PyPI scale (close to a million projects) nothing but the current row is held."""

    def latest_releases(self, limit: int) -> list[tuple[str, str, str, datetime]]:
        """(project, display name, version, newest upload time) of the most recently
        uploaded releases, newest first."""

    def search(self, query: SearchQuery, offset: int = 0, limit: int = 20) -> SearchResults:
        """Projects matching ``query``, ranked by ``publisher.search.ranking``: the exact
        name, then a popular name a typo away, then prefix, name-word and full-text matches
        weighted by popularity. Never raises for what a person can type."""

    def import_listing(
        self, entries: Iterable[ListingEntry], on_progress: Callable[[int], None] | None = None
    ) -> int:
        """Add or update projects from a catalogue listing, in one transaction; returns how
        many entries were read. Projects with releases held here keep what their releases
        say (summary, latest version…) and take only the popularity from the listing.
        ``on_progress`` is called with the number of entries read so far."""

    def snapshot_catalogue(self, target: Path) -> None:
        """Write a consistent copy of the public catalogue (projects, releases, files and the
        search index, none of the stored metadata bytes) to the SQLite file ``target``."""

    def get_project(self, name: str) -> Project | None:
        """A project with all its releases and files, or None. ``name`` is normalised here."""

    def get_release(self, name: str, version: str) -> Release | None:
        """One release with its files, or None. ``version`` matches in PEP 440 normal form."""

    def get_file(self, filename: str) -> DistributionFile | None: ...

    def metadata_bytes(self, filename: str) -> bytes | None:
        """The exact core-metadata bytes of a file (served per PEP 658), if kept."""

    def generation(self, name: str | None = None) -> int:
        """The store-wide write counter (cheap enough to ask on every request), or its value
        at one project's last write (0 for an unknown project)."""

    def mark_changed(self, project: str | None = None) -> int:
        """Record a change that no write made (an edit outside ldindex, a cache flush): one
        project (normalised here) or, with None, every project and site-wide page. Moves the
        store-wide generation, so every process's caches and derived structures (search,
        listings) rebuild; returns the new generation."""

    def changed_since(self, generation: int) -> list[str]:
        """Normalised names of the projects written after store generation ``generation``."""

    def withdrawn_since(self, generation: int) -> list[str]:
        """Normalised names of the projects that had files withdrawn after ``generation``
        (whose file URLs a CDN must forget), sorted."""

    def iter_projects(self) -> Iterable[Project]:
        """Every project with releases and files, in name order."""

    # -- extrinsic metadata: every write one transaction that bumps the project's generation

    def create_item(
        self, kind: str, target: Target, data: Mapping[str, Any], author: Author, reason: str | None
    ) -> ExtrinsicItem:
        """Attach a new item (revision 1). Raises ``TargetNotFound`` for an unknown project,
        release or file, ``ItemConflict`` for a second live item of a one-per-target kind."""

    def revise_item(
        self,
        item_id: str,
        data: Mapping[str, Any] | None,
        author: Author,
        reason: str | None,
        expected_revision: int | None = None,
        action: str = "replace",
    ) -> ExtrinsicItem:
        """Write the next revision: new data, or ``None`` to delete (softly). A deleted item
        given data is restored. Raises ``ItemNotFound``, ``ItemGone`` (deleting twice) and
        ``RevisionConflict`` when ``expected_revision`` is not the current one."""

    def get_item(self, item_id: str) -> ExtrinsicItem | None:
        """An item in its current state, deleted or not."""

    def list_items(
        self,
        target: Target,
        kind: str | None = None,
        include_deleted: bool = False,
        exact: bool = True,
    ) -> list[ExtrinsicItem]:
        """Items attached to exactly ``target`` (or, with ``exact=False``, to it and to
        everything under it: a project's releases and files, a release's files)."""

    def item_history(self, item_id: str) -> list[Revision]:
        """Every revision of an item, oldest first (empty for an unknown id)."""

    def item_revision(self, item_id: str, revision: int) -> Revision | None: ...

    # -- index administration ----------------------------------------------------------------

    def set_yanked(
        self, target: Target, yanked: bool, reason: str | None, author: Author
    ) -> AdminEvent | None:
        """Yank or un-yank a release or one file (PEP 592). Returns the recorded event, or
        None when nothing changed. Raises ``TargetNotFound``."""

    def set_project_status(
        self, name: str, status: str, reason: str | None, author: Author
    ) -> AdminEvent | None:
        """Set a project's PEP 792 status (active, archived, quarantined, deprecated)."""

    def admin_events(self, name: str) -> list[AdminEvent]:
        """A project's administrative changes, oldest first."""

    # -- API tokens ---------------------------------------------------------------------------

    def add_token(self, token: TokenRecord) -> None: ...

    def get_token(self, token_id: str) -> TokenRecord | None: ...

    def list_tokens(self) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: str, when: datetime) -> bool:
        """Revoke a token from ``when`` on; False if unknown or already revoked."""
