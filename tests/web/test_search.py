"""``/_/search/``, ``/_/search/all``, the catalogue dump and the pages around them, over the
shared artefacts with a sample of the PyPI listing imported beside them."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from collections.abc import Iterator
from email.utils import formatdate
from html.parser import HTMLParser
from pathlib import Path

import pytest
import zstandard
from pypi_simple import ProjectPage
from starlette.testclient import TestClient

from publisher.search import SearchQuery
from publisher.store import open_store
from tests.conftest import IndexedData
from tests.web.conftest import BASE, client_for
from tests.web.test_pages import assert_same_graph, embedded_graph, rdfa_graph


class _Rows(HTMLParser):
    """The cells of each ``tbody > tr``, and every element seen inside tbody rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._in_body = False
        self._cell: list[str] | None = None
        self.cell_children: set[str] = set()

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []
        elif self._cell is not None:
            self.cell_children.add(tag)
            if tag == "a" and not self.rows[-1]:
                self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parsed(html: str) -> _Rows:
    parser = _Rows()
    parser.feed(html)
    return parser


def rows(html: str) -> list[list[str]]:
    return parsed(html).rows


@pytest.fixture(scope="module")
def client(catalogue: IndexedData) -> Iterator[TestClient]:
    with client_for(catalogue) as c:
        yield c


def test_rows_are_name_and_summary_only(client) -> None:
    html = client.get("/_/search/?q=requests").text
    found = parsed(html)
    assert found.rows[0] == ["requests", "Python HTTP for Humans."]
    assert all(len(row) == 2 for row in found.rows) and len(found.rows) == 20
    assert found.links[0] == "/project/requests/"
    assert found.cell_children <= {"a", "span", "meta"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Flask_SQLAlchemy", "flask-sqlalchemy"),
        ("scikit learn", "scikit-learn"),
        ("django rest framework", "djangorestframework"),
        ("reqeusts", "requests"),
        ("markupsafe", "MarkupSafe"),  # ingested: shown by its display name
    ],
)
def test_queries_find_projects(client, query: str, expected: str) -> None:
    names = [row[0] for row in rows(client.get("/_/search/", params={"q": query}).text)]
    assert expected in names[:3]


def test_rdfa_states_the_embedded_jsonld_list(client, tmp_path: Path) -> None:
    html = client.get("/_/search/?q=http+client&per_page=5").text
    embedded = embedded_graph(html)
    assert len(embedded) > 5 * 4
    assert_same_graph(rdfa_graph(html, tmp_path), embedded, "search page")
    document = client.get(
        "/_/search/?q=http+client&per_page=5", headers={"Accept": "application/ld+json"}
    ).json()
    assert document["@type"] == "ItemList"
    assert [i["position"] for i in document["itemListElement"]] == [1, 2, 3, 4, 5]


def test_json_by_accept_with_paging_and_total(client) -> None:
    first = client.get("/_/search/?q=django&per_page=10", headers={"Accept": "application/json"})
    assert first.headers["content-type"] == "application/json"
    page1 = first.json()
    page2 = client.get(
        "/_/search/?q=django&per_page=10&page=2", headers={"Accept": "application/json"}
    ).json()
    assert (page1["page"], page1["per_page"], page2["page"]) == (1, 10, 2)
    assert page1["total"] == page2["total"] > 20 and page1["more"] is True
    names = [r["name"] for r in page1["results"] + page2["results"]]
    assert names[0] == "django" and len(set(names)) == 20
    assert page1["results"][0]["url"] == f"{BASE}/project/django/"


def test_empty_query_is_a_form_without_rows(client) -> None:
    for url in ("/_/search/", "/_/search/?q=", "/_/search/?q=%22%2A"):
        response = client.get(url)
        assert response.status_code == 200
        assert 'name="q"' in response.text and rows(response.text) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=" + "x" * 257, "q: at most 256 characters"),
        ("q=a&page=0", "page: expected a whole number from 1 to 50"),
        ("q=a&page=x", "page: expected a whole number"),
        ("q=a&page=51", "page: expected a whole number from 1 to 50"),
        ("q=a&per_page=101", "per_page: expected a whole number from 1 to 100"),
        ("q=%ff", "not valid UTF-8"),
    ],
)
def test_malformed_parameters_are_400_with_a_message(client, query: str, message: str) -> None:
    response = client.get(f"/_/search/?{query}")
    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.parametrize("query", ["c++", '"', "*", "-", ":", "AND OR", "NEAR(", "(a"])
