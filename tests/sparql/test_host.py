"""The query host: the graph loaded once into memory, query processes forked from it, capped
in memory, recycled when their private copy grows, and a dead host replaced."""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from starlette.testclient import TestClient

from publisher.blobs import BlobStore
from publisher.ingest import ingest
from publisher.sparql import maintenance
from publisher.sparql.host import _on_own_arena
from publisher.sparql.image import read_image
from publisher.sparql.location import GraphLocation, default_graph_root
from publisher.sparql.pool import QueryPool
from publisher.sparql.settings import SparqlSettings
from publisher.store import open_store
from tests.conftest import SHARED_ARTEFACTS, IndexedData, build_index
from tests.sparql.conftest import counting_loop_ticks
from tests.web.conftest import BASE, client_for

JSON = {"Accept": "application/sparql-results+json"}
ASK = "ASK { ?s a ldx:Project }"
# Every pair of triples, sorted: the engine must hold them all before the first row.
HUNGRY = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y } ORDER BY ?a ?b ?x ?y"


@contextmanager
def served(data: IndexedData, settings: SparqlSettings) -> Iterator[tuple[TestClient, QueryPool]]:
    with client_for(data, sparql=settings) as client:
        app = client.app
        while not hasattr(app, "state"):  # HotReads → BodyLimit → FastAPI
            app = app.app
        pool = app.state.ldindex.sparql.service.pool()
        assert ask(client) is True  # the graph is loaded and a process answers
        yield client, pool


def ask(client: TestClient) -> bool:
    reply = client.get("/_/sparql", params={"query": ASK}, headers=JSON)
    assert reply.status_code == 200, reply.text
    return reply.json()["boolean"]


