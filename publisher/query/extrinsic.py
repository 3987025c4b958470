"""Extrinsic metadata in a query result: what the index knows beyond the artefacts.

``extrinsic_records(store, project)`` is the one place the query reads the project's live
extrinsic items (every level); ``extrinsic_section`` keeps those that concern the release
and the files shown and lays them out by kind, each with its provenance (who recorded it,
when, why, which revision). The dependency evaluation (``publisher.query.dependencies``)
takes its corrected requirement list from the same items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from crosswalk.extrinsic_graph import advisory_affects
from crosswalk.plain import item_dict
from crosswalk.records import (
    ADVISORY,
    DEPENDENCY_CORRECTION,
    EXTERNAL_LINK,
    EXTERNAL_REQUIREMENT,
    HARDWARE_CAPABILITY,
    DistributionFile,
    ExtrinsicItem,
    Release,
    Target,
)
from publisher.store import Store

__all__ = ["KINDS", "concerns", "extrinsic_records", "extrinsic_section"]

# Section key of each kind, in the order the result lists them.
KINDS: dict[str, str] = {
    ADVISORY: "advisories",
    DEPENDENCY_CORRECTION: "dependency_corrections",
    EXTERNAL_REQUIREMENT: "external_requirements",
    HARDWARE_CAPABILITY: "hardware_capabilities",
    EXTERNAL_LINK: "external_links",
}


def extrinsic_records(store: Store, project: str) -> tuple[ExtrinsicItem, ...]:
    """Every live extrinsic item of ``project``: its own, its releases' and its files'."""
    return tuple(store.list_items(Target(project), exact=False))


def concerns(item: ExtrinsicItem, release: Release, filenames: Iterable[str]) -> bool:
    """Whether an item is about ``release`` or one of ``filenames``: attached to the project,
    the release or one of those files; an advisory, when it affects the release (a
    project-wide one by its OSV ranges) or is attached to one of those files."""
    if item.deleted:
        return False
    target = item.target
    on_file = target.version == release.version and target.filename in set(filenames)
    if item.kind == ADVISORY:
        return on_file or advisory_affects(item, release.version)
    if target.filename is not None:
        return on_file
    return target.version in (None, release.version)


def extrinsic_section(
    records: Iterable[ExtrinsicItem], release: Release, files: Sequence[DistributionFile]
) -> dict[str, list[dict[str, Any]]]:
    """The items about ``release`` or one of ``files``, by kind; every kind present."""
    filenames = [f.filename for f in files]
    section: dict[str, list[dict[str, Any]]] = {key: [] for key in KINDS.values()}
    for item in records:
        if item.kind in KINDS and concerns(item, release, filenames):
            section[KINDS[item.kind]].append(item_dict(item))
    return section
