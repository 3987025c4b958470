"""Every real release: each output parses back into the same graph, and nothing is lost."""

from __future__ import annotations

import json

import pytest
from pyld import jsonld as pyld
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from crosswalk import project_graph, release_graph, serialise, to_jsonld
from crosswalk.contexts import merged_context
from crosswalk.jsonld import document_context, document_loader, graph_from_jsonld, to_jsonld_pyld
from crosswalk.vocab import XSD
from tests.crosswalk.conftest import BASE

OPTIONS = {"documentLoader": document_loader}
IRI_SCHEMES = ("http://", "https://", "pkg:pypi/", "mailto:")


def graphs(releases, projects):
    for project, release in releases:
        yield f"{project.name}-{release.version}", release_graph(project, release, BASE)
    for project in projects.values():
        yield f"{project.name}-project", project_graph(project, BASE)


@pytest.fixture(scope="module")
def all_graphs(releases, projects) -> list[tuple[str, Graph]]:
    return list(graphs(releases, projects))


def test_there_are_real_releases(releases):
    assert len(releases) >= 20


def test_jsonld_parses_back_isomorphic(all_graphs):
    for label, graph in all_graphs:
        doc = json.loads(serialise(graph, "jsonld"))
        assert isomorphic(graph, graph_from_jsonld(doc)), label


def test_embedded_context_document_reads_in_rdflib_without_network(all_graphs):
    for label, graph in all_graphs:
        doc = to_jsonld(graph, embed_context=True)
        assert "https://w3id.org/codemeta/3.0" not in json.dumps(doc["@context"])
        parsed = Graph().parse(data=json.dumps(doc), format="json-ld")
        assert isomorphic(graph, parsed), label


def test_turtle_and_ntriples_parse_back_isomorphic(all_graphs):
    for label, graph in all_graphs:
        turtle = Graph().parse(data=serialise(graph, "turtle"), format="turtle")
        nt = Graph().parse(data=serialise(graph, "nt"), format="nt")
        assert isomorphic(graph, turtle), label
        assert isomorphic(graph, nt), label


def test_expand_of_compact_loses_no_triple(all_graphs):
    """pyld's own compaction of our document, expanded again, holds every triple."""
    for label, graph in all_graphs:
        doc = to_jsonld(graph)
        recompacted = pyld.compact(doc, {"@context": document_context()}, OPTIONS)
        expanded = pyld.expand(recompacted, OPTIONS)
        assert isomorphic(graph, graph_from_jsonld(expanded)), label


def test_direct_compaction_equals_pyld_compaction(all_graphs):
    for label, graph in all_graphs[:6]:
        ours = graph_from_jsonld(to_jsonld(graph))
        theirs = graph_from_jsonld(to_jsonld_pyld(graph))
        assert isomorphic(ours, theirs), label


def _keys(node, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                found.add(key)
                _keys(value, found)
    elif isinstance(node, list):
        for item in node:
            _keys(item, found)


def test_every_key_is_a_term_of_the_context(all_graphs):
    """The Codemeta context has no @vocab: an undefined term would be silently dropped."""
    terms = set(merged_context())
    for label, graph in all_graphs:
        keys: set[str] = set()
        _keys(to_jsonld(graph), keys)
        undefined = {k for k in keys if not k.startswith("@") and k not in terms}
        assert not undefined, (label, undefined)


def test_every_iri_is_absolute_and_valid(all_graphs):
    for label, graph in all_graphs:
        for triple in graph:
            for term in triple:
                if isinstance(term, URIRef):
                    text = str(term)
                    assert text.startswith(IRI_SCHEMES) or text.startswith(
                        ("http://schema.org/", "https://codemeta.github.io/terms/")
                    ), (label, text)
                    assert not any(c in text for c in ' <>"{}|\\^`'), (label, text)


def test_literals_have_no_language_and_typed_dates_and_sizes(all_graphs):
    schema = "http://schema.org/"
    for label, graph in all_graphs:
        for _s, p, o in graph:
            if isinstance(o, Literal):
                assert o.language is None, (label, p, o)
            if str(p) in (schema + "datePublished", schema + "uploadDate"):
                assert o.datatype == XSD.dateTime, (label, p, o)
            if str(p) == schema + "fileSize":
                assert o.datatype == XSD.integer and isinstance(o.toPython(), int), (label, o)


def test_only_list_cells_are_blank_nodes(all_graphs):
    for label, graph in all_graphs:
        for s, p, _o in graph:
            if isinstance(s, BNode):
                assert p in (RDF.first, RDF.rest), (label, p)


def test_outputs_are_deterministic(releases):
    project, release = releases[0]
    for fmt in ("jsonld", "turtle", "nt"):
        first = serialise(release_graph(project, release, BASE), fmt)
        again = serialise(release_graph(project, release, BASE), fmt)
        assert first == again, fmt
