"""Fixtures: a catalogue with extrinsic metadata served by ``ldindex serve``, its SPARQL
endpoint, and the reference graph rdflib builds from the JSON-LD of every page it serves."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Iterator
from typing import TypeVar

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph

from crosswalk.jsonld import graph_from_jsonld
from crosswalk.records import Target
from publisher.extrinsic.writes import create, delete
from publisher.store import Author, open_store
from tests.conftest import IndexedData, LiveServer, start_server, stop_server

CURATOR = Author("curator")
T = TypeVar("T")


async def counting_loop_ticks(awaitable: Awaitable[T]) -> tuple[T, int]:
    """What ``awaitable`` gives, and how many times the event loop ran a millisecond ticker
    meanwhile: more than none shows the loop was not held while it waited."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    try:
        return await awaitable, ticks
    finally:
        ticker.cancel()


# One of each kind, at every level, and the cases a query must tell apart: an advisory open
# for some versions only (by range), one attached to a release, one to a single file, a
# withdrawn one, and an item deleted after it was written.
ITEMS = [
    (Target("markupsafe"), {"kind": "advisory", "data": {
        "id": "GHSA-test-mkup-0001", "summary": "Escaping can be bypassed",
        "aliases": ["CVE-2025-0001"], "published": "2025-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "markupsafe"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "3.0.0"}]}]}],
        "references": [{"type": "ADVISORY", "url": "https://example.org/advisories/1"}]}}),
    (Target("requests", "2.32.3"), {"kind": "advisory", "data": {
        "id": "GHSA-test-rqst-0002", "summary": "Certificates not checked on redirect"}}),
    (Target("msgpack", "1.1.0", "msgpack-1.1.0-cp312-cp312-win_amd64.whl"),
     {"kind": "advisory", "data": {"id": "GHSA-test-msgp-0003",
                                   "summary": "This Windows build only"}}),
    (Target("pyyaml"), {"kind": "advisory", "data": {
        "id": "GHSA-test-yaml-0004", "summary": "Withdrawn: not a vulnerability",
        "withdrawn": "2025-02-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "pyyaml"},
                      "versions": ["6.0.2"]}]}}),
    (Target("requests", "2.32.3"), {"kind": "dependency-correction", "data": {
        "requires_dist": ["idna>=3.7", "certifi; python_version >= '3.8'"]},
        "reason": "the release under-declares idna"}),
    (Target("psutil"), {"kind": "external-requirement", "data": {
        "purl": "pkg:deb/debian/libc6", "version_range": ">=2.17", "scope": "run"}}),
    (Target("msgpack", "1.1.0"), {"kind": "hardware-capability",
                                   "data": {"key": "cpu", "value": "x86-64-v2"}}),
    (Target("attrs"), {"kind": "external-link", "data": {
        "url": "https://www.wikidata.org/wiki/Q123", "relation": "same-as"}}),
    (Target("attrs"), {"kind": "external-link", "data": {
        "url": "pkg:conda/conda-forge/attrs", "relation": "packaged-as"}}),
]  # fmt: skip
DELETED = (Target("six"), {"kind": "external-link", "data": {"url": "https://gone.example/six"}})


def as_stored(graph: Graph) -> Graph:
    """``graph`` as an RDF store keeps it: Oxigraph holds typed literals by value and gives
    them back in canonical form (``"0.00"^^xsd:decimal`` is ``"0"``), the same values."""
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return Graph().parse(data=data, format="nt")


def add_items(data: IndexedData) -> None:
    """Write ``ITEMS`` (and ``DELETED``, then delete it) as the write API would."""
    store = open_store(data.db_url, create=False)
    try:
        for target, payload in ITEMS:
            create(store, target, {"reason": "curated for the tests", **payload}, CURATOR)
        gone = create(store, DELETED[0], DELETED[1], CURATOR)
        delete(store, gone.item_id, CURATOR, "no longer true", None)
    finally:
        store.close()


@pytest.fixture(scope="session")
def catalogue(shared_index: IndexedData, tmp_path_factory: pytest.TempPathFactory) -> IndexedData:
    """The shared artefacts (a copy of their database) with ``ITEMS`` attached."""
    root = tmp_path_factory.mktemp("sparql-catalogue")
    db = root / "index.db"
    source = sqlite3.connect(shared_index.db_url.removeprefix("sqlite:///"))
    copy = sqlite3.connect(db)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    data = IndexedData(root, f"sqlite:///{db}", shared_index.files_dir)
    add_items(data)
    return data


@pytest.fixture(scope="session")
def catalogue_server(catalogue: IndexedData) -> Iterator[LiveServer]:
    """``ldindex serve`` over ``catalogue``, stopped at the end of the session."""
    server = start_server(catalogue)
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def endpoint(catalogue_server: LiveServer) -> str:
    """``/_/sparql`` of the live server, once its graph answers."""
    url = f"{catalogue_server.url}/_/sparql"
    reply = httpx.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    assert reply.status_code == 200, reply.text
    return url


@pytest.fixture(scope="session")
def pages_graph(catalogue_server: LiveServer) -> Graph:
    """Every project and release page's JSON-LD, as the server serves it, in one graph."""
    sitemap = httpx.get(f"{catalogue_server.url}/sitemap.xml").text
    urls = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert len(urls) > 20
    union = Graph()
    with httpx.Client(headers={"Accept": "application/ld+json"}) as client:
        for url in urls:
            reply = client.get(url)
            assert reply.status_code == 200, url
            union += graph_from_jsonld(reply.json())
    return union
