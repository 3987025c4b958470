"""The records every part of ldindex shares: what the store returns and the crosswalk maps.

Records are frozen dataclasses holding plain values (str, int, tuples, and JSON-shaped mappings
for core metadata), so they serialise to JSON as they are and hash/compare by value.

Core metadata is kept in the shape of ``packaging.metadata.RawMetadata``: field names are the
metadata names lower-cased with ``_`` (``requires_dist``, ``project_urls``, ...), multi-use
fields are lists, ``project_urls`` is a mapping of label to URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crosswalk.names import latest_version

__all__ = [
    "ADVISORY",
    "DEPENDENCY_CORRECTION",
    "EXTERNAL_LINK",
    "EXTERNAL_REQUIREMENT",
    "EXTRINSIC_KINDS",
    "HARDWARE_CAPABILITY",
    "ONE_PER_TARGET",
    "AdminEvent",
    "Change",
    "Citation",
    "DistributionFile",
    "ExtrinsicItem",
    "PlatformFacts",
    "Project",
    "PythonFacts",
    "Release",
    "Revision",
    "Target",
]


@dataclass(frozen=True, slots=True)
class PlatformFacts:
    """What one platform tag of a file says about its target system.

    ``os`` is a lower-case family (``linux``, ``macos``, ``windows``, ``android``, ``ios``, ...,
    or ``any``); ``os_version`` the minimum version the file needs (glibc ``2.17`` for
    ``manylinux2014``, macOS ``11.0``); ``libc`` is ``glibc`` or ``musl`` on Linux.
    """

    platform_tag: str
    os: str
    os_version: str | None = None
    libc: str | None = None
    architectures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PythonFacts:
    """What one interpreter/ABI tag pair of a file says about the Python it needs."""

    interpreter_tag: str
    implementation: str
    python_version: str | None
    abi_tag: str


@dataclass(frozen=True, slots=True)
class DistributionFile:
    """One artefact file of a release, with the facts a tool needs to pick it for a target."""

    filename: str
    project: str
    version: str
    packagetype: str
    size: int
    hashes: Mapping[str, str]
    upload_time: datetime
    url_path: str
    requires_python: str | None = None
    tags: tuple[str, ...] = ()
    python: tuple[PythonFacts, ...] = ()
    platforms: tuple[PlatformFacts, ...] = ()
    build_tag: str | None = None
    variant: str | None = None
    comment: str | None = None
    signature: str | None = None
    metadata_version: str | None = None
    metadata_sha256: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    # Every member's content was checked at ingest (CRC-32s, a wheel's RECORD hashes), not
    # only the archive's structure and metadata.
    verified: bool = False

    @property
    def os(self) -> tuple[str, ...]:
        """The operating-system families the file runs on, in tag order, without repeats."""
        return tuple(dict.fromkeys(p.os for p in self.platforms))

    @property
    def architectures(self) -> tuple[str, ...]:
        """The CPU architectures the file runs on, in tag order, without repeats."""
        return tuple(dict.fromkeys(a for p in self.platforms for a in p.architectures))


@dataclass(frozen=True, slots=True)
class Citation:
    """Citation metadata a release ships (``CITATION.cff`` or ``codemeta.json``).

    ``data`` is in the shape of CFF 1.2 whatever the source (``title``, ``authors`` with
    ``given-names``/``family-names``/``name``/``orcid``/``email``/``affiliation``, ``doi``,
    ``identifiers``, ``keywords``, ``preferred-citation``, ``funding``...), validated at
    ingest; ``text`` is the file as shipped; ``member`` its path inside ``filename``.
    """

    filename: str
    member: str
    format: str  # "cff" or "codemeta"
    data: Mapping[str, Any]
    text: str


@dataclass(frozen=True, slots=True)
class Release:
    """One version of a project: its core metadata and its files.

    ``metadata`` comes from the release's most informative file (a wheel before an sdist);
    ``metadata_source`` names that file. ``entry_points`` is a wheel's ``entry_points.txt``
    (group -> name -> object reference); ``citation`` the citation file a file carried.
    """

    project: str
    version: str
    metadata: Mapping[str, Any]
    files: tuple[DistributionFile, ...] = ()
    metadata_source: str | None = None
    created: datetime | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    entry_points: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    citation: Citation | None = None

    @property
    def name(self) -> str:
        """The project's name as its metadata spells it."""
        return str(self.metadata.get("name") or self.project)

    @property
    def summary(self) -> str | None:
        return self.metadata.get("summary")

    @property
    def requires_python(self) -> str | None:
        return self.metadata.get("requires_python")


