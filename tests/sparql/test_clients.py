"""Real SPARQL clients against ``ldindex serve``: SPARQLWrapper and rdflib's SPARQLStore get
the same answers as rdflib running the same queries over the JSON-LD of every page."""

from __future__ import annotations

from functools import cache

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from publisher.sparql.examples import examples
from publisher.sparql.prefixes import PREFIXES
from tests.conftest import LiveServer

PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# Queries whose answers the two paths must agree on, beyond the page's examples.
QUERIES = {
    "projects": "SELECT ?p ?name WHERE { ?p a ldx:Project ; schema:name ?name }",
    "count-by-class": "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
    "wheels-for-aarch64": """SELECT DISTINCT ?name WHERE {
        ?r schema:downloadUrl ?f ; schema:isPartOf/schema:name ?name .
        ?f ldx:platform/ldx:architecture "aarch64" }""",
    "sdists-with-size": """SELECT ?file ?size WHERE {
        ?file ldx:packagetype "sdist" ; ldx:sizeInBytes ?size } ORDER BY DESC(?size)""",
    "musllinux": """SELECT DISTINCT ?release WHERE {
        ?release schema:downloadUrl/ldx:platform ?pl . ?pl ldx:libc "musl" }""",
    "authors": """SELECT ?release ?author WHERE {
        ?release schema:author/rdf:rest*/rdf:first/schema:name ?author }""",
    "optional-and-filter": """SELECT ?release ?requires WHERE {
        ?release a ldx:Release . OPTIONAL { ?release ldx:requiresPython ?requires }
        FILTER(!BOUND(?requires) || CONTAINS(?requires, "3.8")) }""",
    "typed-values": """SELECT ?release ?price ?when WHERE {
        ?release schema:offers/schema:price ?price ; schema:datePublished ?when }""",
}


def _key(term: dict | None) -> tuple:
    if term is None:
        return ()
    datatype = term.get("datatype")
    return (term["type"], term["value"], term.get("xml:lang"),
            None if datatype == XSD_STRING else datatype)  # fmt: skip


def _rdflib_key(term: object) -> tuple:
    if term is None:
        return ()
    if isinstance(term, URIRef):
        return ("uri", str(term), None, None)
    assert isinstance(term, Literal)
    datatype = str(term.datatype) if term.datatype else None
    text = _canonical(str(term), datatype) if datatype else str(term)
    return ("literal", text, term.language, None if datatype == XSD_STRING else datatype)


@cache
def _canonical(text: str, datatype: str) -> str:
    """A typed literal as a store gives it back: the same value, in canonical form
    (``"0.00"^^xsd:decimal`` is ``"0"``, a dateTime ends in ``Z``)."""
    store = ox.Store()
    node = ox.NamedNode("http://example.org/s")
    store.add(ox.Quad(node, node, ox.Literal(text, datatype=ox.NamedNode(datatype))))
    return next(iter(store)).object.value


def server_rows(endpoint: str, query: str) -> list[tuple]:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    data = client.queryAndConvert()
    names = data["head"]["vars"]
    return sorted(tuple(_key(b.get(n)) for n in names) for b in data["results"]["bindings"])


def reference_rows(graph: Graph, query: str, base: str) -> list[tuple]:
    result = graph.query(PROLOGUE + query, base=f"{base}/")
    return sorted(tuple(_rdflib_key(row[i]) for i in range(len(row))) for row in result)


SELECTS = {e.slug: e.query for e in examples() if "SELECT" in e.query.split("{")[0].upper()}


@pytest.mark.parametrize("name", sorted({**SELECTS, **QUERIES}))
def test_endpoint_and_pages_agree(
    name: str, endpoint: str, pages_graph: Graph, catalogue_server: LiveServer
) -> None:
    query = {**SELECTS, **QUERIES}[name]
    served = server_rows(endpoint, query)
    reference = reference_rows(pages_graph, query, catalogue_server.url)
    assert served == reference
    if name != "musllinux-aarch64":  # no such wheel among the shared artefacts
        assert served, f"{name} should find something in the shared artefacts"