def test_syntax_characters_never_fail(client, query: str) -> None:
    assert client.get("/_/search/", params={"q": query}).status_code == 200


def test_query_is_escaped(client) -> None:
    html = client.get("/_/search/", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in html


# -- the full listing ------------------------------------------------------------------------


def test_listing_html_is_every_project_as_a_row(client, catalogue) -> None:
    response = client.get("/_/search/all")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    found = rows(response.text)
    store = open_store(catalogue.db_url)
    assert [r[0] for r in found] == store.project_names()
    store.close()
    assert ["requests", "Python HTTP for Humans."] in found


def test_listing_json_has_versions_upload_times_and_requires_python(client) -> None:
    document = client.get("/_/search/all", headers={"Accept": "application/json"}).json()
    fields = document["fields"]
    by_name = {row[0]: dict(zip(fields, row, strict=True)) for row in document["projects"]}
    held = by_name["requests"]
    assert held["latest_version"] == "2.32.3" and held["requires_python"] == ">=3.8"
    assert held["upload_time"].startswith("20") and held["popularity"] == 6
    listed = by_name["boto3"]
    assert listed["latest_version"] and len(listed["upload_time"]) == 7  # YYYY-MM


def test_listing_is_precompressed_with_validators(client, catalogue) -> None:
    plain = client.get("/_/search/all", headers={"Accept-Encoding": "identity"})
    gz = client.get("/_/search/all", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert gz.content == plain.content  # decoded by the client
    etag, modified = plain.headers["etag"], plain.headers["last-modified"]
    assert gz.headers["etag"] == f'{etag[:-1]}-gzip"'
    # zstd joins once its background compression finishes
    resolver = client.app.resolver
    document = resolver.documents["listing.html"]
    built = resolver.publisher.wait_for_variants(document)
    assert "zstd" in built.variants
    raw = built.variants["zstd"].read_bytes()
    assert zstandard.ZstdDecompressor().decompressobj().decompress(raw) == plain.content
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'{etag[:-1]}-gzip"', "Accept-Encoding": "gzip"},
        {"If-Modified-Since": modified},
        {"If-Modified-Since": formatdate(time.time() + 60, usegmt=True)},
    ):
        again = client.get("/_/search/all", headers=headers)
        assert again.status_code == 304, headers
        assert again.content == b""
    old = formatdate(time.time() - 86400 * 400, usegmt=True)
    assert client.get("/_/search/all", headers={"If-Modified-Since": old}).status_code == 200


def test_listing_is_built_once_not_per_request(client) -> None:
    first = client.get("/_/search/all")
    built = client.app.resolver.publisher.current(client.app.resolver.documents["listing.html"])
    for _ in range(3):
        assert client.get("/_/search/all").headers["etag"] == first.headers["etag"]
    assert built.path.is_file()


# -- pages around search ----------------------------------------------------------------------


def test_landing_shows_counts_latest_releases_and_search_not_every_project(client) -> None:
    html = client.get("/").text
    assert 'action="/_/search/"' in html
    store_rows = rows(html)
    assert 0 < len(store_rows) <= 20
    assert "boto3" not in html  # listed without files: counted, not listed
    assert "projects" in html and "Latest releases" in html


