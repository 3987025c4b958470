"""Fixtures: the running server's SPARQL endpoint, and the reference graph rdflib builds from
the JSON-LD of every page the server publishes."""

from __future__ import annotations

import re

import httpx
import pytest
from rdflib import Graph

from crosswalk.jsonld import graph_from_jsonld
from tests.conftest import LiveServer


@pytest.fixture(scope="session")
def endpoint(live_server: LiveServer) -> str:
    """``/_/sparql`` of the live server, once its graph answers."""
    url = f"{live_server.url}/_/sparql"
    reply = httpx.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    assert reply.status_code == 200, reply.text
    return url


@pytest.fixture(scope="session")
def pages_graph(live_server: LiveServer) -> Graph:
    """Every project and release page's JSON-LD, as the server serves it, in one graph."""
    sitemap = httpx.get(f"{live_server.url}/sitemap.xml").text
    urls = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert len(urls) > 20
    union = Graph()
    with httpx.Client(headers={"Accept": "application/ld+json"}) as client:
        for url in urls:
            reply = client.get(url)
            assert reply.status_code == 200, url
            union += graph_from_jsonld(reply.json())
    return union
