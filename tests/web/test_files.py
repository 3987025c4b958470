"""``/files/…``: bytes, validators, ranges and PEP 658 metadata."""

from __future__ import annotations

import hashlib

import pytest

from publisher.store import open_store
from tests.conftest import SHARED_ARTEFACTS

WHEEL = "requests-2.32.3-py3-none-any.whl"


@pytest.fixture(scope="module")
def wheel(shared_index):
    store = open_store(shared_index.db_url)
    record = store.get_file(WHEEL)
    store.close()
    return record


def test_file_bytes_and_headers(client, wheel) -> None:
    response = client.get(f"/files/{wheel.url_path}")
    assert response.status_code == 200
    assert response.content == (SHARED_ARTEFACTS / WHEEL).read_bytes()
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["etag"] == f'"{wheel.hashes["sha256"]}"'
    assert "immutable" in response.headers["cache-control"]
    assert response.headers["last-modified"].endswith("GMT")


def test_file_revalidation_and_head(client, wheel) -> None:
    etag = f'"{wheel.hashes["sha256"]}"'
    assert (
        client.get(f"/files/{wheel.url_path}", headers={"If-None-Match": etag}).status_code == 304
    )
    head = client.head(f"/files/{wheel.url_path}")
    assert head.status_code == 200
    assert head.content == b""


def test_range_request(client, wheel) -> None:
    response = client.get(f"/files/{wheel.url_path}", headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.content == (SHARED_ARTEFACTS / WHEEL).read_bytes()[10:20]
    assert response.headers["content-range"] == f"bytes 10-19/{wheel.size}"


def test_core_metadata_file(client, wheel) -> None:
    response = client.get(f"/files/{wheel.url_path}.metadata")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == wheel.metadata_sha256
    assert response.content.startswith(b"Metadata-Version:")


@pytest.mark.parametrize(
    "path",
    [
        "/files/../../etc/passwd",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files/00/00/" + "0" * 60 + "/requests-2.32.3-py3-none-any.whl",
        "/files/nothing-here.whl",
    ],
)
def test_unknown_or_hostile_paths_are_404(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


def test_sdist_has_no_metadata_file(client, shared_index) -> None:
    store = open_store(shared_index.db_url)
    sdist = store.get_file("requests-2.32.3.tar.gz")
    store.close()
    assert client.get(f"/files/{sdist.url_path}").headers["content-type"] == "application/gzip"
