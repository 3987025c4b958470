"""Extrinsic metadata in the catalogue graph: each project's named graph holds exactly what
its pages publish, items included; writes through the API reach the next query."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from crosswalk.jsonld import graph_from_jsonld
from publisher.sparql.examples import examples
from tests.conftest import LiveServer, make_token, writable_index
from tests.sparql.conftest import as_stored
from tests.web.conftest import client_for

JSON = {"Accept": "application/sparql-results+json"}
OPEN_ADVISORIES = next(e.query for e in examples() if e.slug == "open-advisories")


def _page_graph(client: httpx.Client, url: str) -> Graph:
    reply = client.get(url, headers={"Accept": "application/ld+json"})
    assert reply.status_code == 200, url
    return graph_from_jsonld(reply.json())


def _named_graph(endpoint: str, iri: str) -> Graph:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    reply = httpx.get(endpoint, params={"query": query},
                      headers={"Accept": "application/n-triples"})  # fmt: skip
    assert reply.status_code == 200, reply.text
    return Graph().parse(data=reply.text, format="nt")


def test_each_named_graph_is_what_the_project_and_release_pages_publish(
    catalogue_server: LiveServer, endpoint: str
) -> None:
    base = catalogue_server.url
    sitemap = httpx.get(f"{base}/sitemap.xml").text
    projects = sorted(set(re.findall(rf"<loc>{re.escape(base)}/project/([^/<]+)/</loc>", sitemap)))
    assert {"markupsafe", "requests", "msgpack", "attrs", "psutil", "pyyaml"} <= set(projects)
    with httpx.Client() as client:
        for name in projects:
            published = _page_graph(client, f"{base}/project/{name}/")
            for version in re.findall(rf"<loc>{re.escape(base)}/project/{name}/([^/<]+)/</loc>",
                                      sitemap):  # fmt: skip
                published += _page_graph(client, f"{base}/project/{name}/{version}/")
            served = _named_graph(endpoint, f"{base}/project/{name}/#graph")
            published = as_stored(published)  # the same values, as the store writes them
            if not isomorphic(served, published):
                _, only_served, only_pages = graph_diff(served, published)
                pytest.fail(
                    f"{name}: only in the graph {sorted(only_served)[:5]}, "
                    f"only on the pages {sorted(only_pages)[:5]}"
                )


def test_items_are_in_the_graph_with_their_provenance(endpoint: str) -> None:
    query = """SELECT ?kind ?by ?why WHERE {
        ?item ldx:recordedBy ?by ; ldx:recordReason ?why ; a ?kind } ORDER BY ?kind"""
    found = httpx.get(endpoint, params={"query": query}, headers=JSON).json()
    kinds = {b["kind"]["value"].rsplit("#", 1)[-1] for b in found["results"]["bindings"]}
    assert kinds >= {"SecurityAdvisory", "DependencyCorrection", "ExternalRequirement",
                     "HardwareCapability"}  # fmt: skip
    assert {b["by"]["value"] for b in found["results"]["bindings"]} == {"curator"}
    links = """SELECT ?o WHERE { ?p schema:name "attrs" ; schema:sameAs|ldx:packagedAs ?o }"""
    same = httpx.get(endpoint, params={"query": links}, headers=JSON).json()
    assert {b["o"]["value"] for b in same["results"]["bindings"]} >= {
        "https://www.wikidata.org/wiki/Q123", "pkg:conda/conda-forge/attrs"}  # fmt: skip
    gone = "ASK { ?s ?p <https://gone.example/six> }"  # deleted after it was written
    assert httpx.get(endpoint, params={"query": gone}, headers=JSON).json()["boolean"] is False


def test_open_advisories_lists_the_affected_releases_only(endpoint: str) -> None:
    reply = httpx.get(endpoint, params={"query": OPEN_ADVISORIES}, headers=JSON)
    rows = [
        (b["project"]["value"], b["version"]["value"], b["id"]["value"])
        for b in reply.json()["results"]["bindings"]
    ]
    # markupsafe 3.0.2 is past the fix; the withdrawn pyyaml advisory and the one filed
    # against a single msgpack wheel affect no release.
    assert rows == [
        ("MarkupSafe", "2.1.5", "GHSA-test-mkup-0001"),
        ("requests", "2.32.3", "GHSA-test-rqst-0002"),
    ]


def test_advisory_writes_through_the_api_reach_the_next_query(tmp_path: Path) -> None:
    data = writable_index(tmp_path / "index")
    token = make_token(data, "project:markupsafe")
    auth = {"Authorization": f"Bearer {token}"}
    advisory = {
        "kind": "advisory",
        "data": {
            "id": "GHSA-live-0001-test",
            "summary": "Found today",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "markupsafe"},
                          "ranges": [{"type": "ECOSYSTEM",
                                      "events": [{"introduced": "3.0.0"}]}]}],
        },
        "reason": "reported upstream",
    }  # fmt: skip

    def open_advisories() -> list[tuple[str, str]]:
        reply = client.get("/_/sparql", params={"query": OPEN_ADVISORIES}, headers=JSON)
        assert reply.status_code == 200, reply.text
        bindings = reply.json()["results"]["bindings"]
        return [(b["version"]["value"], b["id"]["value"]) for b in bindings]

    with client_for(data) as client:
        assert open_advisories() == []
        created = client.post("/_/api/projects/markupsafe/items", json=advisory, headers=auth)
        assert created.status_code == 201, created.text
        item = created.headers["location"]
        # no wait, no invalidation: the very next query sees the write
        assert open_advisories() == [("3.0.2", "GHSA-live-0001-test")]
        etag = created.headers["etag"]
        withdrawn = client.patch(
            item,
            json={"data": {"withdrawn": "2025-06-01T00:00:00Z"}, "reason": "not a flaw"},
            headers={**auth, "If-Match": etag},
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert open_advisories() == []
        ask = "ASK { ?a schema:identifier 'GHSA-live-0001-test' ; ldx:revision 2 }"
        reply = client.get("/_/sparql", params={"query": ask}, headers=JSON)
        assert reply.json()["boolean"] is True
        deleted = client.delete(item, headers={**auth, "If-Match": withdrawn.headers["etag"]})
        assert deleted.status_code in (200, 204), deleted.text
        ask = "ASK { ?a schema:identifier 'GHSA-live-0001-test' }"
        reply = client.get("/_/sparql", params={"query": ask}, headers=JSON)
        assert reply.json()["boolean"] is False
