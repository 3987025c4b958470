"""Records to RDF: applies the crosswalk table to a release, its files and its project.

Project and release: a release ``schema:isPartOf`` its project, the project ``schema:hasPart``
each release it lists and ``ldx:latestRelease`` the newest non-pre-release one, so consumers
can ask for "all versions" and "latest". Both are ``schema:SoftwareSourceCode`` (what
Codemeta describes); ``ldx:Project`` and ``ldx:Release`` tell them apart. Each returned graph's
identifier is its root node (the release, or the project), which ``crosswalk.jsonld`` uses
as the root of the JSON-LD tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rdflib import RDF, Graph, URIRef

from crosswalk.application import describe_application
from crosswalk.builder import NodeBuilder
from crosswalk.extrinsic_graph import add_items
from crosswalk.records import DistributionFile, ExtrinsicItem, Project, Release
from crosswalk.table import Row, load_table
from crosswalk.transforms import TRANSFORMS, Context
from crosswalk.vocab import (
    LDX,
    PREFIXES,
    SCHEMA,
    file_iri,
    project_iri,
    project_purl,
    release_iri,
)

__all__ = ["project_graph", "release_graph"]

_ROWS = load_table()
_METADATA_ROWS = tuple(r for r in _ROWS if r.source == "metadata")
_RELEASE_ROWS = tuple(r for r in _ROWS if r.source == "release")
_FILE_ROWS = tuple(r for r in _ROWS if r.source == "file")


def _new_graph(identifier: URIRef) -> Graph:
    # SimpleMemory: no context index, several times faster to fill than the default store.
    graph = Graph(store="SimpleMemory", identifier=identifier, bind_namespaces="none")
    graph.bind("rdf", RDF)
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    return graph


def _value(record: object, row: Row) -> object:
    fields = row.fields
    if isinstance(record, dict) or hasattr(record, "get"):
        values = tuple(record.get(f) for f in fields)  # type: ignore[union-attr]
    else:
        values = tuple(getattr(record, f, None) for f in fields)
    return values if len(values) > 1 else values[0]


def _apply(builder: NodeBuilder, rows: tuple[Row, ...], record: object, ctx: Context) -> None:
    for row in rows:
        value = _value(record, row)
        if value is None and row.transform != "purl":
            continue
        TRANSFORMS[row.transform](builder, row, value, ctx)


def _map_file(ctx_holder: list[Context]):
    def map_file(builder: NodeBuilder, f: DistributionFile) -> None:
        builder.types(SCHEMA.MediaObject, LDX.DistributionFile)
        _apply(builder, _FILE_ROWS, f, ctx_holder[0])

    return map_file


def _project_node(graph: Graph, project: Project, base_url: str) -> NodeBuilder:
    node = NodeBuilder(graph, project_iri(base_url, project.name))
    node.types(SCHEMA.SoftwareSourceCode, LDX.Project)
    node.text(SCHEMA.name, project.display_name or project.name)
    node.add(SCHEMA.identifier, project_purl(project.name))
    latest = project.latest
    if latest is not None:
        node.add(LDX.latestRelease, release_iri(base_url, project.name, latest.version))
    return node


def _nothing_known(name: str) -> bool:
    return False


def release_graph(
    project: Project,
    release: Release,
    base_url: str,
    items: Iterable[ExtrinsicItem] = (),
    known_project: Callable[[str], bool] = _nothing_known,
) -> Graph:
    """A release's Codemeta graph: the release node, its files, persons, requirements,
    commands, citation, and its project node (name, identifier, latest release); with the
    project's extrinsic ``items`` that concern this release, its files or the whole project.

    ``known_project(name)`` says whether the index holds a project: requirements on it (the
    published ones and corrected ones alike) link to its page here, the others to their
    package URL (``pkg:pypi/{name}``).
    """
    subject = release_iri(base_url, project.name, release.version)
    graph = _new_graph(subject)
    holder: list[Context] = []
    ctx = Context(
        base_url, project.name, release.version, _map_file(holder), known_project, release
    )
    holder.append(ctx)
    node = NodeBuilder(graph, subject)
    node.types(SCHEMA.SoftwareSourceCode, LDX.Release)
    _apply(node, _METADATA_ROWS, release.metadata, ctx)
    _apply(node, _RELEASE_ROWS, release, ctx)
    describe_application(node, release)
    if release.metadata.get("version") is None:
        node.text(SCHEMA.version, release.version)
    if release.metadata.get("name") is None:
        node.text(SCHEMA.name, release.name)
    proj = _project_node(graph, project, base_url)
    proj.add(SCHEMA.hasPart, subject)
    node.add(SCHEMA.isPartOf, proj.subject)
    owners = {(None, None): proj, (release.version, None): node}
    for f in release.files:
        owners[(release.version, f.filename)] = NodeBuilder(graph, file_iri(base_url, f.url_path))
    add_items(owners, items, base_url, known_project, {release.version: node})
    return graph


def project_graph(project: Project, base_url: str, items: Iterable[ExtrinsicItem] = ()) -> Graph:
    """A project's graph: the project node with every release it has (version, date,
    yanked, the advisories affecting it), a pointer to the latest, and the extrinsic
    ``items`` attached to the project itself."""
    subject = project_iri(base_url, project.name)
    graph = _new_graph(subject)
    proj = _project_node(graph, project, base_url)
    latest = project.latest
    if latest is not None:
        proj.text(SCHEMA.description, latest.summary)
    releases = {}
    for release in project.releases:
        node = releases[release.version] = proj.node_at(
            SCHEMA.hasPart,
            release_iri(base_url, project.name, release.version),
            SCHEMA.SoftwareSourceCode,
            LDX.Release,
        )
        node.add(SCHEMA.isPartOf, subject)
        node.text(SCHEMA.version, release.version)
        if release.created is not None:
            node.typed(SCHEMA.datePublished, release.created)
        node.typed(LDX.yanked, release.yanked)
    add_items({(None, None): proj}, items, base_url, _nothing_known, releases)
    return graph
