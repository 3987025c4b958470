"""Query results as bytes in the format the client asked for, cut at the row limit.

Solutions are read one at a time up to the limit (plus one, to know whether more existed)
and written as SPARQL JSON; Oxigraph's own result writers turn that JSON into XML, CSV or
TSV, so only the simplest format is written here. Graph results (CONSTRUCT, DESCRIBE) are
serialised by Oxigraph as Turtle, N-Triples, JSON-LD or RDF/XML.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import orjson
import pyoxigraph as ox

from publisher.render import media

__all__ = [
    "BOOLEAN_OFFERS",
    "GRAPH_OFFERS",
    "HTML",
    "SOLUTION_OFFERS",
    "Written",
    "choose",
    "solutions_json",
    "write",
]

HTML = "text/html"
SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"

SOLUTION_FORMATS = {
    SPARQL_JSON: ox.QueryResultsFormat.JSON,
    SPARQL_XML: ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
# Server preference on ties (a client sending */* gets the first); HTML last so browsers,
# which name text/html, get the page and tools that send */* get data.
SOLUTION_OFFERS = (*SOLUTION_FORMATS, HTML)
BOOLEAN_OFFERS = SOLUTION_OFFERS
GRAPH_OFFERS = (*GRAPH_FORMATS, HTML)

# Names clients use in Accept or in ``format``/``output``/``results`` parameters.
SOLUTION_ALIASES = {
    "json": SPARQL_JSON,
    "application/json": SPARQL_JSON,
    "xml": SPARQL_XML,
    "application/xml": SPARQL_XML,
    "text/xml": SPARQL_XML,
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "html": HTML,
}
GRAPH_ALIASES = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "application/turtle": "text/turtle",
    "application/x-turtle": "text/turtle",
    "n3": "text/turtle",
    "text/n3": "text/turtle",
    "text/rdf+n3": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "text/plain": "application/n-triples",
    "json": "application/ld+json",
    "json-ld": "application/ld+json",
    "jsonld": "application/ld+json",
    "application/json": "application/ld+json",
    "application/x-json+ld": "application/ld+json",
    "xml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "html": HTML,
}

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True, slots=True)
class Written:
    """A serialised result: body, media type, rows (or triples) kept, and whether cut."""

    body: bytes
    media_type: str
    rows: int
    truncated: bool


def choose(kind: str, accept: str, format_values: list[str]) -> str | None:
    """The media type for a result ``kind`` (``solutions``, ``boolean``, ``graph``).

    A ``format``/``output``/``results`` value naming a known format wins over ``Accept``
    (SPARQLWrapper sends both; unknown values are ignored), as ``?format=`` does elsewhere.
    """
    offers, aliases = (
        (GRAPH_OFFERS, GRAPH_ALIASES) if kind == "graph" else (SOLUTION_OFFERS, SOLUTION_ALIASES)
    )
    for value in format_values:
        named = value.strip().lower()
        named = aliases.get(named, named)
        if named in offers:
            return named
    return media.negotiate(accept, None, offers, aliases)


def _term(term: object, datatypes: dict[ox.NamedNode, str]) -> dict:
    """A term as SPARQL JSON. Called for every value of every row: the common kinds are told
    apart by exact type, and each datatype IRI is read out of the engine once a result."""
    kind = type(term)
    if kind is ox.NamedNode:
        return {"type": "uri", "value": term.value}  # type: ignore[attr-defined]
    if kind is ox.Literal:
        found = {"type": "literal", "value": term.value}  # type: ignore[attr-defined]
        language = term.language  # type: ignore[attr-defined]
        if language:
            found["xml:lang"] = language
            direction = term.direction  # type: ignore[attr-defined]
            if direction is not None:
                found["its:dir"] = direction.value
            return found
        datatype = term.datatype  # type: ignore[attr-defined]
        iri = datatypes.get(datatype)
        if iri is None:
            iri = datatypes[datatype] = datatype.value
        if iri != _XSD_STRING:
            found["datatype"] = iri
        return found
    if kind is ox.BlankNode:
        return {"type": "bnode", "value": term.value}  # type: ignore[attr-defined]
    if kind is ox.Triple:
        return {
            "type": "triple",
            "value": {
                "subject": _term(term.subject, datatypes),  # type: ignore[attr-defined]
                "predicate": _term(term.predicate, datatypes),  # type: ignore[attr-defined]
                "object": _term(term.object, datatypes),  # type: ignore[attr-defined]
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def solutions_json(solutions: ox.QuerySolutions, max_rows: int) -> tuple[bytes, int, bool]:
    """SPARQL JSON of at most ``max_rows`` solutions, with ``"truncated": true`` if cut
    (first, where streaming readers such as Oxigraph's accept a member they do not know)."""
    names = [v.value for v in solutions.variables]
    columns = tuple(enumerate(names))
    datatypes: dict[ox.NamedNode, str] = {}
    bindings = []
    for solution in islice(solutions, max_rows + 1):
        row = {}
        for index, name in columns:
            value = solution[index]
            if value is not None:
                row[name] = _term(value, datatypes)
        bindings.append(row)
    truncated = len(bindings) > max_rows
    del bindings[max_rows:]
    document: dict = {"truncated": True} if truncated else {}
    document["head"] = {"vars": names}
    document["results"] = {"bindings": bindings}
    return orjson.dumps(document), len(bindings), truncated


def write(result: object, media_type: str, max_rows: int, prefixes: dict[str, str]) -> Written:
    """Serialise what ``Store.query`` returned as ``media_type`` (``text/html`` gives the
    SPARQL JSON the page is drawn from)."""
    if isinstance(result, ox.QueryBoolean):
        if media_type in (HTML, SPARQL_JSON):
            body = orjson.dumps({"head": {}, "boolean": bool(result)})
            return Written(body, media_type, 1, False)
        return Written(result.serialize(format=SOLUTION_FORMATS[media_type]), media_type, 1, False)
    if isinstance(result, ox.QuerySolutions):
        body, rows, truncated = solutions_json(result, max_rows)
        if media_type not in (HTML, SPARQL_JSON):
            parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=SOLUTION_FORMATS[media_type])
        return Written(body, media_type, rows, truncated)
    fmt = GRAPH_FORMATS["text/turtle" if media_type == HTML else media_type]
    triples: Iterator[Any] = iter(result)  # type: ignore[call-overload]
    kept = _Counted(islice(triples, max_rows))
    # Streamed into the writer, not gathered first: a third faster on large graphs.
    body = ox.serialize(kept, format=fmt, prefixes=prefixes if fmt.name == "Turtle" else None)
    truncated = kept.count == max_rows and next(triples, None) is not None
    return Written(body, media_type, kept.count, truncated)


class _Counted:
    """An iterator passed through, counting what was taken from it."""

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self._items:
            self.count += 1
            yield item


def kind_of(result: object) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    return "graph"
