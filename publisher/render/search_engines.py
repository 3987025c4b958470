"""What search engines need of a release page beyond Codemeta: Google's SoftwareApplication
rich result wants ``name``, ``operatingSystem``, ``applicationCategory`` and an ``offers``
with a ``price`` — free software, price 0. Added to the page's graph, so the RDFa and the
embedded JSON-LD state it alike.
"""

from __future__ import annotations

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef

from crosswalk.records import Release

__all__ = ["with_software_application"]

SCHEMA = Namespace("http://schema.org/")
# Google's category for tools and libraries developers install.
CATEGORY = "DeveloperApplication"
OS_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows", "any": "Any"}


def with_software_application(graph: Graph, release: Release, iri: str) -> Graph:
    """The graph with the release also typed schema:SoftwareApplication, with an offer of
    price 0, a developer application category and the operating systems its files run on."""
    node = URIRef(iri)
    graph.add((node, RDF.type, SCHEMA.SoftwareApplication))
    graph.add((node, SCHEMA.applicationCategory, Literal(CATEGORY)))
    if (node, SCHEMA.operatingSystem, None) not in graph:
        systems = sorted({OS_NAMES.get(o, o) for f in release.files for o in f.os} or {"Any"})
        if "Any" in systems:
            systems = ["Any"]
        for system in systems:
            graph.add((node, SCHEMA.operatingSystem, Literal(system)))
    offer = URIRef(f"{iri}#offer")
    graph.add((node, SCHEMA.offers, offer))
    graph.add((offer, RDF.type, SCHEMA.Offer))
    graph.add((offer, SCHEMA.price, Literal("0", datatype=XSD.decimal)))
    graph.add((offer, SCHEMA.priceCurrency, Literal("USD")))
    return graph
