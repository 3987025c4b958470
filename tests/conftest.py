"""Fixtures shared across the suite: the real artefacts indexed once, and servers on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from publisher.blobs import BlobStore
from publisher.ingest import ingest
from publisher.store import open_store
from tests.pgcluster import Cluster

REPO = Path(__file__).resolve().parents[1]
SHARED_ARTEFACTS = REPO.parent / "shared" / "data" / "artefacts"
EXAMPLES = REPO / "examples"


def shared_artefacts() -> list[Path]:
    """The real artefacts the tests read in place (never modified)."""
    assert SHARED_ARTEFACTS.is_dir(), f"{SHARED_ARTEFACTS} is missing"
    return sorted(
        p for p in SHARED_ARTEFACTS.iterdir() if p.name not in ("README.md", "SHA256SUMS")
    )


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for this test process (each xdist worker has its own),
    started when a test first asks for it and stopped at the end of the session."""
    cluster = Cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A fresh, empty database in the session's cluster, owned by an unprivileged role."""
    return pg_cluster.create_database()


@dataclass(frozen=True)
class IndexedData:
    """A database and file store holding every shared artefact."""

    root: Path
    db_url: str
    files_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_index(root: Path, *sources: Path, db_url: str | None = None) -> IndexedData:
    """Ingest ``sources`` into a new SQLite database under ``root`` (or into ``db_url``),
    with the file store under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{root / 'index.db'}"
    store = open_store(db_url)
    outcomes = ingest(list(sources), store, BlobStore(root / "files"))
    store.close()
    failed = [o.message for o in outcomes if o.status == "failed"]
    assert not failed, failed
    return IndexedData(root, db_url, root / "files")


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> IndexedData:
    """Every file of ../shared/data/artefacts, ingested once for the session (read-only)."""
    assert SHARED_ARTEFACTS.is_dir(), f"{SHARED_ARTEFACTS} is missing"
    return build_index(tmp_path_factory.mktemp("shared-index"), SHARED_ARTEFACTS)


@dataclass(frozen=True)
class LiveServer:
    url: str
    process: subprocess.Popen
    data: IndexedData


def start_server(
    data: IndexedData,
    workers: int = 1,
    server: str = "granian",
    *extra: str,
    cwd: Path | None = None,
) -> LiveServer:
    """``ldindex serve`` on a free loopback port (``extra``: more options), run in ``cwd``
    (default the index's directory: what a server builds beside a database server's index
    goes there, not into the checkout); returns once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "publisher.cli", "serve", "--db", data.db_url,
        "--files", str(data.files_dir), "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--base-url", url, "--server", server, *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
        cwd=cwd or data.root,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()}")
        try:
            httpx.get(f"{url}/robots.txt", timeout=1)
            return LiveServer(url, process, data)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start within 30 s")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def live_server(shared_index: IndexedData) -> Iterator[LiveServer]:
    """A real ``ldindex serve`` over the shared artefacts, stopped at the end of the session."""
    server = start_server(shared_index)
    yield server
    stop_server(server)


# A few real artefacts for tests that write: two MarkupSafe releases (2.1.5 and 3.0.2, for
# version ranges), requests and idna.
WRITABLE_ARTEFACTS = (
    "MarkupSafe-2.1.5-cp39-cp39-win32.whl",
    "MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl",
    "markupsafe-3.0.2.tar.gz",
    "requests-2.32.3-py3-none-any.whl",
    "idna-3.10-py3-none-any.whl",
)


def writable_index(root: Path, db_url: str | None = None) -> IndexedData:
    """A fresh index of ``WRITABLE_ARTEFACTS`` that a test may change (SQLite under ``root``,
    or the database ``db_url`` names)."""
    return build_index(
        root, *(SHARED_ARTEFACTS / name for name in WRITABLE_ARTEFACTS), db_url=db_url
    )


def make_token(data: IndexedData, scope: str, name: str | None = None, **kwargs) -> str:
    """A real token issued into the index's store (``expires=`` may be given)."""
    from datetime import UTC, datetime

    from publisher.tokens import issue_token

    store = open_store(data.db_url)
    try:
        _, text = issue_token(store, name or scope, scope, datetime.now(UTC), **kwargs)
    finally:
        store.close()
    return text


CORPUS = REPO.parent / "shared" / "data" / "pypi-projects.tsv.gz"


@pytest.fixture(scope="session")
def corpus_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~21k-row sample of the PyPI listing, in its own format: every project with a
    download rank (about 15,000) and every 150th of the others."""
    import gzip

    assert CORPUS.is_file(), f"{CORPUS} is missing"
    target = tmp_path_factory.mktemp("corpus") / "sample.tsv.gz"
    with (
        gzip.open(CORPUS, "rt", encoding="utf-8") as source,
        gzip.open(target, "wt", encoding="utf-8") as out,
    ):
        out.write(next(source))
        for number, line in enumerate(source):
            if line.split("\t", 4)[3] or number % 150 == 0:
                out.write(line)
    return target


@pytest.fixture(scope="session")
def catalogue(
    shared_index: IndexedData, corpus_sample: Path, tmp_path_factory: pytest.TempPathFactory
) -> IndexedData:
    """The shared artefacts plus the corpus sample imported as a listing (read-only)."""
    import shutil

    from publisher.listings import read_tsv

    root = tmp_path_factory.mktemp("catalogue")
    shutil.copy(shared_index.root / "index.db", root / "index.db")
    shutil.copytree(shared_index.files_dir, root / "files")
    db_url = f"sqlite:///{root / 'index.db'}"
    store = open_store(db_url)
    store.import_listing(read_tsv(corpus_sample))
    store.close()
    return IndexedData(root, db_url, root / "files")
