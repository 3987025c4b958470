"""Results written by ``publisher.sparql.results``: the SPARQL JSON written here must be what
Oxigraph's own writer gives for every kind of term, and the row cap cuts exactly."""

from __future__ import annotations

import orjson
import pyoxigraph as ox
import pytest

from publisher.sparql import results

EX = "http://example.org/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def ex(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    objects = [
        ex("iri"),
        ox.BlankNode("b1"),
        ox.Literal("plain"),
        ox.Literal("hallo", language="de"),
        ox.Literal("salam", language="ar", direction=ox.BaseDirection.RTL),
        ox.Literal("42", datatype=XSD_INTEGER),
        ox.Literal("2024-03-01", datatype=ox.NamedNode(f"{EX}date")),
        ox.Triple(ex("a"), ex("b"), ox.Literal("c", language="en")),
    ]
    for number, value in enumerate(objects):
        store.add(ox.Quad(ex(f"s{number}"), ex("p"), value))
    return store


def test_solutions_are_written_as_oxigraphs_own_writer_writes_them(store: ox.Store) -> None:
    # ?unbound stays unbound in every row: a binding left out, as the writer leaves it out
    query = "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?s"
    ours, rows, truncated = results.solutions_json(store.query(query), 100)
    theirs = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    assert orjson.loads(ours) == orjson.loads(theirs)
    assert rows == 8 and truncated is False
    kinds = {b["o"]["type"] for b in orjson.loads(ours)["results"]["bindings"]}
    assert kinds == {"uri", "bnode", "literal", "triple"}


@pytest.mark.parametrize(("cap", "rows", "truncated"), [(7, 7, True), (8, 8, False), (9, 8, False)])
def test_solutions_are_cut_at_the_row_cap(
    store: ox.Store, cap: int, rows: int, truncated: bool
) -> None:
    written = results.write(store.query("SELECT * { ?s ?p ?o }"), results.SPARQL_JSON, cap, {})
    data = orjson.loads(written.body)
    assert (written.rows, written.truncated) == (rows, truncated)
    assert len(data["results"]["bindings"]) == rows
    assert data.get("truncated", False) is truncated


@pytest.mark.parametrize(("cap", "rows", "truncated"), [(7, 7, True), (8, 8, False), (9, 8, False)])
def test_graphs_are_cut_at_the_triple_cap(
    store: ox.Store, cap: int, rows: int, truncated: bool
) -> None:
    written = results.write(
        store.query("CONSTRUCT WHERE { ?s ?p ?o }"), "application/n-triples", cap, {}
    )
    assert (written.rows, written.truncated) == (rows, truncated)
    assert len(written.body.decode().strip().splitlines()) == rows
    # what was kept is part of what the query gives, written as Oxigraph writes it
    whole = store.query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(format=ox.RdfFormat.N_TRIPLES)
    assert set(written.body.splitlines()) <= set(whole.splitlines())
