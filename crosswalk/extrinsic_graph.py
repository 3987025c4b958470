"""Extrinsic items into the graph: advisories, corrected dependencies, external requirements,
hardware capabilities and external links, with their provenance.

Each item (but a link) is a node at its API address ``{base}/_/api/items/{id}``, attached to
the project, release or file it was written for, and carries who recorded it, when, why and
at which revision (``ldx:recordedBy``, ``ldx:recordedAt``, ``ldx:recordReason``,
``ldx:revision``). Terms: schema.org where it has one (``sameAs``, ``identifier``,
``relatedLink``, ``processorRequirements``, ``memoryRequirements``, ``storageRequirements``),
``ldx:`` otherwise. A release ``ldx:affectedBy`` every advisory that affects it: those
attached to it, and the project's whose OSV ranges include its version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from rdflib import URIRef

from crosswalk.builder import NodeBuilder
from crosswalk.osv import affects, fixed_versions
from crosswalk.records import (
    ADVISORY,
    DEPENDENCY_CORRECTION,
    EXTERNAL_LINK,
    EXTERNAL_REQUIREMENT,
    HARDWARE_CAPABILITY,
    ExtrinsicItem,
)
from crosswalk.transforms import requirement_node
from crosswalk.values import checked_iri
from crosswalk.vocab import LDX, SCHEMA, item_iri

__all__ = ["add_items", "advisory_affects"]

# Controlled hardware keys with a schema.org property for what the software needs.
_SCHEMA_REQUIREMENTS = {
    "cpu": SCHEMA.processorRequirements,
    "memory": SCHEMA.memoryRequirements,
    "storage": SCHEMA.storageRequirements,
}
Known = Callable[[str], bool]  # whether the index holds a project of that name

_LINK_PROPERTIES = {
    "same-as": SCHEMA.sameAs,
    "packaged-as": LDX.packagedAs,
    "identifier": SCHEMA.identifier,
    "related": SCHEMA.relatedLink,
}


def advisory_affects(item: ExtrinsicItem, version: str) -> bool:
    """Whether an advisory item affects a release: one attached to a release (or a file of
    it) affects that release; a project-wide one, the versions its ranges include. Withdrawn
    advisories affect nothing."""
    if item.kind != ADVISORY or item.data.get("withdrawn"):
        return False
    if item.target.version is not None:
        return item.target.version == version and item.target.filename is None
    return affects(item.data, item.target.project, version)


def _timestamp(b: NodeBuilder, prop: URIRef, value: object) -> None:
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return
        b.typed(prop, when)


def _provenance(b: NodeBuilder, item: ExtrinsicItem) -> None:
    b.typed(LDX.revision, item.revision)
    b.typed(LDX.recordedAt, item.updated.at)
    b.text(LDX.recordedBy, item.updated.author)
    b.text(LDX.recordReason, item.updated.reason)


def _advisory(b: NodeBuilder, item: ExtrinsicItem) -> None:
    data = item.data
    b.types(LDX.SecurityAdvisory)
    b.text(SCHEMA.identifier, data.get("id"))
    for alias in data.get("aliases") or ():
        b.text(LDX.alias, alias)
    b.text(SCHEMA.name, data.get("summary"))
    b.text(SCHEMA.description, data.get("details"))
    _timestamp(b, SCHEMA.datePublished, data.get("published"))
    _timestamp(b, SCHEMA.dateModified, data.get("modified"))
    _timestamp(b, LDX.withdrawn, data.get("withdrawn"))
    for severity in data.get("severity") or ():
        node = b.child(LDX.severity, "severity", LDX.Severity)
        node.text(LDX.severityType, severity.get("type"))
        node.text(LDX.severityScore, severity.get("score"))
    for reference in data.get("references") or ():
        b.iri(LDX.reference, reference.get("url"), "references")
    for version in fixed_versions(data, item.target.project):
        b.text(LDX.fixedIn, version)


def _correction(b: NodeBuilder, item: ExtrinsicItem, base_url: str, known: Known) -> None:
    b.types(LDX.DependencyCorrection)
    b.typed(LDX.corrected, True)
    for text in item.data.get("requires_dist") or ():
        node = requirement_node(b, LDX.correctedRequirement, text, base_url, known)
        node.typed(LDX.corrected, True)


def _external_requirement(b: NodeBuilder, item: ExtrinsicItem) -> None:
    data = item.data
    b.types(LDX.ExternalRequirement)
    if isinstance(data.get("purl"), str):
        b.add(SCHEMA.identifier, URIRef(data["purl"]))
    b.text(LDX.versionRange, data.get("version_range"))
    b.text(LDX.requirementScope, data.get("scope"))
    b.text(LDX.marker, data.get("marker"))
    b.text(LDX.requiresExternal, data.get("requires_external"))
    b.text(SCHEMA.description, data.get("note"))


def _hardware(b: NodeBuilder, item: ExtrinsicItem) -> None:
    data = item.data
    b.types(LDX.HardwareCapability)
    b.text(LDX.capabilityKey, data.get("key"))
    b.text(LDX.capabilityValue, data.get("value"))
    b.text(SCHEMA.description, data.get("note"))


_NODE_PROPERTIES = {
    ADVISORY: LDX.advisory,
    DEPENDENCY_CORRECTION: LDX.correctedDependencies,
    EXTERNAL_REQUIREMENT: LDX.externalRequirement,
}


def _add_item(
    owner: NodeBuilder, item: ExtrinsicItem, base_url: str, known: Known, link: bool = True
) -> None:
    """The item's triples; ``link=False`` adds an advisory's node without ``ldx:advisory``
    from ``owner`` (a release reaching it through ``ldx:affectedBy`` only)."""
    data = item.data
    if item.kind == EXTERNAL_LINK:
        prop = _LINK_PROPERTIES.get(str(data.get("relation", "same-as")), SCHEMA.sameAs)
        url = data.get("url")
        if isinstance(url, str) and (url.startswith(("pkg:", "swh:")) or checked_iri(url)):
            owner.add(prop, URIRef(url))
        return
    if item.kind == HARDWARE_CAPABILITY:
        requires = data.get("relation", "requires") == "requires"
        prop = LDX.requiresHardware if requires else LDX.supportsHardware
        schema_prop = _SCHEMA_REQUIREMENTS.get(str(data.get("key")))
        if requires and schema_prop is not None:
            owner.text(schema_prop, data.get("value"))
    else:
        prop = _NODE_PROPERTIES.get(item.kind)
        if prop is None:
            return
    iri = item_iri(base_url, item.item_id)
    node = owner.node_at(prop if link else None, iri)
    _provenance(node, item)
    if item.kind == ADVISORY:
        _advisory(node, item)
        if link and item.target.filename is not None and not data.get("withdrawn"):
            owner.add(LDX.affectedBy, iri)
    elif item.kind == DEPENDENCY_CORRECTION:
        _correction(node, item, base_url, known)
    elif item.kind == EXTERNAL_REQUIREMENT:
        _external_requirement(node, item)
    else:
        _hardware(node, item)


def add_items(
    owners: Mapping[tuple[str | None, str | None], NodeBuilder],
    items: Iterable[ExtrinsicItem],
    base_url: str,
    known_project: Known,
    releases: Mapping[str, NodeBuilder] | None = None,
) -> None:
    """Attach each live item to its owner's node (``owners`` keyed by (version, filename);
    (None, None) is the project); items whose owner is not in the graph are left out.
    ``releases`` (version → node) get ``ldx:affectedBy`` for every advisory affecting them.
    ``known_project(name)``: whether a corrected requirement links to a page here."""
    shown: Sequence[ExtrinsicItem] = [i for i in items if not i.deleted]
    for item in shown:
        owner = owners.get((item.target.version, item.target.filename))
        if owner is not None:
            _add_item(owner, item, base_url, known_project)
    for version, node in (releases or {}).items():
        for item in shown:
            if advisory_affects(item, version):
                node.add(LDX.affectedBy, item_iri(base_url, item.item_id))
                if (item.target.version, item.target.filename) not in owners:
                    _add_item(node, item, base_url, known_project, link=False)