def test_ask_and_construct_agree(endpoint: str, pages_graph: Graph, catalogue_server) -> None:
    for example in examples():
        client = SPARQLWrapper(endpoint)
        client.setQuery(example.query)
        if example.query.lstrip().upper().startswith("ASK"):
            client.setReturnFormat(JSON)
            expected = pages_graph.query(PROLOGUE + example.query).askAnswer
            assert client.queryAndConvert()["boolean"] is expected
        elif example.query.lstrip().upper().startswith("CONSTRUCT"):
            client.setReturnFormat(TURTLE)
            served = Graph().parse(data=client.queryAndConvert(), format="turtle")
            expected = pages_graph.query(PROLOGUE + example.query, base=f"{catalogue_server.url}/")
            assert len(served) > 20
            assert isomorphic(served, expected.graph)


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_formats(endpoint: str, fmt: str, method: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setMethod(method)
    client.setQuery("SELECT ?name WHERE { ?p a ldx:Project ; schema:name ?name } ORDER BY ?name")
    client.setReturnFormat(fmt)
    result = client.query()
    body = result.response.read()
    result.response.close()
    expected_type = {JSON: "application/sparql-results+json",
                     XML: "application/sparql-results+xml", CSV: "text/csv",
                     TSV: "text/tab-separated-values"}[fmt]  # fmt: skip
    assert result.info()["content-type"].startswith(expected_type)
    assert b"attrs" in body and b"requests" in body


@pytest.mark.parametrize("fmt", [TURTLE, N3, XML, RDFXML, JSONLD])
def test_sparqlwrapper_graph_formats(endpoint: str, fmt: str, catalogue_server: LiveServer) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(f"DESCRIBE <{catalogue_server.url}/project/attrs/25.3.0/>")
    client.setReturnFormat(fmt)
    graph = client.queryAndConvert()
    if not isinstance(graph, Graph):  # SPARQLWrapper hands Turtle and N3 back as bytes
        graph = Graph().parse(data=graph, format="turtle")
    release = URIRef(f"{catalogue_server.url}/project/attrs/25.3.0/")
    assert (release, URIRef(PREFIXES["schema"] + "version"), Literal("25.3.0")) in graph


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_rdflib_sparqlstore(
    endpoint: str, pages_graph: Graph, method: str, return_format: str, catalogue_server
) -> None:
    remote = Graph(SPARQLStore(endpoint, method=method, returnFormat=return_format))
    query = QUERIES["sdists-with-size"]
    served = sorted(tuple(_rdflib_key(t) for t in row) for row in remote.query(PROLOGUE + query))
    assert served == reference_rows(pages_graph, query, catalogue_server.url)
    assert len(served) >= 5
    assert (URIRef(f"{catalogue_server.url}/project/six/"), None, None) in remote


def test_named_graphs_through_the_protocol(endpoint: str, catalogue_server: LiveServer) -> None:
    graph = f"{catalogue_server.url}/project/six/#graph"
    query = "SELECT DISTINCT ?name WHERE { ?p a ldx:Project ; schema:name ?name }"
    only_six = httpx.get(endpoint, params={"query": query, "default-graph-uri": graph},
                         headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    assert [b["name"]["value"] for b in only_six.json()["results"]["bindings"]] == ["six"]
    named = httpx.get(
        endpoint,
        params={"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                "named-graph-uri": [graph, f"{catalogue_server.url}/project/attrs/#graph"]},
        headers={"Accept": "application/sparql-results+json"},
    )  # fmt: skip
    assert sorted(b["g"]["value"] for b in named.json()["results"]["bindings"]) == sorted(
        [graph, f"{catalogue_server.url}/project/attrs/#graph"]
    )
