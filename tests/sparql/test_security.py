"""The endpoint under abuse: no remote access of any kind, no updates, queries stopped at the
time limit with their process replaced, results cut at the row limit, clients held to their
share. Against the running server, and an in-process app with tight limits."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.testclient import TestClient

from publisher.sparql.pool import QueryPool
from publisher.sparql.settings import SparqlSettings
from tests.conftest import IndexedData
from tests.web.conftest import client_for

JSON = {"Accept": "application/sparql-results+json"}
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CATASTROPHIC_REGEX = """SELECT ?x WHERE { ?x ?p ?o . ?y ?q ?z .
  FILTER regex(concat(str(?o), str(?z), "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!"), "^(a+)+$") }"""


class Listener:
    """A TCP socket on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conn.settimeout(1)
            try:
                self.connections.append(conn.recv(4096))
            except OSError:
                self.connections.append(b"")
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?x ?y ?z OPTIONAL { service silent <http://127.0.0.1:{port}/> "
        "{ ?s ?p ?o } } } LIMIT 1",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:{port}/> { ?s ?p ?o } }",
        "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:{port}/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "DESCRIBE <http://127.0.0.1:{port}/resource>",
    ],
)
def test_no_query_reaches_another_server(endpoint: str, listener: Listener, query: str) -> None:
    text = query.replace("{port}", str(listener.port))
    reply = httpx.get(endpoint, params={"query": text}, timeout=30)
    if "SERVICE" in text.upper() or "\\u0053" in text:
        assert reply.status_code == 400
        assert "SERVICE" in reply.json()["error"]
    else:  # FROM / DESCRIBE name graphs and resources; nothing is fetched
        assert reply.status_code == 200
    time.sleep(0.5)
    assert listener.connections == []


