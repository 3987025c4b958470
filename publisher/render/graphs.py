"""A release's or project's one graph, built the same way for every consumer: the pages and
their data forms, ``ldindex show`` and the environment query's JSON-LD.

The crosswalk needs two things only the store knows: the project's live extrinsic items, and
which required projects the index holds (a requirement links to the local page only for
those, else to ``pkg:pypi/{name}``). Asking here, once, keeps every consumer's graph equal.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Graph, Literal, URIRef

from crosswalk import mapping, vocab
from crosswalk.names import canonicalize_name
from crosswalk.records import DEPENDENCY_CORRECTION, ExtrinsicItem, Project, Release, Target
from crosswalk.requirements import parse_requirement
from publisher.store import Store

SCHEMA_DESCRIPTION = URIRef("http://schema.org/description")

SCHEMA_DESCRIPTION = URIRef("http://schema.org/description")

__all__ = ["known_projects", "live_items", "project_graph_of", "release_graph_of"]


def live_items(store: Store, name: str) -> list[ExtrinsicItem]:
    """The project's live extrinsic items, at every level (each graph picks its own)."""
    return store.list_items(Target(name), exact=False)


def known_projects(store: Store, release: Release, items: Sequence[ExtrinsicItem]) -> set[str]:
    """The normalised names the index holds among those the release requires, as published
    or as corrected."""
    lines = list(release.metadata.get("requires_dist") or ())
    for item in items:
        if item.kind == DEPENDENCY_CORRECTION and not item.deleted:
            lines.extend(item.data.get("requires_dist") or ())
    names = set()
    for line in lines:
        if isinstance(line, str) and (parsed := parse_requirement(line)).name:
            names.add(canonicalize_name(parsed.name))
    return store.known_projects(names) if names else set()


def release_graph_of(
    store: Store,
    project: Project,
    release: Release,
    base: str,
    items: Sequence[ExtrinsicItem] | None = None,
    known: set[str] | None = None,
) -> Graph:
    """The release's graph with its extrinsic items and local links (read from ``store``
    unless the caller already has them)."""
    if items is None:
        items = live_items(store, project.name)
    if known is None:
        known = known_projects(store, release, items)
    return mapping.release_graph(
        project, release, base, items, lambda name: canonicalize_name(name) in known
    )


def project_graph_of(
    store: Store, project: Project, base: str, items: Sequence[ExtrinsicItem] | None = None
) -> Graph:
    """The project's graph with the extrinsic items attached to it and its releases. A
    project known only from a catalogue listing (no releases held) is described by the
    listing's summary, so its page says what it is."""
    if items is None:
        items = live_items(store, project.name)
    graph = mapping.project_graph(project, base, items)
    if not project.releases:
        entry = store.listing_entry(project.name)
        if entry is not None and entry.summary:
            subject = URIRef(str(vocab.project_iri(base, project.name)))
            graph.add((subject, SCHEMA_DESCRIPTION, Literal(entry.summary)))
    return graph
