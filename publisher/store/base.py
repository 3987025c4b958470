"""The ``Store`` protocol and the values that cross it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from crosswalk.records import Citation, DistributionFile, Project, Release

__all__ = ["FilenameReuse", "NewFile", "ProjectSummary", "Store", "StoreError"]

SCHEMA_VERSION = 2


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why."""


class FilenameReuse(StoreError):
    """A filename already in the index names different bytes (PyPI refuses this too)."""


@dataclass(frozen=True, slots=True)
class NewFile:
    """Everything ingest learnt about one file, written in one transaction.

    ``metadata_rank`` orders candidate sources of a release's metadata: a release takes its
    metadata from its highest-ranked file (wheels over sdists over legacy formats), the first
    one ingested among equals. ``entry_points`` and ``citation`` are kept for the release
    from the first file that carries them.
    """

    file: DistributionFile
    display_name: str
    metadata: Mapping[str, Any]
    metadata_bytes: bytes | None
    metadata_rank: int
    entry_points: Mapping[str, Mapping[str, str]] | None = None
    citation: Citation | None = None


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    """A line of the project listing: what search and the simple index need."""

    name: str
    display_name: str
    summary: str | None
    latest_version: str | None


@runtime_checkable
class Store(Protocol):
    """What every database behind ldindex provides."""

    url: str

    def close(self) -> None: ...

    def file_sha256(self, filename: str) -> str | None:
        """The sha256 of the file already indexed under ``filename``, if any."""

    def add_file(self, new: NewFile) -> bool:
        """Index a file, its release and project in one transaction.

        Returns False when the same bytes are already indexed under that filename; raises
        ``FilenameReuse`` when the filename is taken by other bytes.
        """

    def project_names(self) -> list[str]:
        """Normalised names of every project, sorted."""

    def known_projects(self, names: Iterable[str]) -> set[str]:
        """Those of ``names`` (normalised here) that the store holds, normalised."""

    def counts(self) -> dict[str, int]:
        """How many ``projects``, ``releases`` and ``files`` the store holds."""

    def release_dates(self) -> list[tuple[str, str, datetime]]:
        """(project, version, newest upload time) of every release, sorted."""

    def project_listing(self) -> list[ProjectSummary]:
        """Every project's name, display name, summary and latest version, sorted by name."""

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

    def changed_since(self, generation: int) -> list[str]:
        """Normalised names of the projects written after store generation ``generation``."""

    def iter_projects(self) -> Iterable[Project]:
        """Every project with releases and files, in name order."""
