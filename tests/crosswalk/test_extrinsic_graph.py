"""Extrinsic items in the graph: each kind's terms, provenance, advisories by range, and the
same triples through JSON-LD."""

from __future__ import annotations

from datetime import UTC, datetime

from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

from crosswalk import jsonld
from crosswalk.mapping import project_graph, release_graph
from crosswalk.records import Change, ExtrinsicItem, Project, Release, Target
from crosswalk.vocab import LDX, SCHEMA

BASE = "http://example.org"
WHEN = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)


def item(n: int, kind: str, target: Target, data: dict, deleted: bool = False) -> ExtrinsicItem:
    change = Change(1, "create", "curator", WHEN, "checked by hand")
    return ExtrinsicItem(f"{n:016x}", kind, target, data, 1, change, change, deleted)


PROJECT_ADVISORY = item(1, "advisory", Target("demo"), {
    "id": "GHSA-demo-0001", "aliases": ["CVE-2025-1"], "summary": "Bad escaping",
    "published": "2025-01-01T00:00:00Z",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}],
    "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
                  "ranges": [{"type": "ECOSYSTEM",
                              "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}],
    "references": [{"type": "ADVISORY", "url": "https://example.org/a/1"}],
})  # fmt: skip
WITHDRAWN = item(2, "advisory", Target("demo"), {
    "id": "GHSA-demo-0002", "withdrawn": "2025-02-01T00:00:00Z",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}],
})  # fmt: skip
CORRECTION = item(3, "dependency-correction", Target("demo", "1.0"),
                  {"requires_dist": ["idna>=3.7; python_version >= '3.9'"]})  # fmt: skip
EXTERNAL = item(
    4,
    "external-requirement",
    Target("demo"),
    {"purl": "pkg:deb/debian/libssl3", "version_range": ">=3", "scope": "run"},
)
HARDWARE = item(
    5,
    "hardware-capability",
    Target("demo", "1.0"),
    {"key": "cpu", "value": "x86-64-v3", "relation": "requires"},
)
GPU = item(
    6,
    "hardware-capability",
    Target("demo", "1.0"),
    {"key": "gpu", "value": "cuda>=12.1", "relation": "supports"},
)
LINKS = [
    item(7, "external-link", Target("demo"), {"url": "https://www.wikidata.org/wiki/Q1",
                                              "relation": "same-as"}),
    item(8, "external-link", Target("demo"), {"url": "pkg:conda/conda-forge/demo",
                                              "relation": "packaged-as"}),
]  # fmt: skip
DELETED = item(9, "external-link", Target("demo"), {"url": "https://gone.example"}, True)
ITEMS = [PROJECT_ADVISORY, WITHDRAWN, CORRECTION, EXTERNAL, HARDWARE, GPU, *LINKS, DELETED]


def records() -> tuple[Project, Release, Release]:
    old = Release("demo", "1.0", {"name": "demo", "version": "1.0"}, created=WHEN)
    new = Release("demo", "2.0", {"name": "demo", "version": "2.0"}, created=WHEN)
    return Project("demo", "demo", (old, new)), old, new


def iri(n: int) -> URIRef:
    return URIRef(f"{BASE}/_/api/items/{n:016x}")


def test_release_graph_carries_every_kind_with_provenance() -> None:
    project, old, _ = records()
    graph = release_graph(project, old, BASE, ITEMS)
    release = URIRef(f"{BASE}/project/demo/1.0/")
    proj = URIRef(f"{BASE}/project/demo/")
    assert (release, LDX.affectedBy, iri(1)) in graph
    assert (release, LDX.affectedBy, iri(2)) not in graph  # withdrawn affects nothing
    assert (iri(1), SCHEMA.identifier, Literal("GHSA-demo-0001")) in graph
    assert (iri(1), LDX.alias, Literal("CVE-2025-1")) in graph
    assert (iri(1), LDX.fixedIn, Literal("2.0")) in graph
    assert (iri(1), LDX.reference, URIRef("https://example.org/a/1")) in graph
    assert (iri(1), LDX.recordedBy, Literal("curator")) in graph
    assert (iri(1), LDX.recordReason, Literal("checked by hand")) in graph

    assert (release, LDX.correctedDependencies, iri(3)) in graph
    assert graph.value(iri(3), LDX.corrected).toPython() is True
    requirement = graph.value(iri(3), LDX.correctedRequirement)
    assert graph.value(requirement, SCHEMA.name) == Literal("idna")
    assert graph.value(requirement, LDX.specifier) == Literal(">=3.7")
    assert graph.value(requirement, LDX.corrected).toPython() is True
    assert graph.value(iri(3), LDX.revision).toPython() == 1

    assert (proj, LDX.externalRequirement, iri(4)) in graph
    assert (iri(4), SCHEMA.identifier, URIRef("pkg:deb/debian/libssl3")) in graph
    assert (release, LDX.requiresHardware, iri(5)) in graph
    assert (release, SCHEMA.processorRequirements, Literal("x86-64-v3")) in graph
    assert (release, LDX.supportsHardware, iri(6)) in graph
    assert (proj, SCHEMA.sameAs, URIRef("https://www.wikidata.org/wiki/Q1")) in graph
    assert (proj, LDX.packagedAs, URIRef("pkg:conda/conda-forge/demo")) in graph
    assert (proj, SCHEMA.sameAs, URIRef("https://gone.example")) not in graph  # deleted


def test_the_newer_release_is_not_affected_and_has_no_correction() -> None:
    project, _, new = records()
    graph = release_graph(project, new, BASE, ITEMS)
    release = URIRef(f"{BASE}/project/demo/2.0/")
    assert (release, LDX.affectedBy, None) not in graph
    assert (release, LDX.correctedDependencies, None) not in graph


def test_project_graph_marks_affected_releases() -> None:
    project, _, _ = records()
    graph = project_graph(project, BASE, ITEMS)
    assert (URIRef(f"{BASE}/project/demo/1.0/"), LDX.affectedBy, iri(1)) in graph
    assert (URIRef(f"{BASE}/project/demo/2.0/"), LDX.affectedBy, iri(1)) not in graph
    assert (URIRef(f"{BASE}/project/demo/"), LDX.advisory, iri(1)) in graph


def test_json_ld_states_the_same_graph() -> None:
    project, old, _ = records()
    graph = release_graph(project, old, BASE, ITEMS)
    document = jsonld.to_jsonld(graph, embed_context=True)
    assert isomorphic(jsonld.graph_from_jsonld(document), graph)
    corrected = document["correctedDependencies"]
    assert corrected["corrected"] is True and corrected["recordedBy"] == "curator"
