"""Simple Repository API pages: PEP 503/691 structure, escaping, yanks, PEP 658/700/792."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import orjson
import pytest
from pypi_simple import IndexPage, ProjectPage

from crosswalk.records import Project
from publisher.render.simple import (
    API_VERSION,
    index_html,
    index_json,
    project_html,
    project_json,
)

NASTY = "\"<>&'</a><script>alert('x')</script>"
NASTY_SPEC = ">=3.8,<4'\"&<b>"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())

    def of(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(page: bytes) -> Tags:
    tags = Tags()
    tags.feed(page.decode())
    tags.close()
    return tags


def with_yanks(project: Project) -> Project:
    """The oldest release yanked with a reason; the newest release's first file without."""
    first, *middle, last = project.releases
    first = dataclasses.replace(first, yanked=True, yanked_reason=NASTY)
    files = (dataclasses.replace(last.files[0], yanked=True), *last.files[1:])
    last = dataclasses.replace(last, files=files)
    return dataclasses.replace(project, releases=(first, *middle, last))


def nasty(project: Project) -> Project:
    """A project whose display name and every Requires-Python try to break out."""
    releases = tuple(
        dataclasses.replace(
            r, files=tuple(dataclasses.replace(f, requires_python=NASTY_SPEC) for f in r.files)
        )
        for r in project.releases
    )
    return dataclasses.replace(project, display_name=NASTY, releases=releases)


def test_index_pages() -> None:
    projects = [("markupsafe", "MarkupSafe"), ("zope-interface", NASTY)]
    tags = parse(index_html(projects))
    assert [a["href"] for a in tags.of("a")] == ["markupsafe/", "zope-interface/"]
    assert {"name": "pypi:repository-version", "content": API_VERSION} in tags.of("meta")
    assert NASTY in tags.text and not tags.of("script")
    page = IndexPage.from_html(index_html(projects))
    assert page.projects == ["MarkupSafe", NASTY]
    data = orjson.loads(index_json(projects))
    assert data == {
        "meta": {"api-version": API_VERSION},
        "projects": [{"name": "MarkupSafe"}, {"name": NASTY}],
    }


def test_markup_cannot_break_out(real_projects: dict[str, Project]) -> None:
    project = nasty(real_projects["markupsafe"])
    page = project_html(project, "/files")
    tags = parse(page)
    assert [t for t, _ in tags.tags] == (
        ["html", "head", "meta", "meta", "meta", "title", "body", "h1"]
        + ["a", "br"] * sum(len(r.files) for r in project.releases)
    )
    assert tags.text[:2] == [f"Links for {NASTY}"] * 2
    assert {a["data-requires-python"] for a in tags.of("a")} == {NASTY_SPEC}
    assert "&gt;=3.8,&lt;4&#39;&#34;&amp;&lt;b&gt;" in page.decode()
    parsed = ProjectPage.from_html("markupsafe", page, "http://x.test/simple/markupsafe/")
    assert {p.requires_python for p in parsed.packages} == {NASTY_SPEC}
    data = orjson.loads(project_json(project, "/files"))
    assert {f["requires-python"] for f in data["files"]} == {NASTY_SPEC}


def test_links_hashes_and_metadata(real_projects: dict[str, Project]) -> None:
    project = real_projects["six"]
    anchors = parse(project_html(project, "http://h.test/files")).of("a")
    files = {f.filename: f for r in project.releases for f in r.files}
    assert sorted(files) == ["six-1.16.0-py2.py3-none-any.whl", "six-1.16.0.tar.gz"]
    for a in anchors:
        href = a["href"]
        assert href is not None
        url, _, fragment = href.partition("#")
        f = files[url.rsplit("/", 1)[1]]
        assert url == f"http://h.test/files/{f.url_path}"
        assert fragment == f"sha256={f.hashes['sha256']}"
        assert a["data-requires-python"] == f.requires_python
        assert "data-yanked" not in a
        if f.packagetype == "bdist_wheel":
            assert f.metadata_sha256
            assert a["data-core-metadata"] == f"sha256={f.metadata_sha256}"
            assert a["data-dist-info-metadata"] == f"sha256={f.metadata_sha256}"
        else:  # an sdist's PKG-INFO is not offered as PEP 658 metadata
            assert "data-core-metadata" not in a and "data-dist-info-metadata" not in a
    data = orjson.loads(project_json(project, "http://h.test/files"))
    for entry in data["files"]:
        f = files[entry["filename"]]
        assert entry["url"] == f"http://h.test/files/{f.url_path}"
        assert entry["hashes"] == {"sha256": f.hashes["sha256"]}
        assert entry["size"] == f.size
        assert entry["yanked"] is False
        if f.packagetype == "bdist_wheel":
            assert entry["core-metadata"] == entry["dist-info-metadata"]
            assert entry["core-metadata"] == {"sha256": f.metadata_sha256}
        else:
            assert "core-metadata" not in entry and "dist-info-metadata" not in entry


