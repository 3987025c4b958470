"""Self-description of the endpoint and the dataset: SPARQL Service Description and VoID.

The service description (``GET /_/sparql`` asking for RDF) says what the endpoint speaks and
what it refuses; the VoID description (``/_/void``) says what the dataset holds — counts from
the dump manifest, so they describe the very data the dumps hold — where it can be queried
and downloaded, and which vocabularies it uses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef

from publisher.sparql.dumping import DUMP_FILES
from publisher.sparql.prefixes import PREFIXES
from publisher.sparql.settings import SparqlSettings

__all__ = ["RDF_FORMATS", "serialise", "service_description", "void_description"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

# Media type → rdflib serializer name; Turtle first (what */* gets).
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
_RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
VOCABULARIES = (
    "http://schema.org/",
    "https://codemeta.github.io/terms/",
    "https://w3id.org/ldindex/vocab#",
    "http://spdx.org/rdf/terms#",
)
_DUMP_MEDIA = {"catalogue.nt.gz": FORMATS["N-Triples"], "catalogue.jsonld.gz": FORMATS["JSON-LD"]}


def _graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    namespaces = {"sd": SD, "void": VOID, "dcterms": DCTERMS, "formats": FORMATS, "foaf": FOAF}
    for prefix, ns in namespaces.items():
        graph.bind(prefix, ns)
    graph.bind("rdfs", RDFS)
    graph.bind("xsd", XSD)
    graph.bind("ldx", PREFIXES["ldx"])
    return graph


def dataset_iri(base: str) -> URIRef:
    return URIRef(f"{base}/_/void#catalogue")


def _describe_dataset(graph: Graph, base: str, manifest: dict[str, Any] | None) -> URIRef:
    dataset = dataset_iri(base)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS["title"], Literal("ldindex catalogue")))
    graph.add((
        dataset,
        DCTERMS.description,
        Literal("Every project, release and file this Python package index holds, as "
                "schema.org / Codemeta linked data: one named graph per project."),
    ))  # fmt: skip
    graph.add((dataset, FOAF.homepage, URIRef(f"{base}/")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}/_/sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(f"{base}/")))
    graph.add((dataset, VOID.rootResource, URIRef(f"{base}/")))
    for vocabulary in VOCABULARIES:
        graph.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    for name in DUMP_FILES:
        dump = URIRef(f"{base}/_/dump/{name}")
        graph.add((dataset, VOID.dataDump, dump))
        graph.add((dump, DCTERMS["format"], _DUMP_MEDIA[name]))
        graph.add((dump, DCTERMS["format"], Literal("application/gzip")))
    graph.add((dataset, VOID.feature, FORMATS["N-Triples"]))
    graph.add((dataset, VOID.feature, FORMATS["JSON-LD"]))
    if manifest is None:
        return dataset
    stats = manifest["statistics"]
    for key, term in (
        ("triples", VOID.triples),
        ("entities", VOID.entities),
        ("subjects", VOID.distinctSubjects),
        ("objects", VOID.distinctObjects),
        ("properties", VOID.properties),
        ("classes", VOID.classes),
    ):
        graph.add((dataset, term, Literal(stats[key], datatype=XSD.integer)))
    written = datetime.fromtimestamp(manifest["written"], UTC).replace(microsecond=0)
    graph.add((dataset, DCTERMS.modified, Literal(written.isoformat(), datatype=XSD.dateTime)))
    for number, (cls, count) in enumerate(sorted(stats["class_partitions"].items()), 1):
        part = URIRef(f"{base}/_/void#class-{number}")
        graph.add((dataset, VOID.classPartition, part))
        graph.add((part, VOID["class"], URIRef(cls)))
        graph.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    return dataset


def void_description(base: str, manifest: dict[str, Any] | None) -> Graph:
    graph = _graph()
    _describe_dataset(graph, base, manifest)
    return graph


def service_description(
    base: str, settings: SparqlSettings, manifest: dict[str, Any] | None
) -> Graph:
    graph = _graph()
    service = URIRef(f"{base}/_/sparql")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    for name in _RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[name]))
    graph.add((
        service,
        RDFS.comment,
        Literal(
            f"Read-only and bounded: SELECT, ASK, CONSTRUCT and DESCRIBE only; no SPARQL "
            f"Update, LOAD or SERVICE. Queries of at most {settings.max_query_bytes} bytes "
            f"run for at most {settings.timeout:g} s and return at most {settings.max_rows} "
            f"rows (X-SPARQL-MaxRows marks a cut result). Per client address: "
            f"{settings.client_concurrency} queries at once and {settings.client_seconds:g} s "
            "of query time a minute (429 with Retry-After past either).",
            lang="en",
        ),
    ))  # fmt: skip
    dataset = _describe_dataset(graph, base, manifest)
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((
        default,
        RDFS.comment,
        Literal("The union of every project's named graph ({base}/project/{name}/#graph).",
                lang="en"),
    ))  # fmt: skip
    return graph


def serialise(graph: Graph, media_type: str) -> bytes:
    fmt = RDF_FORMATS[media_type]
    if fmt == "json-ld":
        context = {prefix: str(ns) for prefix, ns in graph.namespaces()}
        return graph.serialize(format="json-ld", context=context, encoding="utf-8")
    return graph.serialize(format=fmt, encoding="utf-8")
