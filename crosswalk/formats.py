"""A graph as bytes in one of the formats ldindex serves: JSON-LD, Turtle, N-Triples.

Output is deterministic for a given graph: JSON-LD keys and values are ordered by the
compactor, Turtle by rdflib's sorted writer, N-Triples lines sorted.
"""

from __future__ import annotations

import orjson
from rdflib import Graph

from crosswalk.jsonld import to_jsonld

__all__ = ["FORMATS", "MEDIA_TYPES", "serialise"]

MEDIA_TYPES = {
    "jsonld": "application/ld+json",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
}
FORMATS = tuple(MEDIA_TYPES)


def serialise(
    graph: Graph, fmt: str, *, embed_context: bool = False, indent: bool = False
) -> bytes:
    """``graph`` as ``jsonld`` (the Codemeta-shaped compact document), ``turtle`` or ``nt``."""
    if fmt == "jsonld":
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(to_jsonld(graph, embed_context=embed_context), option=option)
    if fmt == "turtle":
        return graph.serialize(format="turtle", encoding="utf-8")
    if fmt == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)
        return b"".join(sorted(line for line in lines if line.strip()))
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
