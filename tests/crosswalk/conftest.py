"""Fixtures: the shared real artefacts indexed once per session, and their releases."""

from __future__ import annotations

import pytest

from crosswalk.records import Project, Release
from publisher.blobs import BlobStore
from publisher.ingest import ingest
from publisher.store import open_store
from tests.conftest import SHARED_ARTEFACTS as ARTEFACTS

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Project]:
    """Every project of the shared artefacts, by normalised name."""
    if not ARTEFACTS.is_dir():
        pytest.fail(f"{ARTEFACTS} is missing")
    root = tmp_path_factory.mktemp("crosswalk-index")
    store = open_store(f"sqlite:///{root / 'index.db'}")
    outcomes = ingest([ARTEFACTS], store, BlobStore(root / "files"))
    assert all(o.status == "added" for o in outcomes), [o for o in outcomes if o.status != "added"]
    found = {name: store.get_project(name) for name in store.project_names()}
    store.close()
    return found


@pytest.fixture(scope="session")
def releases(projects: dict[str, Project]) -> list[tuple[Project, Release]]:
    """Every (project, release) pair of the shared artefacts."""
    return [(p, r) for p in projects.values() for r in p.releases]


def release_of(projects: dict[str, Project], name: str, version: str) -> tuple[Project, Release]:
    project = projects[name]
    return project, next(r for r in project.releases if r.version == version)
