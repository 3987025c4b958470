"""Writes reach the graph: a query right after an ingest sees it, and dumps are rewritten
once the burst of writes is over; ``ldindex graph`` and ``ldindex dump`` from the shell."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publisher.blobs import BlobStore
from publisher.ingest import ingest
from publisher.sparql.examples import examples
from publisher.sparql.pool import QueryPool
from publisher.sparql.settings import SparqlSettings
from publisher.store import open_store
from tests.conftest import SHARED_ARTEFACTS, build_index
from tests.ingest.craft import metadata_text, write_wheel
from tests.web.conftest import client_for

JSON = {"Accept": "application/sparql-results+json"}
MUSL_AARCH64 = next(e.query for e in examples() if e.slug == "musllinux-aarch64")
LDINDEX = [sys.executable, "-m", "publisher.cli"]


def rows(client, query: str) -> list[dict]:
    reply = client.get("/_/sparql", params={"query": query}, headers=JSON)
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]["bindings"]


def test_a_query_after_a_write_sees_it_and_dumps_follow(tmp_path: Path) -> None:
    data = build_index(tmp_path / "index", SHARED_ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl")
    settings = SparqlSettings(dump_quiet=0.5)
    with client_for(data, sparql=settings) as client:
        assert rows(client, MUSL_AARCH64) == []
        first_dump = _wait_for_dump(client, None)
        wheel = write_wheel(
            tmp_path, "alpinearm", "1.0", tag="cp312-cp312-musllinux_1_2_aarch64",
            metadata=metadata_text("alpinearm", "1.0"),
        )  # fmt: skip
        store = open_store(data.db_url)
        (outcome,) = ingest([wheel], store, BlobStore(data.files_dir))
        store.close()
        assert outcome.status == "added", outcome.message
        found = rows(client, MUSL_AARCH64)  # no wait, no invalidation: the next query
        assert [r["version"]["value"] for r in found] == ["1.0"]
        load = pool_of(client).last_load  # only the written project's graph was replaced
        assert load is not None and not load["full"] and load["graphs"] == 1
        assert found[0]["project"]["value"] == "http://testserver/project/alpinearm/"
        second_dump = _wait_for_dump(client, first_dump)
        text = gzip.decompress(client.get("/_/dump/catalogue.nt.gz").content)
        assert b"http://testserver/project/alpinearm/" in text
        assert second_dump != first_dump


def pool_of(client) -> QueryPool:
    app = client.app
    while not hasattr(app, "state"):  # HotReads → BodyLimit → FastAPI
        app = app.app
    return app.state.ldindex.sparql.service.pool()


def _wait_for_dump(client, previous: str | None) -> str:
    """The dump's ETag once it exists and differs from ``previous``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reply = client.head("/_/dump/catalogue.nt.gz")
        if reply.status_code == 200 and reply.headers["etag"] != previous:
            return reply.headers["etag"]
        assert reply.status_code in (200, 503)
        time.sleep(0.2)
    pytest.fail("the dump was not rewritten within 60 s")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LDINDEX, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def test_graph_and_dump_commands(tmp_path: Path) -> None:
    data = build_index(tmp_path / "index", SHARED_ARTEFACTS / "attrs-25.3.0-py3-none-any.whl")
    db = ["--db", data.db_url, "--base-url", "https://pypi.example.org"]
    status = run("graph", "status", "--db", data.db_url, cwd=tmp_path)
    assert status.returncode == 0 and "no graph yet" in status.stdout
    built = run("graph", "rebuild", *db, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "graph rebuilt from 1 project in" in built.stdout
    synced = run("graph", "sync", *db, cwd=tmp_path)
    assert "updated with 0 projects" in synced.stdout
    status = run("graph", "status", "--db", data.db_url, cwd=tmp_path)
    assert "https://pypi.example.org:" in status.stdout and "(current)" in status.stdout
    assert "image at generation 1" in status.stdout
    dumped = run("dump", *db, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert dumped.returncode == 0, dumped.stderr
    text = gzip.decompress((tmp_path / "out" / "catalogue.nt.gz").read_bytes())
    assert b"<https://pypi.example.org/project/attrs/25.3.0/>" in text
    assert (tmp_path / "out" / "catalogue.jsonld.gz").stat().st_size > 1000
    assert "triples about" in dumped.stdout
    bad = run("graph", "rebuild", "--db", "nosuch://x", cwd=tmp_path)
    assert bad.returncode == 1 and "unknown database scheme" in bad.stderr
    bad = run("graph", "rebuild", *db[:2], "--base-url", "ftp://x", cwd=tmp_path)
    assert bad.returncode == 2 and "must start with http:// or https://" in bad.stderr
    for verb in (["graph", "--help"], ["graph", "rebuild", "--help"], ["dump", "--help"]):
        assert run(*verb, cwd=tmp_path).returncode == 0