@pytest.mark.parametrize(
    ("send", "words"),
    [
        ({"params": {"query": "LOAD <http://127.0.0.1:{port}/data.ttl>"}}, "LOAD"),
        ({"params": {"update": "LOAD <http://127.0.0.1:{port}/data.ttl>"}}, "read-only"),
        ({"content": "LOAD <http://127.0.0.1:{port}/x>",
          "headers": {"Content-Type": "application/sparql-update"}}, "sparql-query"),
        ({"params": {"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}}, "read-only"),
        ({"content": "DELETE WHERE { ?s ?p ?o }",
          "headers": {"Content-Type": "application/sparql-query"}}, "read-only"),
        ({"data": {"query": "CLEAR ALL"}}, "read-only"),
    ],
)  # fmt: skip
def test_updates_and_load_are_refused(
    endpoint: str, listener: Listener, send: dict, words: str
) -> None:
    send = {k: ({n: v.replace("{port}", str(listener.port)) for n, v in x.items()}
                if isinstance(x, dict) else x.replace("{port}", str(listener.port)))
            for k, x in send.items()}  # fmt: skip
    method = "POST" if "content" in send or "data" in send else "GET"
    reply = httpx.request(method, endpoint, timeout=30, **send)
    assert reply.status_code in (400, 415)
    assert words in reply.json()["error"]
    time.sleep(0.3)
    assert listener.connections == []
    still = httpx.get(endpoint, params={"query": "ASK { ?s a ldx:Project }"}, headers=JSON)
    assert still.json()["boolean"] is True  # nothing was cleared or deleted


def test_overlong_queries_are_refused(endpoint: str) -> None:
    text = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 11_000
    # A GET this long is refused before routing, as nginx would; the answer says what to do.
    reply = httpx.get(endpoint, params={"query": text})
    assert reply.status_code == 414 and "POST" in reply.json()["error"]
    reply = httpx.post(endpoint, content=text, headers={"Content-Type": "application/sparql-query"})
    assert reply.status_code == 413 and "limit" in reply.json()["error"]
    form = httpx.post(endpoint, data={"query": text})
    assert form.status_code == 413 and "10240 bytes" in form.json()["error"]
    # Under the query limit but over the target limit: POST runs what GET cannot carry.
    fits = "ASK { ?s a ldx:Project } #" + "x" * 9_000
    assert httpx.get(endpoint, params={"query": fits}).status_code == 414
    posted = httpx.post(endpoint, data={"query": fits}, headers=JSON)
    assert posted.status_code == 200 and posted.json()["boolean"] is True


# -- tight limits, in-process ----------------------------------------------------------------


@pytest.fixture(scope="module")
def tight(shared_index: IndexedData) -> Iterator[TestClient]:
    settings = SparqlSettings(timeout=1.0, max_rows=5, client_concurrency=1, client_seconds=30)
    with client_for(shared_index, sparql=settings) as client:
        assert client.get("/_/sparql", params={"query": "ASK {}"}).status_code == 200
        yield client


def _pool(client: TestClient) -> QueryPool:
    app = client.app
    while not hasattr(app, "state"):  # HotReads → BodyLimit → FastAPI
        app = app.app
    return app.state.ldindex.sparql.service.pool()


def _pids(client: TestClient) -> list[int]:
    pool = _pool(client)
    deadline = time.monotonic() + 30
    while len(pool.pids()) < pool.size and time.monotonic() < deadline:
        time.sleep(0.05)
    return pool.pids()


@pytest.mark.parametrize("query", [CARTESIAN, CATASTROPHIC_REGEX])
def test_abusive_queries_stop_at_the_limit_and_their_process_is_replaced(
    tight: TestClient, query: str
) -> None:
    before = _pids(tight)
    host, loads = _pool(tight).host_pid, _pool(tight).loads
    started = time.monotonic()
    reply = tight.get("/_/sparql", params={"query": query}, headers=JSON)
    elapsed = time.monotonic() - started
    assert reply.status_code == 503
    assert "1 s time limit" in reply.json()["error"]
    assert elapsed < 1.0 + 1.5  # the limit, plus the margin of a loaded test machine
    after = _pids(tight)
    killed = set(before) - set(after)
    assert len(killed) == 1 and len(after) == len(before)
    for pid in killed:  # gone, not left running the query
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    # the replacement was forked from the host's graph in memory, nothing was reloaded
    assert _pool(tight).host_pid == host and _pool(tight).loads == loads
    again = tight.get("/_/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON)
    assert again.status_code == 200 and again.json()["boolean"] is True


def test_results_are_cut_at_the_row_limit_and_say_so(tight: TestClient) -> None:
    reply = tight.get("/_/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"}, headers=JSON)
    assert reply.status_code == 200
    assert reply.headers["x-sparql-maxrows"] == "5"
    data = reply.json()
    assert data["truncated"] is True and len(data["results"]["bindings"]) == 5
    small = tight.get("/_/sparql", params={"query": "SELECT ?s { ?s ?p ?o } LIMIT 5"}, headers=JSON)
    assert "x-sparql-maxrows" not in small.headers and "truncated" not in small.json()
    turtle = tight.get(
        "/_/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert turtle.headers["x-sparql-maxrows"] == "5"
    assert len(turtle.text.strip().splitlines()) == 5
    csv = tight.get("/_/sparql", params={"query": "SELECT ?s { ?s ?p ?o }", "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) == 1 + 5


def test_one_client_gets_its_share_of_queries_at_once(tight: TestClient) -> None:
    def run(query: str) -> httpx.Response:
        return tight.get("/_/sparql", params={"query": query}, headers=JSON)

    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(run, CARTESIAN)
        time.sleep(0.3)
        second = run("ASK { ?s ?p ?o }")
        assert slow.result().status_code == 503
    assert second.status_code == 429
    assert second.headers["retry-after"] == "1"
    assert "at once" in second.json()["error"]


def test_query_time_per_minute(shared_index: IndexedData) -> None:
    settings = SparqlSettings(timeout=0.5, client_seconds=0.5)
    with client_for(shared_index, sparql=settings) as client:
        first = client.get("/_/sparql", params={"query": CARTESIAN}, headers=JSON)
        assert first.status_code == 503 and "time limit" in first.json()["error"]
        refused = client.get("/_/sparql", params={"query": "ASK {}"}, headers=JSON)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "a minute" in refused.json()["error"]
