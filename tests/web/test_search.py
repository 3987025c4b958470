"""``/_/search/``: HTML5 rows of name and summary, JSON by Accept, and the full listing."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest


class _Rows(HTMLParser):
    """Collects the cells of each ``tbody > tr``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rows(html: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def test_exact_name_first_then_prefixes(client) -> None:
    found = rows(client.get("/_/search/?q=requests").text)
    assert found[0] == ["requests", "Python HTTP for Humans."]
    assert all(len(row) == 2 for row in found)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("markup", "MarkupSafe"),
        ("MarkupSafe", "MarkupSafe"),
        ("typing_extensions", "typing_extensions"),
        ("yaml", "PyYAML"),
        ("colored terminal", "colorama"),
    ],
)
def test_queries_find_projects(client, query: str, expected: str) -> None:
    names = [row[0] for row in rows(client.get("/_/search/", params={"q": query}).text)]
    assert names and names[0] == expected


def test_no_query_or_no_match_gives_an_empty_table(client) -> None:
    assert rows(client.get("/_/search/").text) == []
    assert rows(client.get("/_/search/?q=zzzzqqq").text) == []


def test_json_by_accept(client) -> None:
    response = client.get("/_/search/?q=six", headers={"Accept": "application/json"})
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["query"] == "six"
    assert document["results"][0]["name"] == "six"
    assert document["results"][0]["url"].endswith("/project/six/")


def test_query_is_escaped(client) -> None:
    html = client.get("/_/search/", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in html


def test_full_listing_for_client_side_search(client, shared_index) -> None:
    from publisher.store import open_store

    response = client.get("/_/search/all", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["etag"]
    listed = response.json()["projects"]
    store = open_store(shared_index.db_url)
    assert [p["name"] for p in listed] == store.project_names()
    store.close()
    assert {"name", "summary"} <= set(listed[0])
