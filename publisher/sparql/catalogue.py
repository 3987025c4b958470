"""A project's part of the catalogue graph: what its pages publish, as Oxigraph quads.

Each project is one named graph, ``{project IRI}#graph``, holding the project's graph and
every release's graph exactly as the pages build them (``publisher.render.graphs``: the
store's extrinsic items, and requirements linking to the pages of the projects the index
holds, else to ``pkg:pypi/…``), so a query and the pages can never disagree. A changed
project's named graph is replaced whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from crosswalk import vocab
from crosswalk.records import ExtrinsicItem, Project
from publisher.render.graphs import live_items, project_graph_of, release_graph_of
from publisher.store import Store

__all__ = ["graph_name", "project_graphs", "project_quads", "to_oxigraph"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def graph_name(base: str, name: str) -> ox.NamedNode:
    """The named graph holding one project: ``{base}/project/{name}/#graph``."""
    return ox.NamedNode(f"{vocab.project_iri(base, name)}#graph")


def project_graphs(
    store: Store, project: Project, base: str, items: Sequence[ExtrinsicItem] | None = None
) -> list[Graph]:
    """The graphs the project's pages and data documents publish."""
    items = live_items(store, project.name) if items is None else items
    graphs = [project_graph_of(store, project, base, items)]
    graphs.extend(
        release_graph_of(store, project, release, base, items) for release in project.releases
    )
    return graphs


class _Terms:
    """rdflib terms to Oxigraph terms, IRIs interned (predicates and classes repeat a lot)."""

    def __init__(self) -> None:
        self._iris: dict[str, ox.NamedNode] = {}

    def __call__(self, term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, URIRef):
            found = self._iris.get(term)
            if found is None:
                found = self._iris[term] = ox.NamedNode(term)
            return found
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            datatype = term.datatype
            if datatype is None or str(datatype) == _XSD_STRING:
                return ox.Literal(str(term))
            return ox.Literal(str(term), datatype=self(datatype))
        if isinstance(term, BNode):
            # The crosswalk derives list-cell labels from the owning IRI, so they are
            # stable across rebuilds and unique across projects.
            return ox.BlankNode(str(term))
        raise TypeError(f"cannot store {term!r} in the catalogue graph")


def to_oxigraph(graphs: Iterable[Graph], graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """The triples of ``graphs`` as quads in the named graph ``graph``."""
    term = _Terms()
    for g in graphs:
        for s, p, o in g:
            yield ox.Quad(term(s), term(p), term(o), graph)


def project_quads(store: Store, project: Project, base: str) -> list[ox.Quad]:
    graphs = project_graphs(store, project, base)
    return list(to_oxigraph(graphs, graph_name(base, project.name)))
