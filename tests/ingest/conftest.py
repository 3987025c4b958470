"""Fixtures for ingestion tests: a fresh index per test, and the shared artefacts indexed once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from publisher.blobs import BlobStore
from publisher.ingest import IngestOptions, Limits, Outcome, ingest
from publisher.store.sqlite import SQLiteStore
from tests.conftest import shared_artefacts


@dataclass
class Index:
    """A store and blob directory under one root, with ``run`` to ingest into them."""

    root: Path
    store: SQLiteStore = field(init=False)
    blobs: BlobStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = SQLiteStore(self.root / "index.db")
        self.blobs = BlobStore(self.root / "files")

    def run(self, paths: Iterable[Path], **options) -> list[Outcome]:
        limits = options.pop("limits", Limits())
        return ingest(list(paths), self.store, self.blobs, IngestOptions(limits=limits, **options))

    def blob_names(self) -> list[str]:
        """Filenames under the blob root, temporary files included."""
        return sorted(p.name for p in self.blobs.root.rglob("*") if p.is_file())

    def assert_nothing_of(self, filename: str) -> None:
        """Neither a row, a release nor bytes of ``filename`` anywhere in the index."""
        assert self.store.get_file(filename) is None
        assert self.store.metadata_bytes(filename) is None
        assert filename not in self.blob_names()
        tmp = self.blobs.root / ".tmp"
        assert not tmp.exists() or not any(tmp.iterdir()), "temporary bytes left behind"
        db = self.store._db
        orphans = db.execute(
            "SELECT count(*) FROM releases r WHERE NOT EXISTS "
            "(SELECT 1 FROM files f WHERE f.project = r.project AND f.version = r.version)"
        ).fetchone()[0]
        assert orphans == 0, "a release without files"


@pytest.fixture
def index(tmp_path: Path) -> Iterable[Index]:
    built = Index(tmp_path / "index")
    yield built
    built.store.close()


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, list[Outcome]]:
    """Every shared artefact ingested once, for the tests that only read the result."""
    paths = shared_artefacts()
    built = Index(tmp_path_factory.mktemp("shared-index"))
    return built, built.run(paths)
