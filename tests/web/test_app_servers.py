"""Several stateless app servers over one PostgreSQL database and one shared file store, as
``docs/deployment.md`` lays them out: each a separate ``ldindex serve`` with its own workers,
caches and port. A write through one is seen by the next read through any other; a file
ingested anywhere is served by every one from the shared directory."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import (
    SHARED_ARTEFACTS,
    LiveServer,
    make_token,
    start_server,
    stop_server,
    writable_index,
)
from tests.workers import WorkerConnection, connect_every_worker


@pytest.fixture(scope="module")
def servers(
    pg_cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    data = writable_index(tmp_path_factory.mktemp("app-servers"), pg_cluster.create_database())
    first = start_server(data, workers=2)
    try:
        second = start_server(data, workers=2)
    except BaseException:
        stop_server(first)
        raise
    yield first, second
    stop_server(second)
    stop_server(first)


@pytest.fixture(scope="module")
def workers(servers) -> Iterator[dict[str, list[WorkerConnection]]]:
    """A keep-alive connection to each worker of each server, by server URL."""
    found = {s.url: connect_every_worker(s.url, s.process.pid, 2) for s in servers}
    yield found
    for connections in found.values():
        for connection in connections:
            connection.close()


def _every_read(
    workers: dict[str, list[WorkerConnection]],
    server: LiveServer,
    path: str,
    headers: dict[str, str] | None = None,
) -> list[str]:
    """What each worker of ``server`` answers now."""
    return [worker.get(path, headers).text for worker in workers[server.url]]


def test_a_write_through_one_server_is_read_through_every_other(servers, workers) -> None:
    first, second = servers
    admin = {"Authorization": f"Bearer {make_token(first.data, 'admin')}"}
    simple = {"Accept": "application/vnd.pypi.simple.v1+json"}
    for server in servers:  # warm every worker's cache
        assert all(
            '"yanked":false' in t for t in _every_read(workers, server, "/simple/idna/", simple)
        )
    for round_, (writer, reader) in enumerate([(first, second), (second, first)]):
        reason = f"broken in round {round_}"
        answer = httpx.post(
            f"{writer.url}/_/api/projects/idna/releases/3.10/yank",
            json={"reason": reason},
            headers=admin,
        )
        assert answer.status_code == 200, answer.text
        for server in (reader, writer):
            pages = _every_read(workers, server, "/simple/idna/", simple)
            assert all(f'"yanked":"{reason}"' in page for page in pages), server.url
        httpx.post(f"{writer.url}/_/api/projects/idna/releases/3.10/unyank", headers=admin)
        for server in (reader, writer):
            assert all(
                '"yanked":false' in t for t in _every_read(workers, server, "/simple/idna/", simple)
            )


def test_a_file_ingested_anywhere_is_served_by_every_server(servers) -> None:
    first = servers[0]
    wheel = SHARED_ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl"
    for server in servers:
        assert "six-1.16.0-py2.py3-none-any.whl" not in httpx.get(f"{server.url}/simple/").text
    command = [sys.executable, "-m", "publisher.cli", "--quiet", "ingest"]
    command += ["--db", first.data.db_url, "--files", str(first.data.files_dir), str(wheel)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    for server in servers:
        page = httpx.get(f"{server.url}/simple/six/", headers={"Accept": "text/html"}).text
        assert digest in page
        link = page.split('href="', 2)[1].split("#", 1)[0]
        body = httpx.get(link if link.startswith("http") else f"{server.url}{link}")
        assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == digest


def test_a_reason_with_a_nul_character_is_refused_on_every_backend(servers) -> None:
    first = servers[0]
    admin = {"Authorization": f"Bearer {make_token(first.data, 'admin')}"}
    answer = httpx.post(
        f"{first.url}/_/api/projects/idna/releases/3.10/yank",
        json={"reason": "bad\u0000"},
        headers=admin,
    )
    assert answer.status_code == 422 and "NUL" in answer.json()["error"]
    item = httpx.post(
        f"{first.url}/_/api/projects/idna/items",
        json={"kind": "external-link", "data": {"url": "https://example.org/"}, "reason": "\0"},
        headers=admin,
    )
    assert item.status_code == 422 and "NUL" in item.json()["error"]
