"""``/_/sparql`` as a person and a crawler meet it: the page, examples that run, the service
description, VoID, the dumps; and the WSGI handler answering the same."""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator
from urllib.parse import unquote

import orjson
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

from crosswalk.jsonld import graph_from_jsonld
from publisher.file_sources import index_files
from publisher.handler import Handler
from publisher.sparql.examples import examples
from publisher.sparql.prefixes import PREFIXES
from publisher.store import open_store
from tests.conftest import IndexedData
from tests.web.conftest import BASE, client_for

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
JSON = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def client(shared_index: IndexedData) -> Iterator[TestClient]:
    with client_for(shared_index) as c:
        yield c


@pytest.fixture(scope="module")
def void_graph(client: TestClient) -> Graph:
    """The VoID description once the first dumps (and their statistics) exist."""
    deadline = time.monotonic() + 60
    while True:
        graph = Graph().parse(data=client.get("/_/void").text, format="turtle")
        if graph.value(URIRef(f"{BASE}/_/void#catalogue"), VOID.triples) is not None:
            return graph
        assert time.monotonic() < deadline, "no dump statistics after 60 s"
        time.sleep(0.2)


def test_the_page_states_form_prefixes_examples_and_limits(client: TestClient) -> None:
    page = client.get("/_/sparql", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert re.search(r'<form class="sparql" action="/_/sparql" method="post">', text)
    assert '<textarea id="query" name="query"' in text
    for prefix, namespace in PREFIXES.items():
        assert f"<code>{prefix}:</code>" in text and namespace in text
    for example in examples():
        assert example.title in text
    for limit in ("10240 bytes", "2.0 s", "10000 rows", "2 queries at once", "20.0 s"):
        assert limit in text
    assert 'href="/_/dump/catalogue.nt.gz"' in text and 'href="/_/void"' in text


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.slug)
def test_every_example_runs_from_the_page(client: TestClient, example) -> None:
    page = client.get("/_/sparql", headers=HTML).text
    link = re.search(rf'<a href="(/_/sparql\?query=[^"]+)">{re.escape(example.title)}</a>', page)
    assert link, example.title
    href = link[1].replace("&amp;", "&")
    assert unquote(href.split("query=", 1)[1]) == example.query
    shown = client.get(href, headers=HTML)
    assert shown.status_code == 200, shown.text
    assert 'id="results"' in shown.text
    as_data = client.get(href, headers={"Accept": "*/*"})
    assert as_data.status_code == 200
    kind = example.query.lstrip().split()[0].upper()
    expected = "text/turtle" if kind == "CONSTRUCT" else "application/sparql-results+json"
    assert as_data.headers["content-type"].startswith(expected)


def test_result_pages_escape_what_the_data_says(client: TestClient) -> None:
    query = ('SELECT ?x ?y WHERE { BIND("<script>alert(1)</script>" AS ?x) '
             'BIND(IRI("javascript:alert(1)") AS ?y) }')  # fmt: skip
    page = client.get("/_/sparql", params={"query": query}, headers=HTML).text
    results = page.split('id="results"', 1)[1]
    assert "<script>" not in results and "&lt;script&gt;alert(1)&lt;/script&gt;" in results
    assert 'href="javascript:' not in page
    linked = client.get(
        "/_/sparql", params={"query": "SELECT ?p { ?p a ldx:Project } LIMIT 1"}, headers=HTML
    ).text
    assert re.search(rf'<td><a href="{BASE}/project/[a-z0-9-]+/">', linked)


def test_a_bad_query_from_the_form_shows_the_error(client: TestClient) -> None:
    page = client.post("/_/sparql", data={"query": "SELECT * WHERE { ?s ?p }"}, headers=HTML)
    assert page.status_code == 400
    assert "not valid SPARQL" in page.text and "SELECT * WHERE { ?s ?p }" in page.text
    as_json = client.post("/_/sparql", data={"query": "CLEAR ALL"})
    assert as_json.status_code == 400 and "read-only" in as_json.json()["error"]