@dataclass(frozen=True, slots=True)
class Project:
    """A project: its normalised name (PEP 503), display name, and releases oldest first."""

    name: str
    display_name: str
    releases: tuple[Release, ...] = ()
    generation: int = 0
    status: str | None = None
    status_reason: str | None = None

    @property
    def latest(self) -> Release | None:
        """The newest release that is not a pre-release (or the newest of all if all are)."""
        newest = latest_version([r.version for r in self.releases])
        return next((r for r in self.releases if r.version == newest), None)

    @property
    def summary(self) -> str | None:
        latest = self.latest
        return latest.summary if latest else None


# Extrinsic metadata: facts about a project, release or file that its artefacts do not carry,
# written through the authenticated API (or the CLI) and kept with every revision. The kind's
# document (``ExtrinsicItem.data``) is JSON-shaped and already validated against the kind's
# schema (``publisher.extrinsic.kinds``); the crosswalk maps it into the graph.

ADVISORY = "advisory"
DEPENDENCY_CORRECTION = "dependency-correction"
EXTERNAL_REQUIREMENT = "external-requirement"
HARDWARE_CAPABILITY = "hardware-capability"
EXTERNAL_LINK = "external-link"
EXTRINSIC_KINDS = (
    ADVISORY,
    DEPENDENCY_CORRECTION,
    EXTERNAL_REQUIREMENT,
    HARDWARE_CAPABILITY,
    EXTERNAL_LINK,
)
# Kinds of which a target holds at most one live item: two corrected dependency lists for
# the same release would contradict each other.
ONE_PER_TARGET = frozenset({DEPENDENCY_CORRECTION})


@dataclass(frozen=True, slots=True)
class Target:
    """What an extrinsic item is attached to: a project, one of its releases, or one file.

    ``project`` is normalised (PEP 503), ``version`` in PEP 440 normal form; ``filename`` is
    set only for a file, and then ``version`` is that file's release.
    """

    project: str
    version: str | None = None
    filename: str | None = None

    @property
    def level(self) -> str:
        if self.filename is not None:
            return "file"
        return "release" if self.version is not None else "project"


@dataclass(frozen=True, slots=True)
class Change:
    """Who changed an item, when, why, and which revision that made."""

    revision: int
    action: str  # create | replace | update | delete | restore
    author: str
    at: datetime
    reason: str | None = None
    token_id: str | None = None


@dataclass(frozen=True, slots=True)
class ExtrinsicItem:
    """The current state of one extrinsic item; ``updated`` is its latest change."""

    item_id: str
    kind: str
    target: Target
    data: Mapping[str, Any]
    revision: int
    created: Change
    updated: Change
    deleted: bool = False

    @property
    def etag(self) -> str:
        """A strong entity tag naming this revision of this item."""
        return f'"{self.item_id}-r{self.revision}"'


@dataclass(frozen=True, slots=True)
class Revision:
    """One immutable step in an item's history: its document before and after the change
    (``None`` where the item did not exist or was deleted)."""

    item_id: str
    kind: str
    target: Target
    change: Change
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class AdminEvent:
    """One administrative change (yank, unyank, project status, removal of a file), kept for
    the record."""

    event_id: int
    action: str  # yank | unyank | status | remove
    target: Target
    author: str
    at: datetime
    reason: str | None
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    token_id: str | None = None
