"""Extrinsic items as the pages show them: advisories first, then corrected dependencies,
external requirements, hardware capabilities and links, each with where it came from.

The graph (``crosswalk.extrinsic_graph``) states the same facts for machines; these views
are what ``templates/_extrinsic.html`` lays out for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crosswalk.extrinsic_graph import advisory_affects
from crosswalk.osv import fixed_versions
from crosswalk.records import (
    ADVISORY,
    DEPENDENCY_CORRECTION,
    EXTERNAL_LINK,
    EXTERNAL_REQUIREMENT,
    HARDWARE_CAPABILITY,
    ExtrinsicItem,
)
from crosswalk.vocab import item_iri

__all__ = ["ExtrinsicView", "advisory_counts", "extrinsic_view"]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who recorded an item's current revision, when and why; where its history is."""

    author: str
    at: str
    reason: str | None
    revision: int
    history: str


@dataclass(frozen=True, slots=True)
class ItemView:
    item: ExtrinsicItem
    data: dict[str, Any]
    where: str  # "project", "release", or the filename
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class AdvisoryView:
    id: str
    aliases: list[str]
    summary: str
    severity: list[str]
    fixed_in: list[str]
    url: str | None
    where: str
    provenance: Provenance


@dataclass
class ExtrinsicView:
    advisories: list[AdvisoryView] = field(default_factory=list)
    corrections: list[ItemView] = field(default_factory=list)
    external_requirements: list[ItemView] = field(default_factory=list)
    hardware: list[ItemView] = field(default_factory=list)
    links: list[ItemView] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(
            (self.advisories, self.corrections, self.external_requirements, self.hardware,
             self.links)
        )  # fmt: skip


def _provenance(item: ExtrinsicItem, base: str) -> Provenance:
    return Provenance(
        author=item.updated.author,
        at=item.updated.at.strftime("%Y-%m-%d %H:%M UTC"),
        reason=item.updated.reason,
        revision=item.revision,
        history=f"{item_iri(base, item.item_id)}/history",
    )


def _where(item: ExtrinsicItem) -> str:
    return item.target.filename or item.target.level


def _advisory(item: ExtrinsicItem, base: str) -> AdvisoryView:
    data = item.data
    references = data.get("references") or []
    url = next((r["url"] for r in references if r.get("type") == "ADVISORY"), None)
    url = url or next((r["url"] for r in references), None)
    return AdvisoryView(
        id=str(data.get("id")),
        aliases=list(data.get("aliases") or []),
        summary=str(data.get("summary") or data.get("details") or "")[:300],
        severity=[f"{s.get('type')} {s.get('score')}" for s in data.get("severity") or []],
        fixed_in=fixed_versions(data, item.target.project),
        url=url,
        where=_where(item),
        provenance=_provenance(item, base),
    )


def extrinsic_view(
    items: Iterable[ExtrinsicItem], base: str, version: str | None = None,
    filenames: Sequence[str] = (),
) -> ExtrinsicView:  # fmt: skip
    """What a page shows: for a release (``version``), the advisories affecting it or its
    files and the items attached to it, its files or the project; for a project page
    (``version`` None), the project's own items."""
    view = ExtrinsicView()
    for item in items:
        if item.deleted:
            continue
        target = item.target
        if item.kind == ADVISORY:
            on_file = version is not None and target.filename in filenames
            if (version is not None and advisory_affects(item, version)) or on_file:
                view.advisories.append(_advisory(item, base))
            continue
        if version is None:
            concerns = target.version is None
        else:
            concerns = target.version in (None, version) and (
                target.filename is None or target.filename in filenames
            )
        if not concerns:
            continue
        shown = ItemView(item, dict(item.data), _where(item), _provenance(item, base))
        {
            DEPENDENCY_CORRECTION: view.corrections,
            EXTERNAL_REQUIREMENT: view.external_requirements,
            HARDWARE_CAPABILITY: view.hardware,
            EXTERNAL_LINK: view.links,
        }[item.kind].append(shown)
    return view


def advisory_counts(items: Iterable[ExtrinsicItem], versions: Iterable[str]) -> dict[str, int]:
    """How many advisories affect each version (versions with none left out)."""
    advisories = [i for i in items if i.kind == ADVISORY and not i.deleted]
    counts = {}
    for version in versions:
        n = sum(1 for a in advisories if advisory_affects(a, version))
        if n:
            counts[version] = n
    return counts
