"""CDN purge keys: every cacheable response names what it shows (``Surrogate-Key`` and
``Cache-Tag``), and ``ldindex changes`` prints the keys to purge as writes land, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crosswalk.records import Target
from publisher.blobs import BlobStore
from publisher.handler import Handler
from publisher.store import Author, open_store
from tests.conftest import SHARED_ARTEFACTS, build_index
from tests.web.conftest import client_for


def test_pages_listings_and_files_carry_their_keys(shared_index) -> None:
    with client_for(shared_index) as client:
        for path, keys in [
            ("/project/attrs/", "ldindex project:attrs"),
            ("/project/attrs/25.3.0/codemeta.json", "ldindex project:attrs"),
            ("/simple/attrs/", "ldindex project:attrs"),
            ("/simple/", "ldindex site"),
            ("/", "ldindex site"),
        ]:
            for _ in range(2):  # rendered, then from the cache
                answer = client.get(path)
                assert answer.status_code == 200, path
                assert answer.headers["surrogate-key"] == keys, path
                assert answer.headers["cache-tag"] == keys.replace(" ", ","), path
        etag = client.get("/simple/attrs/").headers["etag"]
        revalidated = client.get("/simple/attrs/", headers={"If-None-Match": etag})
        assert revalidated.status_code == 304
        assert revalidated.headers["surrogate-key"] == "ldindex project:attrs"
        page = client.get(
            "/simple/attrs/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        url = page.json()["files"][0]["url"]
        wheel = client.get(url)
        assert wheel.headers["surrogate-key"] == "ldindex files:attrs"
        assert client.get(f"{url}.metadata").headers["cache-tag"] == "ldindex,files:attrs"


def test_a_cdn_may_keep_pages_longer_than_browsers(shared_index) -> None:
    """With --cdn-max-age, pages tell CDNs (and only them) to keep them for that long; the
    purge keys make that safe. Without it, nothing but Cache-Control is sent."""
    with client_for(shared_index) as plain:
        page = plain.get("/project/attrs/")
        assert page.headers["cache-control"] == "public, max-age=60"
        assert "surrogate-control" not in page.headers
        assert "cdn-cache-control" not in page.headers
    with client_for(shared_index, cache_max_age=30, cdn_max_age=86400) as client:
        for path in ("/project/attrs/", "/simple/attrs/", "/simple/", "/_/search/?q=attrs"):
            for _ in range(2):  # rendered, then from the cache
                answer = client.get(path)
                assert answer.status_code == 200, path
                assert answer.headers["cache-control"] == "public, max-age=30", path
                assert answer.headers["surrogate-control"] == "max-age=86400", path
                assert answer.headers["cdn-cache-control"] == "max-age=86400", path
        etag = client.get("/simple/attrs/").headers["etag"]
        revalidated = client.get("/simple/attrs/", headers={"If-None-Match": etag})
        assert revalidated.status_code == 304
        assert revalidated.headers["surrogate-control"] == "max-age=86400"
        listing = client.get("/_/search/all")  # a built document: the same
        assert listing.headers["cdn-cache-control"] == "max-age=86400"
        items = client.get("/_/api/projects/attrs/items")  # an API answer: never
        assert items.status_code == 200 and "surrogate-control" not in items.headers


def test_the_wsgi_handler_names_the_same_keys(shared_index) -> None:
    handler = Handler(
        open_store(shared_index.db_url), BlobStore(shared_index.files_dir), "http://x"
    )
    reply = handler("GET", "/project/attrs/", "", {})
    assert ("Surrogate-Key", "ldindex project:attrs") in reply.headers
    assert ("Cache-Tag", "ldindex,site") in handler("GET", "/simple/", "", {}).headers


def _changes(db_url: str, *args: str) -> list[dict]:
    command = [sys.executable, "-m", "publisher.cli", "changes", "--db", db_url, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_ldindex_changes_names_what_to_purge(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    data = build_index(tmp_path, SHARED_ARTEFACTS / "six-1.16.0.tar.gz",
                       SHARED_ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl",
                       SHARED_ARTEFACTS / "idna-3.10-py3-none-any.whl", db_url=db_url)  # fmt: skip
    [now] = _changes(data.db_url)
    start = now["generation"]
    command = [sys.executable, "-m", "publisher.cli", "changes", "--db", data.db_url]
    follower = subprocess.Popen(
        [*command, "--follow", "--interval", "0.05"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert json.loads(follower.stdout.readline()) == {"generation": start}
        store = open_store(data.db_url)
        try:
            store.set_yanked(Target("idna", "3.10"), True, "bad", Author("alice"))
            first = json.loads(follower.stdout.readline())
            store.remove_files(["six-1.16.0.tar.gz"], Author("alice"), "withdrawn")
            second = json.loads(follower.stdout.readline())
        finally:
            store.close()
    finally:
        follower.terminate()
        follower.wait(timeout=10)
    assert first == {
        "generation": start + 1,
        "projects": ["idna"],
        "purge": ["project:idna", "site"],
    }
    assert second == {
        "generation": start + 2,
        "projects": ["six"],
        "purge": ["project:six", "site", "files:six"],
    }
    assert _changes(data.db_url, "--since", str(start)) == [
        {
            "generation": start + 2,
            "projects": ["idna", "six"],
            "purge": ["project:idna", "project:six", "site", "files:six"],
        }
    ]
    assert _changes(data.db_url, "--since", str(start + 2)) == [
        {"generation": start + 2, "projects": [], "purge": []}
    ]