def eventually(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "did not happen in time"
        time.sleep(0.05)


def test_processes_are_forked_from_the_host_which_loads_the_graph_once(
    shared_index: IndexedData,
) -> None:
    with served(shared_index, SparqlSettings(workers=2)) as (client, pool):
        eventually(lambda: len(pool.pids()) == 2)
        assert pool.loads == 1 and pool.last_load is not None
        assert pool.last_load["full"] and pool.last_load["triples"] > 1000
        host = pool.host_pid
        for pid in pool.pids():  # children of the host, not of the server
            with open(f"/proc/{pid}/stat") as stat:
                assert int(stat.read().rsplit(")", 1)[1].split()[1]) == host
            assert len(os.listdir(f"/proc/{pid}/task")) == 2  # answering on a thread of its own
        for _ in range(5):
            assert ask(client) is True
        assert pool.loads == 1  # answering reads nothing again


def _heap() -> range:
    """The main malloc arena's memory: the ``[heap]`` mapping of this process."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            if line.rstrip().endswith("[heap]"):
                start, end = line.split()[0].split("-")
                return range(int(start, 16), int(end, 16))
    return range(0)


def test_queries_allocate_from_an_arena_of_their_own() -> None:
    """A query process answers on a thread whose allocations come from a malloc arena of its
    own: the host's, which a forked process shares copy-on-write, would have every query
    copy pages of its free space (page faults and private memory that grow with each one)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # a process forked as the host forks, reporting what it saw
        try:
            libc = ctypes.CDLL(None)
            libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
            libc.free.argtypes = [ctypes.c_void_p]

            def allocated_at() -> int:
                address = libc.malloc(256)
                libc.free(address)
                return address

            seen: list[int] = []
            heap = _heap()
            report = {
                "main": allocated_at() in heap,
                "served": _on_own_arena(lambda: seen.append(allocated_at())),
                "query": seen[0] in heap if seen else None,
                "failed": _on_own_arena(lambda: 1 / 0),
            }
            os.write(write_end, orjson.dumps(report))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        report = orjson.loads(stream.read())
    os.waitpid(pid, 0)
    assert report["main"] is True  # the main thread allocates from the shared arena
    assert report["query"] is False  # the query thread does not
    assert report["served"] is True and report["failed"] is False


def _message(query: str) -> dict:
    return {"op": "query", "query": query, "accept": JSON["Accept"], "formats": [],
            "max_rows": 100, "base": BASE, "default_graphs": [], "named_graphs": []}  # fmt: skip


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_query_given_up_on_the_event_loop_ends_its_process(shared_index: IndexedData) -> None:
    """A query whose awaiting was cancelled (its client gone, the server stopping) must not
    leave its answer to the next query: its process is killed and replaced."""
    settings = SparqlSettings(workers=1, timeout=30, client_seconds=60)
    with served(shared_index, settings) as (_, pool):
        eventually(lambda: len(pool.idle_pids()) == 1)
        (busy,) = pool.pids()
        generation = pool.generation or 0

        async def give_up() -> None:
            query = asyncio.create_task(pool.run_async(_message(SLOW), 30, 5, generation))
            await asyncio.sleep(0.3)
            query.cancel()
            with pytest.raises(asyncio.CancelledError):
                await query

        asyncio.run(give_up())
        eventually(lambda: _gone(busy))  # killed (and reaped by the host), not left running
        assert pool.replaced == 0  # neither overran nor crashed
        eventually(lambda: len(pool.idle_pids()) == 1 and pool.pids() != [busy])
        header, body = asyncio.run(pool.run_async(_message(ASK), 30, 5, generation))
        assert header["status"] == 200 and orjson.loads(body)["boolean"] is True


def test_a_query_waits_on_a_thread_when_no_process_is_free(shared_index: IndexedData) -> None:
    settings = SparqlSettings(workers=1, timeout=30, client_seconds=60)
    with served(shared_index, settings) as (_, pool):
        eventually(lambda: len(pool.idle_pids()) == 1)
        generation = pool.generation or 0
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
        with ThreadPoolExecutor(1) as threads:
            first = threads.submit(pool.run, _message(count), 30, 5, generation)
            eventually(lambda: not pool.idle_pids())  # the only process is busy

            asking = pool.run_async(_message(ASK), 30, 30, generation)
            (header, body), ticks = asyncio.run(counting_loop_ticks(asking))
            assert first.done() and first.result()[0]["status"] == 200  # it waited its turn
        assert header["status"] == 200 and orjson.loads(body)["boolean"] is True
        assert ticks > 0  # and the loop was not held while it waited


def test_a_query_past_its_memory_cap_ends_only_its_own_process(
    shared_index: IndexedData,
) -> None:
    settings = SparqlSettings(workers=1, timeout=30, client_seconds=60, memory_mb=64)
    with served(shared_index, settings) as (client, pool):
        before, host = pool.pids(), pool.host_pid
        reply = client.get("/_/sparql", params={"query": HUNGRY}, headers=JSON)
        assert reply.status_code == 503, reply.text
        assert "more than the 64 MB" in reply.json()["error"]
        assert pool.replaced == 1
        eventually(lambda: len(pool.pids()) == 1 and pool.pids() != before)
        assert pool.host_pid == host and pool.loads == 1  # replaced from memory, no reload
        assert ask(client) is True


def test_a_process_whose_copy_of_the_graph_grew_is_recycled(shared_index: IndexedData) -> None:
    settings = SparqlSettings(workers=1, recycle_mb=1)
    with served(shared_index, settings) as (client, pool):
        first = pool.pids()
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"  # reads every quad
        assert client.get("/_/sparql", params={"query": count}, headers=JSON).status_code == 200
        eventually(lambda: pool.pids() and pool.pids() != first)
        assert ask(client) is True
        assert pool.loads == 1 and pool.replaced == 0  # retired, not killed


def test_a_dead_host_is_replaced_and_loads_the_graph_again(shared_index: IndexedData) -> None:
    with served(shared_index, SparqlSettings(workers=1)) as (client, pool):
        old_host, old_workers = pool.host_pid, pool.pids()
        assert old_host is not None
        os.kill(old_host, signal.SIGKILL)
        eventually(lambda: pool.host_pid != old_host and pool.generation is not None)
        assert ask(client) is True
        eventually(lambda: not set(old_workers) & set(pool.pids()))
        assert pool.loads == 2


def test_a_new_server_loads_the_image_and_replaces_what_changed_since(tmp_path: Path) -> None:
    data = build_index(tmp_path / "index", SHARED_ARTEFACTS / "attrs-25.3.0-py3-none-any.whl")
    location = GraphLocation(default_graph_root(data.db_url), BASE)
    store = open_store(data.db_url)
    try:
        maintenance.rebuild(store, location)  # writes the image
        ingest([SHARED_ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl"], store,
               BlobStore(data.files_dir))  # fmt: skip
        synced = maintenance.sync(store, location)  # a snapshot newer than the image
    finally:
        store.close()
    image = read_image(location)
    assert synced.snapshot is not None and image is not None
    assert image.generation < synced.generation
    with served(data, SparqlSettings(workers=1)) as (client, pool):
        load = pool.last_load
        assert load is not None and load["full"] and load["graphs"] == 1  # six, from the snapshot
        assert load["triples"] == synced.snapshot.triples
        names = "SELECT ?n WHERE { ?p a ldx:Project ; schema:name ?n } ORDER BY ?n"
        reply = client.get("/_/sparql", params={"query": names}, headers=JSON)
        assert [b["n"]["value"] for b in reply.json()["results"]["bindings"]] == ["attrs", "six"]


def test_a_new_project_relinks_the_graphs_requiring_it_in_memory_too(tmp_path: Path) -> None:
    data = build_index(tmp_path / "index", SHARED_ARTEFACTS / "requests-2.32.3-py3-none-any.whl")
    idna = "SELECT ?p WHERE { ?r ldx:requiredProject ?p FILTER(CONTAINS(STR(?p), 'idna')) }"

    def links(client: TestClient) -> list[str]:
        reply = client.get("/_/sparql", params={"query": idna}, headers=JSON)
        return sorted({b["p"]["value"] for b in reply.json()["results"]["bindings"]})

    with served(data, SparqlSettings(workers=1)) as (client, pool):
        assert links(client) == ["pkg:pypi/idna"]
        store = open_store(data.db_url)
        try:
            ingest([SHARED_ARTEFACTS / "idna-3.10-py3-none-any.whl"], store,
                   BlobStore(data.files_dir))  # fmt: skip
        finally:
            store.close()
        # requests was not written, yet its requirement now links to idna's page here
        assert links(client) == [f"{BASE}/project/idna/"]
        load = pool.last_load
        assert load is not None and not load["full"] and load["graphs"] == 2


def test_a_rebuild_is_loaded_whole(tmp_path: Path) -> None:
    data = build_index(tmp_path / "index", SHARED_ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl")
    with served(data, SparqlSettings(workers=1)) as (client, pool):
        loads, lineage = pool.loads, pool.lineage
        store = open_store(data.db_url, read_only=True)
        try:  # nothing written to the database: only the lineage tells the graph is new
            maintenance.rebuild(store, GraphLocation(default_graph_root(data.db_url), BASE))
        finally:
            store.close()
        eventually(lambda: pool.loads == loads + 1)
        assert pool.lineage != lineage and pool.last_load is not None
        assert pool.last_load["full"]
        assert ask(client) is True