def test_service_description_in_every_rdf_format(client: TestClient, void_graph: Graph) -> None:
    # after the first dumps (``void_graph``): their statistics are part of the description,
    # which must not change between the four requests
    graphs = []
    formats = {"text/turtle": "turtle", "application/n-triples": "nt",
               "application/ld+json": "json-ld", "application/rdf+xml": "xml"}  # fmt: skip
    for media_type, fmt in formats.items():
        reply = client.get("/_/sparql", headers={"Accept": media_type})
        assert reply.status_code == 200 and reply.headers["content-type"].startswith(media_type)
        graphs.append(Graph().parse(data=reply.text, format=fmt))
    service = URIRef(f"{BASE}/_/sparql")
    assert (service, SD.endpoint, service) in graphs[0]
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graphs[0]
    for other in graphs[1:]:
        assert isomorphic(graphs[0], other)
    assert client.get("/_/sparql", headers={"Accept": "image/png"}).status_code == 406


def test_methods_and_formats_that_are_refused(client: TestClient) -> None:
    put = client.put("/_/sparql", content="ASK {}")
    assert put.status_code == 405
    refused = client.get("/_/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "boolean" in refused.json()["error"]
    head = client.head("/_/sparql", params={"query": "ASK {}"}, headers=JSON)
    assert head.status_code == 200 and head.content == b""


def test_queries_are_answered_in_front_of_the_framework(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hot = client.app  # HotReads: the guard, then /_/sparql, then the framework
    framework = hot.app
    reached: list[str] = []

    async def recorded(scope, receive, send) -> None:
        reached.append(f"{scope['method']} {scope['path']}")
        await framework(scope, receive, send)

    monkeypatch.setattr(hot, "app", recorded)
    query = {"query": "ASK { ?s ?p ?o }"}
    assert client.get("/_/sparql", params=query, headers=JSON).json()["boolean"] is True
    posted = client.post("/_/sparql", data=query, headers=JSON)
    assert posted.json()["boolean"] is True
    assert client.put("/_/sparql", content="ASK {}").status_code == 405
    assert client.get("/_/sparql", params={"query": "x" * 9000}).status_code == 414  # guarded
    assert reached == []
    assert client.get("/_/void", headers={"Accept": "text/turtle"}).status_code == 200
    assert reached == ["GET /_/void"]


def test_a_crash_answering_a_query_is_a_json_500_without_a_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = client.app
    while not hasattr(app, "state"):  # HotReads → BodyLimit → FastAPI
        app = app.app
    service = app.state.ldindex.sparql.service

    def broken(*args: object) -> None:
        raise RuntimeError("secret detail")

    async def broken_async(*args: object) -> None:
        broken()

    monkeypatch.setattr(service, "run", broken)
    monkeypatch.setattr(service, "run_async", broken_async)
    for reply in (
        client.get("/_/sparql", params={"query": "ASK {}"}, headers=JSON),
        client.post("/_/sparql", content="ASK {}",
                    headers={**JSON, "Content-Type": "application/sparql-query"}),
    ):  # fmt: skip
        assert reply.status_code == 500
        assert reply.headers["content-type"] == "application/json"
        assert reply.json()["status"] == 500 and "secret" not in reply.text


def test_void_counts_vocabularies_and_dumps(client: TestClient, void_graph: Graph) -> None:
    dataset = URIRef(f"{BASE}/_/void#catalogue")
    triples = int(void_graph.value(dataset, VOID.triples))
    counted = client.get(
        "/_/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"},
        headers=JSON,
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert triples == int(counted) > 1000
    assert (dataset, VOID.sparqlEndpoint, URIRef(f"{BASE}/_/sparql")) in void_graph
    for vocabulary in ("http://schema.org/", "https://w3id.org/ldindex/vocab#"):
        assert (dataset, VOID.vocabulary, URIRef(vocabulary)) in void_graph
    dumps = sorted(str(d) for d in void_graph.objects(dataset, VOID.dataDump))
    assert dumps == [f"{BASE}/_/dump/catalogue.jsonld.gz", f"{BASE}/_/dump/catalogue.nt.gz"]
    project_class = URIRef(PREFIXES["ldx"] + "Project")
    projects = [p for p in void_graph.objects(dataset, VOID.classPartition)
                if void_graph.value(p, VOID["class"]) == project_class]  # fmt: skip
    assert int(void_graph.value(projects[0], VOID.entities)) == len(
        client.get("/simple/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json()[
            "projects"
        ]
    )
    moved = client.get("/.well-known/void")
    assert moved.status_code == 301 and moved.headers["location"] == "/_/void"
    etag = client.get("/_/void").headers["etag"]
    assert client.get("/_/void", headers={"If-None-Match": etag}).status_code == 304


def test_dumps_hold_the_whole_graph_with_validators(client: TestClient, void_graph: Graph):
    nt = client.get("/_/dump/catalogue.nt.gz")
    assert nt.status_code == 200 and nt.headers["content-type"] == "application/gzip"
    graph = Graph().parse(data=gzip.decompress(nt.content), format="nt")
    assert len(graph) == int(void_graph.value(URIRef(f"{BASE}/_/void#catalogue"), VOID.triples))
    jsonld = client.get("/_/dump/catalogue.jsonld.gz")
    document = orjson.loads(gzip.decompress(jsonld.content))
    assert isinstance(document["@context"], list) and isinstance(document["@context"][0], dict)
    assert isomorphic(graph_from_jsonld(document), graph)
    release = URIRef(f"{BASE}/project/attrs/25.3.0/")
    assert (release, URIRef(PREFIXES["schema"] + "version"), Literal("25.3.0")) in graph
    for reply in (nt, jsonld):
        etag, modified = reply.headers["etag"], reply.headers["last-modified"]
        url = str(reply.url)
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        head = client.head(url)
        assert head.status_code == 200 and head.headers["content-length"] == str(len(reply.content))
        ranged = client.get(url, headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206 and ranged.content == reply.content[:10]
    missing = client.get("/_/dump/catalogue.rdf")
    assert missing.status_code == 404 and "catalogue.nt.gz" in missing.json()["error"]


def test_the_landing_page_links_the_endpoint_and_dumps(client: TestClient) -> None:
    page = client.get("/").text
    for href in ("/_/sparql", "/_/dump/catalogue.nt.gz", "/_/dump/catalogue.jsonld.gz", "/_/void"):
        assert f'href="{href}"' in page


def test_openapi_declares_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/_/sparql"]) == {"get", "post"}
    assert "/_/void" in paths and "/_/dump/{name}" in paths


def test_the_wsgi_handler_answers_the_same(
    shared_index: IndexedData,
    client: TestClient,
    void_graph: Graph,  # the dumps are written
):
    store = open_store(shared_index.db_url)
    handler = Handler(store, index_files(store, shared_index.files_dir), BASE)
    try:
        query = "SELECT ?n { ?p a ldx:Project ; schema:name ?n } ORDER BY ?n"
        via_get = handler("GET", "/_/sparql", f"query={query}", JSON, client="127.0.0.1")
        via_post = handler("POST", "/_/sparql", "", {**JSON,
                           "Content-Type": "application/sparql-query"}, query.encode())  # fmt: skip
        served = client.get("/_/sparql", params={"query": query}, headers=JSON)
        assert via_get.status == via_post.status == 200
        assert via_get.body == via_post.body == served.content
        assert handler("POST", "/_/sparql", "", {"Content-Type": "text/plain"}).status == 415
        assert handler("GET", "/_/void", "", {}).status == 200
        dump = handler("GET", "/_/dump/catalogue.nt.gz", "", {})
        assert dump.status == 200 and gzip.decompress(dump.body)
        part = handler("GET", "/_/dump/catalogue.nt.gz", "", {"Range": "bytes=0-9"})
        assert part.status == 206 and part.body == dump.body[:10]
        etag = dict(dump.headers)["ETag"]
        assert handler("GET", "/_/dump/catalogue.nt.gz", "", {"If-None-Match": etag}).status == 304
        # the SQLite snapshot is the URL map's, not the SPARQL endpoint's
        sqlite = handler("GET", "/_/dump/catalogue.sqlite", "", {})
        assert sqlite.status == 200 and sqlite.body.startswith(b"SQLite format 3")
        missing = handler("GET", "/_/dump/nothing.gz", "", {})
        assert missing.status == 404 and b"catalogue.sqlite" in missing.body
        assert handler("POST", "/simple/", "", {}).status == 405
    finally:
        handler.close()


def test_settings_reach_server_workers_and_zero_workers_turn_it_off(
    shared_index: IndexedData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher.sparql.settings import SparqlSettings
    from publisher.web import Settings

    chosen = Settings(sparql=SparqlSettings(workers=3, timeout=4.5, max_rows=7))
    for key, value in chosen.to_env().items():
        monkeypatch.setenv(key, value)
    assert Settings.from_env().sparql == chosen.sparql
    with pytest.raises(ValueError, match="client seconds"):
        SparqlSettings(timeout=5, client_seconds=1)
    with client_for(shared_index, sparql=SparqlSettings(workers=0)) as off:
        reply = off.get("/_/sparql", params={"query": "ASK {}"})
        assert reply.status_code == 404 and "turned off" in reply.json()["error"]
        assert off.get("/_/sparql", headers=HTML).status_code == 200