def test_simple_index_lists_listed_projects_and_their_empty_pages(client) -> None:
    index = client.get("/simple/", headers={"Accept-Encoding": "gzip"})
    assert index.headers["content-encoding"] == "gzip" and index.headers["etag"]
    assert '<a href="boto3/">boto3</a>' in index.text
    page = client.get("/simple/boto3/")
    assert page.status_code == 200
    assert ProjectPage.from_html("boto3", page.text, f"{BASE}/simple/boto3/").packages == []
    data = client.get("/simple/boto3/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    assert data.json()["files"] == []


def test_listed_project_page_states_its_summary_in_rdfa_and_jsonld(client, tmp_path) -> None:
    page = client.get("/project/boto3/")
    assert page.status_code == 200
    assert "The AWS SDK for Python (Boto3)" in page.text
    assert "No release files of this project are held here" in page.text
    embedded = embedded_graph(page.text)
    assert_same_graph(rdfa_graph(page.text, tmp_path), embedded, "/project/boto3/")
    data = client.get("/project/boto3/", headers={"Accept": "application/ld+json"}).json()
    assert "The AWS SDK for Python (Boto3)" in json.dumps(data)


def test_catalogue_dump_is_a_searchable_sqlite_snapshot(client, tmp_path: Path) -> None:
    response = client.get("/_/dump/catalogue.sqlite", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["etag"]
    assert response.headers["content-type"] == "application/vnd.sqlite3"
    target = tmp_path / "catalogue.sqlite"
    target.write_bytes(response.content)
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT count(*) FROM projects").fetchone()[0] > 20_000
    store = open_store(f"sqlite:///{target}")
    assert store.search(SearchQuery.parse("requests"), 0, 1).hits[0].name == "requests"
    store.close()
    revalidated = client.get(
        "/_/dump/catalogue.sqlite", headers={"If-None-Match": response.headers["etag"]}
    )
    assert revalidated.status_code == 304


def test_sitemap_becomes_an_index_over_files_of_bounded_size(catalogue) -> None:
    from publisher.render.site import SiteRenderer

    store = open_store(catalogue.db_url)
    site = SiteRenderer(store, BASE, sitemap_urls=5_000)
    index = site.sitemap().decode()
    files = site.sitemap_files()
    assert files > 1 and index.count("<sitemap>") == files and "<sitemapindex" in index
    urls = []
    for number in range(1, files + 1):
        page = site.sitemap_file(number).decode()
        urls += [line for line in page.splitlines() if "<loc>" in line]
        assert page.count("<url>") <= 5_000
    assert site.sitemap_file(files + 1) is None
    counts = store.counts()
    assert len(urls) == counts["projects"] + counts["releases"]
    assert len(set(urls)) == len(urls)
    store.close()


def test_sitemap_files_are_served(client) -> None:
    assert "<urlset" in client.get("/sitemap.xml").text  # under 50,000 URLs: one urlset
    assert client.get("/sitemap-1.xml").status_code == 404


def test_published_documents_rebuild_after_writes(tmp_path: Path) -> None:
    """Cheap documents are rebuilt before answering; costly ones are served as they are
    and rebuilt once writes pause."""
    from publisher.published import Document, Publisher
    from publisher.store import ListingEntry

    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    calls = []

    def build(s, path: Path) -> None:
        calls.append(1)
        path.write_bytes(json.dumps([e.name for e in s.iter_listing()]).encode())

    document = Document("names.json", build, ("gzip",))
    quick = Publisher(store, tmp_path / "quick")
    first = quick.current(document)
    assert json.loads(first.path.read_bytes()) == [] and len(calls) == 1
    assert quick.current(document) == first and len(calls) == 1  # not per request
    store.import_listing([ListingEntry("alpha", "alpha")])
    assert json.loads(quick.current(document).path.read_bytes()) == ["alpha"]
    assert gzip.decompress(quick.current(document).variants["gzip"].read_bytes()) == b'["alpha"]'

    slow = Publisher(store, tmp_path / "slow", sync_seconds=-1, quiet_seconds=0.05)
    stale = slow.current(document)
    store.import_listing([ListingEntry("beta", "beta")])
    assert slow.current(document) == stale  # served as it is meanwhile
    deadline = time.monotonic() + 10
    while slow.current(document).etag == stale.etag and time.monotonic() < deadline:
        time.sleep(0.02)
    assert json.loads(slow.current(document).path.read_bytes()) == ["alpha", "beta"]
    store.close()


def test_published_documents_build_elsewhere_when_beside_the_database_is_unwritable(
    tmp_path: Path,
) -> None:
    from publisher.published import Document, Publisher
    from publisher.store import ListingEntry

    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    store.import_listing([ListingEntry("alpha", "alpha")])
    blocked = tmp_path / "not-a-directory"
    blocked.write_bytes(b"")  # a file where the directory would go: mkdir fails as on EROFS
    document = Document("names.txt", lambda s, p: p.write_bytes(b"alpha"), ("gzip",))
    built = Publisher(store, blocked / "published").current(document)
    assert built.path.read_bytes() == b"alpha"
    assert not built.path.is_relative_to(tmp_path)
    store.close()