def test_json_document_shape(real_projects: dict[str, Project]) -> None:
    project = real_projects["markupsafe"]
    data = orjson.loads(project_json(project, "../../files"))
    assert data["meta"] == {"api-version": API_VERSION}
    assert data["name"] == "markupsafe"  # PEP 691: the normalised name
    assert data["versions"] == ["2.1.5", "3.0.2"]  # PEP 700
    assert data["project-status"] == {"status": "active"}  # PEP 792
    assert len(data["files"]) == sum(len(r.files) for r in project.releases)
    for entry in data["files"]:
        assert entry["url"].startswith("../../files/")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", entry["upload-time"])
    assert [f["filename"] for f in data["files"]] == sorted(
        (f["filename"] for f in data["files"]), key=lambda n: (n.split("-")[1], n)
    )


def test_yanks(real_projects: dict[str, Project]) -> None:
    project = with_yanks(real_projects["markupsafe"])
    old, new = project.releases[0], project.releases[-1]
    links = parse(project_html(project, "/files")).of("a")
    anchors = {str(a["href"]).rsplit("/", 1)[1].split("#")[0]: a for a in links}
    for f in old.files:
        assert anchors[f.filename]["data-yanked"] == NASTY
    assert anchors[new.files[0].filename]["data-yanked"] == ""
    for f in new.files[1:]:
        assert "data-yanked" not in anchors[f.filename]
    entries = {e["filename"]: e for e in orjson.loads(project_json(project, "/f"))["files"]}
    assert all(entries[f.filename]["yanked"] == NASTY for f in old.files)
    assert entries[new.files[0].filename]["yanked"] is True
    assert all(entries[f.filename]["yanked"] is False for f in new.files[1:])


def test_project_status(real_projects: dict[str, Project]) -> None:
    archived = dataclasses.replace(
        real_projects["six"], status="archived", status_reason="Python 2 is over & <done>"
    )
    tags = parse(project_html(archived, "/f")).of("meta")
    meta = {m["name"]: m["content"] for m in tags if "name" in m}
    assert meta["pypi:project-status"] == "archived"
    assert meta["pypi:project-status-reason"] == "Python 2 is over & <done>"
    page = ProjectPage.from_html("six", project_html(archived, "/f"))
    assert page.status is not None and page.status.value == "archived"
    data = orjson.loads(project_json(archived, "/f"))
    assert data["project-status"] == {"status": "archived", "reason": "Python 2 is over & <done>"}
    assert len(data["files"]) == 2


def test_quarantined_projects_offer_no_files(real_projects: dict[str, Project]) -> None:
    quarantined = dataclasses.replace(real_projects["six"], status="quarantined")
    assert parse(project_html(quarantined, "/f")).of("a") == []
    data = orjson.loads(project_json(quarantined, "/f"))
    assert data["files"] == [] and data["project-status"]["status"] == "quarantined"
    assert data["versions"] == ["1.16.0"]


@pytest.mark.parametrize("files_url", ["http://h.test:8000/files/", "/files", "../../files"])
def test_file_urls(real_projects: dict[str, Project], files_url: str) -> None:
    project = real_projects["requests"]
    base = files_url.rstrip("/")
    wanted = {f"{base}/{f.url_path}" for r in project.releases for f in r.files}
    hrefs = {a["href"].split("#")[0] for a in parse(project_html(project, files_url)).of("a")}
    assert hrefs == wanted
    urls = {f["url"] for f in orjson.loads(project_json(project, files_url))["files"]}
    assert urls == wanted


def test_url_paths_are_quoted(real_projects: dict[str, Project]) -> None:
    release = real_projects["six"].releases[0]
    odd = dataclasses.replace(release.files[0], url_path="ab/cd/ef/six-1.16.0+local #1.whl")
    project = dataclasses.replace(
        real_projects["six"], releases=(dataclasses.replace(release, files=(odd,)),)
    )
    (a,) = parse(project_html(project, "/files")).of("a")
    assert (
        a["href"] == f"/files/ab/cd/ef/six-1.16.0%2Blocal%20%231.whl#sha256={odd.hashes['sha256']}"
    )


def test_upload_time_is_utc() -> None:
    from publisher.render.simple import _timestamp

    naive = datetime(2024, 1, 2, 3, 4, 5, 600)
    assert _timestamp(naive) == "2024-01-02T03:04:05.000600Z"
    assert _timestamp(naive.replace(tzinfo=UTC)) == "2024-01-02T03:04:05.000600Z"


def test_rendering_is_deterministic(real_projects: dict[str, Project]) -> None:
    project = real_projects["msgpack"]
    assert project_html(project, "/f") == project_html(project, "/f")
    reordered = dataclasses.replace(project, releases=tuple(reversed(project.releases)))
    assert project_json(reordered, "/f") == project_json(project, "/f")
