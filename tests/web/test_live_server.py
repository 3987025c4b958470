"""``ldindex serve`` as a real process: it starts, answers over TCP, and serves the docs."""

from __future__ import annotations

import httpx
import pytest


def test_serve_answers_over_tcp(live_server) -> None:
    response = httpx.get(f"{live_server.url}/simple/attrs/")
    assert response.status_code == 200
    assert f"{live_server.url}/files/" in response.text


def test_serve_under_uvicorn(shared_index) -> None:
    from tests.conftest import start_server, stop_server

    server = start_server(shared_index, workers=1, server="uvicorn")
    try:
        page = httpx.get(f"{server.url}/simple/attrs/", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
        assert httpx.get(f"{server.url}/project/attrs/25.3.0/codemeta.json").json()["name"]
        wheel = httpx.get(f"{server.url}/files/nothing.whl")
        assert wheel.status_code == 404
    finally:
        stop_server(server)


def test_openapi_description(live_server) -> None:
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    assert "/files/{path}" in spec["paths"]
    assert "/simple/{name}/" in spec["paths"]
    release = spec["paths"]["/project/{name}/{version}/"]["get"]
    assert [p["name"] for p in release["parameters"]] == ["name", "version"]
    operations = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(operations) == len(set(operations))
    assert httpx.get(f"{live_server.url}/docs").status_code == 200


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_write_by_another_process_is_seen_at_once(
    tmp_path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Pages cached by a 2-worker server reflect an ingest run by the CLI as soon as the CLI
    has returned: in each worker, on its next request."""
    import shutil
    import subprocess
    import sys

    from tests.conftest import SHARED_ARTEFACTS, build_index, start_server, stop_server
    from tests.workers import connect_every_worker

    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(SHARED_ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl", source)
    db_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    data = build_index(tmp_path / "index", source, db_url=db_url)
    server = start_server(data, workers=2)
    try:
        workers = connect_every_worker(server.url, server.process.pid, 2)
        for worker in workers:  # warm both workers' caches
            assert "six-1.16.0.tar.gz" not in worker.get("/simple/six/").text
        command = [sys.executable, "-m", "publisher.cli", "ingest", "--db", data.db_url]
        command += ["--files", str(data.files_dir), str(SHARED_ARTEFACTS / "six-1.16.0.tar.gz")]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        for worker in workers:
            assert "six-1.16.0.tar.gz" in worker.get("/simple/six/").text
            worker.close()
    finally:
        stop_server(server)
