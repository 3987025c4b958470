"""What a person reads on the release and project pages: files in words before the README,
each file's other facts behind a disclosure, dependencies with markers and extras, versions
newest first, and never an id or a fragment IRI as visible text."""

from __future__ import annotations

import re

import lxml.html
import pytest

from publisher.render.page_parts import human_size
from tests.web.conftest import BASE

SIMPLE_JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def _page(client, path: str) -> lxml.html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, path
    return lxml.html.fromstring(response.text)


def _text(element) -> str:
    return " ".join(element.text_content().split())


def test_files_are_listed_in_words_before_the_description(client) -> None:
    page = _page(client, "/project/msgpack/1.1.0/")
    files = {
        f["filename"]: f
        for f in client.get("/simple/msgpack/", headers=SIMPLE_JSON).json()["files"]
    }
    rows = page.xpath('//table[@class="files"]/tbody')
    assert len(rows) == 6
    cells = {}
    for row in rows:
        name = _text(row.xpath('.//td[@class="filename"]')[0])
        cells[name] = row
        record = files[name]
        assert _text(row.xpath('.//td[contains(@class, "size")]')[0]) == human_size(record["size"])
        code = row.xpath('.//td[@class="hash"]/code')[0]
        sha256 = record["hashes"]["sha256"]
        assert code.get("title") == sha256 and _text(code) == f"{sha256[:12]}…"
        assert row.xpath('.//button[@class="copy"]')[0].get("data-copy") == sha256
        details = row.xpath(".//details")[0]
        assert "open" not in details.attrib and _text(details.xpath("summary")[0]).startswith(
            "All facts"
        )
        assert details.xpath('.//*[@property="spdx:checksumValue"]')  # every digest, inside
    assert next(iter(cells)) == "msgpack-1.1.0.tar.gz"  # the source first
    expected = {
        "msgpack-1.1.0.tar.gz": ("source", "any (built on install)", "any"),
        "msgpack-1.1.0-cp312-cp312-macosx_11_0_arm64.whl": (
            "wheel", "CPython 3.12", "macOS ≥ 11 ARM64"),
        "msgpack-1.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": (
            "wheel", "CPython 3.12", "Linux glibc ≥ 2.17 x86-64"),
        "msgpack-1.1.0-cp312-cp312-musllinux_1_2_x86_64.whl": (
            "wheel", "CPython 3.12", "Linux musl ≥ 1.2 x86-64"),
        "msgpack-1.1.0-cp312-cp312-win_amd64.whl": ("wheel", "CPython 3.12", "Windows x86-64"),
    }  # fmt: skip
    for name, (kind, python, platform) in expected.items():
        row = cells[name]
        assert _text(row.xpath('.//td[@class="kind"]')[0]) == kind
        assert _text(row.xpath('.//td[@class="python"]')[0]) == python
        assert _text(row.xpath('.//td[@class="platform"]')[0]) == platform
    html = client.get("/project/msgpack/1.1.0/").text
    assert html.index('id="files"') < html.index('id="description"')


def test_a_stable_abi_wheel_runs_on_later_pythons(client) -> None:
    page = _page(client, "/project/psutil/6.1.0/")
    pythons = {_text(c) for c in page.xpath('//td[@class="python"]')}
    assert pythons == {"CPython ≥ 3.6", "CPython ≥ 3.7"}


def test_dependencies_show_markers_and_extras_and_link_what_the_index_holds(client) -> None:
    page = _page(client, "/project/requests/2.32.3/")
    section = page.xpath('//section[@id="dependencies"]')[0]
    lists = section.xpath("ul")
    required = {_text(li).split()[0]: li for li in lists[0].xpath("li")}
    assert set(required) == {"charset-normalizer", "idna", "urllib3", "certifi"}
    assert required["idna"].xpath("a/@href") == ["/project/idna/"]  # held here
    assert not required["urllib3"].xpath("a")  # not held: no link to a page that is not there
    # then what each extra adds, under its name, with how to ask for it
    headings = [_text(h) for h in section.xpath("h3")]
    assert headings == [
        "With the extra socks (pip install requests[socks])",
        "With the extra use-chardet-on-py3 (pip install requests[use-chardet-on-py3])",
    ]
    socks = _text(lists[1])
    assert "PySocks !=1.5.7,>=1.5.6" in socks and "extra:" not in socks
    assert "chardet <6,>=3.0.2" in _text(lists[2])


@pytest.mark.parametrize(
    "path", ["/project/attrs/25.3.0/", "/project/requests/2.32.3/", "/project/markupsafe/"]
)
def test_no_id_or_fragment_iri_is_visible_text(client, path: str) -> None:
    page = _page(client, path)
    # links the page makes (the README's own links say what their authors wrote)
    for link in page.xpath('//main//a[not(ancestor::div[@class="description"])]'):
        text = _text(link)
        assert not re.fullmatch(r"(\[?_:)?n\d+\]?|#.*|.*#[\w-]+-\d+", text), (path, text)
    body = _text(page.xpath("//main")[0])
    assert "_:n" not in body and f"{BASE}{path}#" not in body
    metadata = page.xpath('//section[@id="metadata"]/details')[0]
    assert "open" not in metadata.attrib  # the whole graph, collapsed


def test_project_page_lists_versions_newest_first_without_repeating_iris(client) -> None:
    html = client.get("/project/markupsafe/").text
    page = lxml.html.fromstring(html)
    rows = page.xpath('//table[@class="versions"]/tbody/tr')
    versions = [_text(r.xpath("td[1]/a")[0]) for r in rows]
    assert versions == ["3.0.2", "2.1.5"]
    assert "latest" in _text(rows[0]) and "latest" not in _text(rows[1])
    visible = _text(page.xpath("//main")[0])
    assert f"{BASE}/project/markupsafe/3.0.2/" not in visible
    assert "pip install MarkupSafe" in visible
