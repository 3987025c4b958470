"""An in-process client for the application over the shared artefacts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from publisher.web import Settings, create_app
from tests.conftest import IndexedData

BASE = "http://testserver"


def client_for(data: IndexedData, **settings) -> TestClient:
    app = create_app(
        Settings(db_url=data.db_url, files_dir=data.files_dir, base_url=BASE, **settings)
    )
    return TestClient(app, base_url=BASE, follow_redirects=False)


@pytest.fixture(scope="module")
def client(shared_index: IndexedData) -> Iterator[TestClient]:
    with client_for(shared_index) as c:
        yield c
