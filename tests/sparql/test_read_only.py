"""The catalogue graph of an index this user may only read: the graph commands read the
database and write only where told, never create a database, and say in one line what is
wrong; ``ldindex serve`` answers SPARQL from a graph built there and writes nothing."""

from __future__ import annotations

import gzip
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import (
    ATTRS,
    LDINDEX,
    SIX,
    UNPRIVILEGED,
    World,
    clean_env,
    cli,
    run,
    world_directory,
)
from tests.cli.conftest import one_error_line as error_line
from tests.conftest import free_port

ASK = "ASK { ?p a ldx:Project ; schema:name 'six' }"


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")
    }


def _lock_down(home: Path) -> None:
    for path in sorted(home.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    home.chmod(0o555)


@pytest.fixture
def world() -> Iterator[World]:
    """A directory every user can enter (as in tests/cli), removed afterwards."""
    yield from world_directory("ldindex-graph-")


@pytest.fixture
def index(world: World) -> Path:
    home = world.mkdir("index")
    assert cli("ingest", SIX, ATTRS, cwd=home).exit_code == 0
    return home


@pytest.mark.parametrize("verb", [["graph", "rebuild"], ["graph", "sync"], ["graph", "status"],
                                  ["dump"]], ids=" ".join)  # fmt: skip
def test_graph_verbs_never_create_a_database(tmp_path: Path, verb: list[str]) -> None:
    result = cli(*verb, "--db", "sqlite:///typo/idnex.db", cwd=tmp_path)
    assert result.exit_code == 1
    assert error_line(result.stderr) == (
        "error: no index at typo/idnex.db (create one with ldindex ingest)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_index_builds_and_dumps_its_graph_elsewhere(index: Path, world: World):
    _lock_down(index)
    before = _snapshot(index)
    refused = run("graph", "rebuild", cwd=index, unprivileged=True)
    assert refused.returncode == 1
    line = error_line(refused.stderr)
    assert "cannot write the catalogue graph in" in line and "ldindex.db-graph" in line
    assert line.endswith("(choose a writable directory with --graph DIR)")
    refused = run("dump", cwd=index, unprivileged=True)
    assert refused.returncode == 1 and "--graph DIR" in error_line(refused.stderr)
    elsewhere = world.mkdir("graph")
    built = run("graph", "rebuild", "--graph", elsewhere, cwd=index, unprivileged=True)
    assert built.returncode == 0, built.stderr
    assert "graph rebuilt from 2 projects" in built.stdout
    status = run("graph", "status", "--graph", elsewhere, cwd=index, unprivileged=True)
    assert status.returncode == 0 and "(current)" in status.stdout, status.stderr
    out = world.mkdir("out")
    dumped = run("dump", "--graph", elsewhere, "--out", out, cwd=index, unprivileged=True)
    assert dumped.returncode == 0, dumped.stderr
    assert b"/project/six/" in gzip.decompress((out / "catalogue.nt.gz").read_bytes())
    assert _snapshot(index) == before  # nothing written beside the database


def _serve(index: Path, *extra: str | Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [*UNPRIVILEGED, *LDINDEX, "serve", "--port", str(port), "--server", "uvicorn",
               *(str(e) for e in extra)]  # fmt: skip
    process = subprocess.Popen(command, cwd=index, env=clean_env(), stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/robots.txt", timeout=2)
            return process, url
        except httpx.TransportError:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.25)


def _sparql(url: str, query: str) -> httpx.Response:
    return httpx.get(f"{url}/_/sparql", params={"query": query}, timeout=30,
                     headers={"Accept": "application/sparql-results+json"})  # fmt: skip


def test_serving_a_read_only_index_without_a_graph_says_how_to_get_one(index: Path) -> None:
    _lock_down(index)
    before = _snapshot(index)
    process, url = _serve(index)
    try:
        reply = _sparql(url, ASK)
        assert reply.status_code == 503
        assert "there is no catalogue graph to query: cannot write" in reply.json()["error"]
        assert "--graph DIR" in reply.json()["error"]
        dump = httpx.get(f"{url}/_/dump/catalogue.nt.gz")
        assert dump.status_code == 503 and "never written" in dump.json()["error"]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "is not writable: /_/sparql serves the catalogue graph built there" in stderr
    assert stderr.count("cannot write the catalogue graph") <= 1  # said once, not retried
    assert _snapshot(index) == before


def test_serving_a_read_only_index_answers_from_the_graph_built_there(index: Path) -> None:
    port = free_port()
    built = run("graph", "rebuild", "--base-url", f"http://127.0.0.1:{port}", cwd=index)
    assert built.returncode == 0, built.stderr
    _lock_down(index)
    before = _snapshot(index)
    process = subprocess.Popen(
        [*UNPRIVILEGED, *LDINDEX, "serve", "--port", str(port), "--server", "uvicorn"],
        cwd=index, env=clean_env(), stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                reply = _sparql(url, ASK)
                if reply.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.25)
        assert reply.json()["boolean"] is True
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert _snapshot(index) == before
