"""Graphs as Codemeta-shaped JSON-LD, and JSON-LD back to graphs, all offline.

Documents carry ``"@context": ["https://w3id.org/codemeta/3.0", {ldindex terms}]``: the only
remote context a consumer must resolve is Codemeta's, which Codemeta tools ship. With
``embed_context=True`` both contexts are inline and nothing remote is referenced.

``document_loader`` serves the shipped contexts to pyld and refuses every other URL: an
unknown remote context is an error, never a fetch.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pyld import jsonld
from rdflib import Graph, URIRef

from crosswalk.compact import Compactor
from crosswalk.contexts import (
    CODEMETA_CONTEXT_URL,
    LOCAL_CONTEXTS,
    codemeta_context,
    ldindex_context,
    load_context_document,
    merged_context,
)

__all__ = [
    "RemoteContextError",
    "document_context",
    "document_loader",
    "expand",
    "graph_from_jsonld",
    "to_jsonld",
    "to_jsonld_pyld",
]


class RemoteContextError(jsonld.JsonLdError):
    """A document referred to a context that is not shipped; nothing is fetched."""


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: the shipped contexts by URL, an error for anything else."""
    filename = LOCAL_CONTEXTS.get(url)
    if filename is None:
        raise RemoteContextError(
            f"refusing to load {url!r}: only the shipped contexts are available offline",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context_document(filename),
    }


_OPTIONS = {"documentLoader": document_loader}


def document_context(embed_context: bool = False) -> list[Any]:
    """The ``@context`` value of the documents ldindex writes."""
    if embed_context:
        return [codemeta_context(), ldindex_context()]
    return [CODEMETA_CONTEXT_URL, ldindex_context()]


# URL-valued properties written as IRI strings: the nodes they point to (files) are
# described where another property embeds them.
REFERENCE_ONLY = frozenset({"http://schema.org/downloadUrl"})


@cache
def _compactor() -> Compactor:
    return Compactor(merged_context(), REFERENCE_ONLY)


def _root(graph: Graph, frame_root: str | None) -> URIRef | None:
    if frame_root is not None:
        return URIRef(frame_root)
    ident = graph.identifier
    return ident if isinstance(ident, URIRef) and (ident, None, None) in graph else None


def to_jsonld(
    graph: Graph, *, embed_context: bool = False, frame_root: str | None = None
) -> dict[str, Any]:
    """The compacted document: a node tree rooted at ``frame_root`` (default: the graph's
    identifier, which ``crosswalk.mapping`` sets to the release or project), with any node
    the root does not reach beside it under ``@graph``."""
    tree = _compactor().compact(graph, _root(graph, frame_root))
    doc: dict[str, Any] = {"@context": document_context(embed_context)}
    if isinstance(tree, list):
        doc["@graph"] = tree
    else:
        doc.update(tree)
    return doc


def to_jsonld_pyld(graph: Graph, *, embed_context: bool = False) -> dict[str, Any]:
    """The same graph compacted by pyld (flat, no tree): the reference the direct writer is
    tested against, and the slow path the benchmark compares."""
    nquads = graph.serialize(format="nt")
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads", "useNativeTypes": True})
    ctx = document_context(embed_context)
    return jsonld.compact(expanded, {"@context": ctx}, _OPTIONS)


def expand(doc: dict[str, Any]) -> list[Any]:
    """pyld expansion with the offline loader."""
    return jsonld.expand(doc, _OPTIONS)


def graph_from_jsonld(doc: dict[str, Any] | list[Any]) -> Graph:
    """A JSON-LD document read into an rdflib graph, offline (via pyld's toRdf)."""
    nquads = jsonld.to_rdf(doc, {**_OPTIONS, "format": "application/n-quads"})
    graph = Graph()
    graph.parse(data=nquads, format="nt")  # default graph only: what our documents hold
    return graph
