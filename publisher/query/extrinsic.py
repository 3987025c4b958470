"""Extrinsic metadata in a query result: what the index knows beyond the artefacts.

``extrinsic_records(store, project)`` is the one place the query reads such records
(advisories, dependency corrections, external requirements, hardware capabilities, external
links, as ``crosswalk.records`` defines them); ``extrinsic_section`` keeps those that concern
the release and files shown and lays them out by kind. The store keeps no extrinsic records
yet, so the section is present with every kind empty until it does; the dependency
evaluation (``publisher.query.dependencies``) takes its corrected requirement lists from the
same records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from crosswalk.records import (
    Advisory,
    DependencyCorrection,
    DistributionFile,
    ExternalLink,
    ExternalRequirement,
    HardwareCapability,
    Release,
)
from publisher.store import Store

__all__ = ["KINDS", "ExtrinsicRecord", "applies_to", "extrinsic_records", "extrinsic_section"]

ExtrinsicRecord = (
    Advisory | DependencyCorrection | ExternalRequirement | HardwareCapability | ExternalLink
)
# Section key of each kind, in the order the result lists them.
KINDS: dict[type, str] = {
    Advisory: "advisories",
    DependencyCorrection: "dependency_corrections",
    ExternalRequirement: "external_requirements",
    HardwareCapability: "hardware_capabilities",
    ExternalLink: "external_links",
}


def extrinsic_records(store: Store, project: str) -> tuple[ExtrinsicRecord, ...]:
    """Every extrinsic record attached to ``project`` (its releases and files included).

    The store has no extrinsic records yet: none are returned, and none are made up.
    """
    return ()


def applies_to(record: ExtrinsicRecord, release: Release) -> bool:
    """Whether a record's version range covers the release ("" covers every version)."""
    text = getattr(record, "version_range", "")
    if not text:
        return True
    try:
        return SpecifierSet(text).contains(release.version, prereleases=True)
    except InvalidSpecifier:
        return False


def extrinsic_section(
    records: Iterable[ExtrinsicRecord], release: Release, files: Sequence[DistributionFile]
) -> dict[str, list[dict[str, Any]]]:
    """The records about ``release`` or one of ``files``, by kind; every kind present."""
    filenames = {f.filename for f in files}
    section: dict[str, list[dict[str, Any]]] = {key: [] for key in KINDS.values()}
    for record in records:
        if not applies_to(record, release):
            continue
        filename = getattr(record, "filename", None)
        if filename is not None and filename not in filenames:
            continue
        section[KINDS[type(record)]].append(_plain(record))
    return section


def _plain(record: ExtrinsicRecord) -> dict[str, Any]:
    return {k: _value(v) for k, v in dataclasses.asdict(record).items() if k != "project"}


def _value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
