"""The cached hot-read layer: validators, compression, negotiation, redirects, invalidation."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import brotli
import pytest

from publisher.blobs import BlobStore
from publisher.ingest import ingest
from publisher.store import open_store
from tests.conftest import SHARED_ARTEFACTS, build_index
from tests.web.conftest import client_for

JSON = "application/vnd.pypi.simple.v1+json"


def test_landing_page_lists_projects(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<a href="/project/attrs/">attrs</a>' in page.text
    assert '<link rel="canonical" href="http://testserver/">' in page.text


def test_strong_etag_and_304(client) -> None:
    first = client.get("/simple/six/")
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get("/simple/six/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/simple/six/", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_precompressed_variants_decode_to_the_same_body(client) -> None:
    plain = client.get("/simple/requests/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw_gz = client.get("/simple/requests/", headers={"Accept-Encoding": "gzip"})
    assert raw_gz.headers["content-encoding"] == "gzip"
    assert raw_gz.content == plain.content  # httpx decodes gzip transparently
    with client.stream("GET", "/simple/requests/", headers={"Accept-Encoding": "br"}) as r:
        assert r.headers["content-encoding"] == "br"
        body = b"".join(r.iter_raw())
    assert brotli.decompress(body) == plain.content
    assert int(r.headers["content-length"]) == len(body)
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content


def test_head_sends_headers_only(client) -> None:
    head = client.head("/simple/six/")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0


def test_vary_and_cache_control(client) -> None:
    page = client.get("/simple/six/")
    assert page.headers["vary"] == "Accept, Accept-Encoding"
    assert page.headers["cache-control"] == "public, max-age=60"


def test_negotiation_by_accept_and_format(client) -> None:
    as_json = client.get("/simple/six/", headers={"Accept": JSON})
    assert as_json.headers["content-type"] == JSON
    assert as_json.json()["name"] == "six"
    html = client.get("/simple/six/", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    by_param = client.get("/simple/six/?format=" + JSON.replace("+", "%2B"))
    assert by_param.headers["content-type"] == JSON
    refused = client.get("/simple/six/", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "acceptable" in refused.json()["error"]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/simple/PyYAML/", "/simple/pyyaml/"),
        ("/simple/typing_extensions/", "/simple/typing-extensions/"),
        ("/simple/six", "/simple/six/"),
        ("/simple", "/simple/"),
    ],
)
def test_non_canonical_urls_redirect(client, path: str, location: str) -> None:
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["location"] == location


def test_unknown_project_is_a_json_404(client) -> None:
    response = client.get("/simple/no-such-project/")
    assert response.status_code == 404
    assert response.json()["error"]


def test_robots_and_sitemap(client) -> None:
    robots = client.get("/robots.txt").text
    assert "Sitemap: http://testserver/sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml").text
    assert "<loc>http://testserver/project/requests/2.32.3/</loc>" in sitemap
    assert "<loc>http://testserver/project/requests/</loc>" in sitemap
    assert "<lastmod>" in sitemap


def test_a_write_invalidates_cached_pages(tmp_path: Path) -> None:
    """A page cached before an ingest shows the new file right after it, with a new ETag."""
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(SHARED_ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl", source)
    data = build_index(tmp_path / "index", source)
    with client_for(data) as c:
        before = c.get("/simple/six/")
        landing = c.get("/")
        assert "six-1.16.0.tar.gz" not in before.text
        # another process (the CLI, another worker) writes to the same database
        store = open_store(data.db_url)
        ingest([SHARED_ARTEFACTS / "six-1.16.0.tar.gz"], store, BlobStore(data.files_dir))
        store.close()
        after = c.get("/simple/six/")
        assert "six-1.16.0.tar.gz" in after.text
        assert after.headers["etag"] != before.headers["etag"]
        assert (
            c.get("/simple/six/", headers={"If-None-Match": before.headers["etag"]}).status_code
            == 200
        )
        assert c.get("/").headers["etag"] != landing.headers["etag"]


def test_cache_invalidate_endpoint(client) -> None:
    client.get("/simple/six/")
    response = client.post("/_/cache/invalidate", json={"project": "Six"})
    # TestClient's peer address is "testclient", not loopback: refused
    assert response.status_code == 403


def test_stylesheet_is_served_once_for_every_page(client) -> None:
    page = client.get("/")
    assert '<link rel="stylesheet" href="/_/static/style.css">' in page.text
    css = client.get("/_/static/style.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert "font" in css.text and css.headers["etag"]


@pytest.mark.parametrize(
    "path",
    [
        "/simple/Foo%0d%0aX-Evil:%201/",
        "/project/a%0d%0ab/",
        "/project/attrs/1%0d%0a/",
        "/simple/caf%C3%A9/",
        "/project/attrs/../",
    ],
)
def test_hostile_paths_are_404_not_500(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "x-evil" not in response.headers


def test_head_of_unknown_things_is_404(client) -> None:
    assert client.head("/simple/no-such-project/").status_code == 404
    assert client.head("/project/no-such-project/").status_code == 404


def test_search_queries_share_a_cache_entry_by_their_words(client) -> None:
    a = client.get("/_/search/?q=Requests!!", headers={"Accept": "application/json"})
    b = client.get("/_/search/?q=requests", headers={"Accept": "application/json"})
    assert a.json()["query"] == b.json()["query"] == "requests"
    assert a.headers["etag"] == b.headers["etag"]


def test_resolution_memo_is_bounded_and_keyed_by_media_ranges(shared_index) -> None:
    from publisher.web.hot import MEMO_ENTRIES, MEMO_INPUT

    with client_for(shared_index) as c:
        app = c.app
        app._resolved.clear()
        c.get("/simple/six/", headers={"Accept": "text/html, */*;q=0.1"})
        c.get("/simple/six/", headers={"Accept": "TEXT/HTML ,  */*; q=0.1"})
        assert len(app._resolved) == 1  # the same media ranges, one entry
        c.get("/simple/six/", headers={"Accept": "text/html;" + "x" * MEMO_INPUT})
        c.get("/_/search/", params={"q": "six"})
        assert len(app._resolved) == 1  # long input and query strings are not remembered
        for i in range(MEMO_ENTRIES + 10):
            c.get("/simple/six/", headers={"Accept": f"application/x-{i}, text/html"})
        assert len(app._resolved) <= MEMO_ENTRIES
