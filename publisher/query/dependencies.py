"""A release's dependencies, evaluated for an environment.

``requirement_source`` picks the list: the release's Requires-Dist, or the dependency
correction recorded for it or for the chosen file (the artefact's own metadata stays as
published; the correction is what installs should use, and the answer says it is corrected,
by whom, when, why and at which revision). ``evaluate`` resolves each entry's marker with the
environment's PEP 508 values and the requested extras, through ``packaging.markers``: an
entry applies (true), does not (false), or stays undecided (null) when its marker needs a
value the environment does not state, which it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from crosswalk.plain import corrected_requirements
from crosswalk.records import ExtrinsicItem, Release

__all__ = ["RequirementSource", "evaluate", "requirement_source"]


@dataclass(frozen=True, slots=True)
class RequirementSource:
    """Where a release's requirement list comes from: ``core-metadata`` (Requires-Dist) or
    ``correction`` (with the correction's reason, item id and provenance)."""

    origin: str
    requirements: tuple[str, ...]
    reason: str | None = None
    item: str | None = None
    provenance: Mapping[str, Any] | None = None


def requirement_source(
    release: Release, records: Iterable[ExtrinsicItem], filename: str | None = None
) -> RequirementSource:
    """The requirement list to evaluate: the correction of the file ``filename`` if it has
    one, else the release's, else the release's own Requires-Dist."""
    corrected = corrected_requirements(records, release.version, filename)
    if corrected is not None:
        provenance = corrected["provenance"]
        return RequirementSource(
            "correction",
            tuple(corrected["requires_dist"]),
            provenance.get("reason"),
            corrected["item"],
            provenance,
        )
    return RequirementSource("core-metadata", tuple(release.metadata.get("requires_dist") or ()))


def evaluate(
    source: RequirementSource,
    release: Release,
    markers: Mapping[str, str],
    extras: Sequence[str],
) -> dict[str, Any]:
    """The requirement list with each entry's parts and whether it applies here."""
    provided = {canonicalize_name(e) for e in release.metadata.get("provides_extra") or ()}
    environment: dict[str, Any] = {**markers, "extra": frozenset(extras)}
    section: dict[str, Any] = {"source": source.origin}
    if source.origin == "correction":
        section["corrected"] = True
        section["item"] = source.item
        section["provenance"] = dict(source.provenance or {})
    if source.reason:
        section["reason"] = source.reason
    section["extras"] = list(extras)
    section["unknown_extras"] = [e for e in extras if e not in provided]
    section["requirements"] = [_entry(text, environment) for text in source.requirements]
    return section


def _entry(text: str, environment: Mapping[str, Any]) -> dict[str, Any]:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        return {"requirement": text, "applies": None, "error": str(exc)}
    entry: dict[str, Any] = {
        "requirement": text,
        "name": canonicalize_name(requirement.name),
        "specifier": str(requirement.specifier) or None,
        "extras": sorted(requirement.extras),
        "marker": str(requirement.marker) if requirement.marker else None,
        "url": requirement.url,
        "applies": True,
    }
    if requirement.marker is not None:
        try:
            entry["applies"] = requirement.marker.evaluate_prepared(environment)
        except UndefinedEnvironmentName as exc:
            entry["applies"] = None
            entry["undecided_by"] = exc.args[0]
        except UndefinedComparison as exc:
            entry["applies"] = None
            entry["error"] = str(exc)
    return entry
