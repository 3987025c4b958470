"""Fixtures: the static export of every shared artefact, served over loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from publisher.blobs import BlobStore
from publisher.export import build_site
from publisher.ingest import ingest
from publisher.store.sqlite import SQLiteStore
from tests.conftest import free_port, shared_artefacts

from .served import (
    LoggingServer,
    NegotiatingHandler,
    Server,
    Site,
    YankingStore,
    wait_for_port,
)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("site")
    store = SQLiteStore(base / "index.db")
    outcomes = ingest(shared_artefacts(), store, BlobStore(base / "blobs"))
    assert all(o.status == "added" for o in outcomes), [o.message for o in outcomes]
    yanking = YankingStore(store)
    report = build_site(yanking, BlobStore(base / "blobs"), base / "out", "http://127.0.0.1")  # type: ignore[arg-type]
    yield Site(base / "out", yanking, report)
    store.close()


@pytest.fixture(scope="session")
def http_server(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python -m http.server`` over the export, as a user would run it."""
    log = tmp_path_factory.mktemp("http-server") / "access.log"
    port = free_port()
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
            cwd=site.root,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_for_port(port)
        yield Server(f"http://127.0.0.1:{port}", lambda: log.read_text().splitlines())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def json_server(site: Site) -> Iterator[Server]:
    """The export behind a server that negotiates HTML or JSON for ``/simple/``."""

    def handler(*args: Any, **kwargs: Any) -> NegotiatingHandler:
        return NegotiatingHandler(*args, directory=str(site.root), **kwargs)

    server = LoggingServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield Server(
            f"http://127.0.0.1:{port}", lambda: list(server.lines), accept_log=server.accept_log
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def ldindex_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ldindex serve`` itself over the same artefacts, with its access log kept."""
    base = tmp_path_factory.mktemp("ldindex-serve")
    store = SQLiteStore(base / "index.db")
    outcomes = ingest(shared_artefacts(), store, BlobStore(base / "blobs"))
    store.close()
    assert all(o.status == "added" for o in outcomes), [o.message for o in outcomes]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = base / "access.log"
    command = [
        sys.executable, "-m", "publisher.cli", "serve", "--db", f"sqlite:///{base / 'index.db'}",
        "--files", str(base / "blobs"), "--port", str(port), "--base-url", url, "--access-log",
    ]  # fmt: skip
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=30)
        yield Server(url, lambda: log.read_text().splitlines())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
