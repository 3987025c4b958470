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
    "Advisory",
    "Citation",
    "DependencyCorrection",
    "DistributionFile",
    "ExternalLink",
    "ExternalRequirement",
    "HardwareCapability",
    "PlatformFacts",
    "Project",
    "PythonFacts",
    "Release",
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


# Extrinsic metadata: facts about a project that its artefacts do not carry, written through
# the authenticated API and kept with revisions. ``version_range`` is a PEP 440 specifier set
# ("" = every version).


@dataclass(frozen=True, slots=True)
class Advisory:
    """A security advisory (OSV-shaped) affecting a range of a project's versions."""

    project: str
    advisory_id: str
    summary: str
    version_range: str = ""
    aliases: tuple[str, ...] = ()
    fixed_in: tuple[str, ...] = ()
    url: str | None = None
    severity: str | None = None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class DependencyCorrection:
    """A corrected Requires-Dist list for releases whose published metadata is wrong."""

    project: str
    version_range: str
    requires_dist: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ExternalRequirement:
    """A non-Python requirement (a C library, a compiler, a system tool), PEP 725-style."""

    project: str
    requirement: str
    kind: str = "host"
    version_range: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class HardwareCapability:
    """A hardware capability a release or file needs or can use (CUDA 12, AVX2, ...)."""

    project: str
    capability: str
    required: bool = True
    version_range: str = ""
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class ExternalLink:
    """The same software in another package manager (conda-forge, Debian, Homebrew, ...)."""

    project: str
    ecosystem: str
    package: str
    url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
