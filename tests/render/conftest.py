"""Fixtures for renderer tests: real projects read from the shared artefacts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crosswalk.records import Project
from publisher.blobs import BlobStore
from publisher.ingest import ingest
from publisher.store.sqlite import SQLiteStore
from tests.conftest import SHARED_ARTEFACTS as ARTEFACTS


@pytest.fixture(scope="session")
def real_projects(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Project]]:
    """Every project of the shared artefacts, by normalised name."""
    if not ARTEFACTS.is_dir():
        pytest.fail(f"{ARTEFACTS} is missing")
    root = tmp_path_factory.mktemp("render-index")
    store = SQLiteStore(root / "index.db")
    paths = [p for p in sorted(ARTEFACTS.iterdir()) if p.name not in ("README.md", "SHA256SUMS")]
    ingest(paths, store, BlobStore(root / "files"))
    yield {p.name: p for p in store.iter_projects()}
    store.close()
