"""The static export: layout, bytes, gzip variants, reproducibility and safe replacement."""

from __future__ import annotations

import gzip
import hashlib
import os
import posixpath
from collections.abc import Iterable, Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest

from crosswalk.records import Project
from publisher.blobs import BlobStore
from publisher.export import (
    MARKER,
    PROJECT_PAGES,
    ExportContext,
    ExportError,
    Page,
    ProjectEntry,
    build_site,
    simple_index_pages,
    simple_project_pages,
)
from publisher.ingest import ingest
from publisher.render.pages import PageRenderer
from publisher.store.sqlite import SQLiteStore
from tests.conftest import SHARED_ARTEFACTS as ARTEFACTS

BASE = "http://127.0.0.1:8000"


class Index:
    def __init__(self, root: Path) -> None:
        self.store = SQLiteStore(root / "index.db")
        self.blobs = BlobStore(root / "blobs")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    if not ARTEFACTS.is_dir():
        pytest.fail(f"{ARTEFACTS} is missing")
    idx = Index(tmp_path_factory.mktemp("export-index"))
    paths = [p for p in sorted(ARTEFACTS.iterdir()) if p.name not in ("README.md", "SHA256SUMS")]
    outcomes = ingest(paths, idx.store, idx.blobs)
    assert all(o.status == "added" for o in outcomes)
    yield idx
    idx.store.close()


@pytest.fixture(scope="module")
def site(index: Index, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "site"
    build_site(index.store, index.blobs, out, BASE)
    return out


def tree(root: Path) -> dict[str, str]:
    """Every file below ``root`` with the sha256 of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


class Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]


def test_layout(index: Index, site: Path) -> None:
    projects = list(index.store.iter_projects())
    assert (site / MARKER).is_file()
    for name in ("index.html", "index.json"):
        assert (site / "simple" / name).is_file()
        for project in projects:
            assert (site / "simple" / project.name / name).is_file()
    names = [p["name"] for p in orjson.loads((site / "simple/index.json").read_bytes())["projects"]]
    assert names == [p.display_name for p in projects]


def test_artefacts_and_metadata(index: Index, site: Path) -> None:
    files = [f for p in index.store.iter_projects() for r in p.releases for f in r.files]
    assert sorted(f.filename for f in files) == sorted(
        p.name for p in ARTEFACTS.iterdir() if p.name not in ("README.md", "SHA256SUMS")
    )
    for f in files:
        exported = site / "files" / f.url_path
        assert hashlib.sha256(exported.read_bytes()).hexdigest() == f.hashes["sha256"]
        assert (ARTEFACTS / f.filename).read_bytes() == exported.read_bytes()
        metadata = exported.with_name(f.filename + ".metadata")
        if f.packagetype == "bdist_wheel":
            assert hashlib.sha256(metadata.read_bytes()).hexdigest() == f.metadata_sha256
            assert metadata.read_bytes() == index.store.metadata_bytes(f.filename)
        else:
            assert not metadata.exists()
        assert not exported.with_name(f.filename + ".gz").exists()


def test_every_text_file_has_its_gzip(site: Path) -> None:
    texts = [p for p in site.rglob("*") if p.suffix in (".html", ".json", ".metadata")]
    assert len(texts) > 40
    for text in texts:
        packed = text.with_name(text.name + ".gz").read_bytes()
        assert gzip.decompress(packed) == text.read_bytes()
        assert packed[4:8] == b"\0\0\0\0"  # mtime 0: the same bytes on every build


def test_links_resolve_inside_the_export(site: Path) -> None:
    """Every link on every simple page points at a file of the export."""
    for page in (site / "simple").rglob("index.html"):
        parser = Hrefs()
        parser.feed(page.read_text())
        assert parser.hrefs
        folder = page.parent.relative_to(site).as_posix()
        for href in parser.hrefs:
            target = posixpath.normpath(posixpath.join(folder, href.split("#")[0]))
            assert (site / target).exists(), (page, href)
    for doc in (site / "simple").glob("*/index.json"):
        for entry in orjson.loads(doc.read_bytes())["files"]:
            target = posixpath.normpath(posixpath.join("simple", doc.parent.name, entry["url"]))
            assert (site / target).is_file()
            assert (site / (target + ".metadata")).is_file() == ("core-metadata" in entry)


def test_builds_are_reproducible(index: Index, site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_site(index.store, index.blobs, again, BASE)
    assert tree(again) == tree(site)


def test_report(index: Index, tmp_path: Path) -> None:
    report = build_site(index.store, index.blobs, tmp_path / "out", BASE)
    assert report.out_dir == tmp_path / "out"
    assert report.projects == len(index.store.project_names())
    releases = sum(len(p.releases) for p in index.store.iter_projects())
    simple_pages = 2 * report.projects + 2
    linked_data = 2 * report.projects + 4 * releases  # project: html, jsonld; release: 4
    # citation.bib and CITATION.cff beside each release that names an author
    citable = sum(
        1
        for p in index.store.iter_projects()
        for r in p.releases
        if PageRenderer(index.store, BASE).release_citation(p.name, r.version, "cff")
    )
    assert citable > 15
    assert (tmp_path / "out/project/attrs/25.3.0/citation.bib").is_file()
    assert (tmp_path / "out/project/attrs/25.3.0/CITATION.cff").is_file()
    # and landing, sitemap, robots, the stylesheet and the copy-button script; the listing
    # (HTML, JSON) and the catalogue snapshot
    assert report.pages == simple_pages + linked_data + 2 * citable + 5 + 3
    assert report.files == 43
    wheels = sum(1 for name in os.listdir(ARTEFACTS) if name.endswith(".whl"))
    assert report.metadata_files == wheels
    # every page has its .gz but the SQLite snapshot
    assert report.compressed == report.pages - 1 + report.metadata_files
    assert report.warnings == []


def test_rebuild_replaces_an_earlier_export(index: Index, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(index.store, index.blobs, out, BASE)
    (out / "simple" / "stale.html").write_text("gone after the next build")
    build_site(index.store, index.blobs, out, BASE)
    assert not (out / "simple" / "stale.html").exists()
    assert (out / "simple" / "index.html").is_file()
    assert leftovers(tmp_path) == []
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)


def test_the_old_export_serves_until_the_new_one_is_complete(index: Index, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(index.store, index.blobs, out, BASE)
    before = tree(out)
    seen = []

    def during(name: str) -> None:
        seen.append(name)
        assert tree(out) == before

    build_site(index.store, index.blobs, out, BASE, on_project=during)
    assert seen == index.store.project_names()


def test_a_failed_build_leaves_the_old_export(index: Index, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(index.store, index.blobs, out, BASE)
    before = tree(out)

    def broken(ctx: ExportContext, project: Project) -> Iterable[Page]:
        if project.name == "requests":
            raise RuntimeError("renderer bug")
        return ()

    with pytest.raises(RuntimeError, match="renderer bug"):
        build_site(index.store, index.blobs, out, BASE, project_pages=[*PROJECT_PAGES, broken])
    assert tree(out) == before
    assert leftovers(tmp_path) == []


def test_missing_artefact_bytes_fail_the_build(index: Index, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "empty-blobs")
    with pytest.raises(ExportError, match="artefact bytes missing"):
        build_site(index.store, blobs, tmp_path / "site", BASE)
    assert not (tmp_path / "site").exists()
    assert leftovers(tmp_path) == []


def test_refuses_to_replace_other_directories(index: Index, tmp_path: Path) -> None:
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(ExportError, match="refusing"):
        build_site(index.store, index.blobs, precious, BASE)
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert leftovers(tmp_path) == []
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ExportError, match="not a directory"):
        build_site(index.store, index.blobs, a_file, BASE)


def test_an_empty_directory_is_used(index: Index, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    build_site(index.store, index.blobs, tmp_path / "empty", BASE)
    assert (tmp_path / "empty" / "simple" / "index.html").is_file()


def test_more_page_producers(index: Index, tmp_path: Path) -> None:
    """Other renderers plug in as producers; their text pages get ``.gz`` too."""

    def codemeta(ctx: ExportContext, project: Project) -> Iterable[Page]:
        for release in project.releases:
            doc = {"name": project.display_name, "version": release.version}
            yield f"project/{project.name}/{release.version}/codemeta.json", orjson.dumps(doc)

    def sitemap(ctx: ExportContext, projects: Sequence[ProjectEntry]) -> Iterable[Page]:
        urls = "".join(f"<url><loc>{ctx.base_url}/project/{p.name}/</loc></url>" for p in projects)
        yield "sitemap.xml", f"<urlset>{urls}</urlset>".encode()

    out = tmp_path / "site"
    report = build_site(
        index.store,
        index.blobs,
        out,
        BASE + "/",
        project_pages=[simple_project_pages, codemeta],
        site_pages=[simple_index_pages, sitemap],
    )
    doc = orjson.loads((out / "project/six/1.16.0/codemeta.json").read_bytes())
    assert doc == {"name": "six", "version": "1.16.0"}
    xml = (out / "sitemap.xml").read_text()
    assert f"<loc>{BASE}/project/markupsafe/</loc>" in xml
    assert gzip.decompress((out / "sitemap.xml.gz").read_bytes()).decode() == xml
    assert (out / "project/six/1.16.0/codemeta.json.gz").is_file()
    assert report.pages == 2 * report.projects + 2 + 1 + sum(
        len(p.releases) for p in index.store.iter_projects()
    )


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b", "", "simple/../x"])
def test_producers_cannot_write_outside(index: Index, tmp_path: Path, bad: str) -> None:
    def evil(ctx: ExportContext, projects: Sequence[ProjectEntry]) -> Iterable[Page]:
        yield bad, b"x"

    with pytest.raises(ExportError, match="not a relative path"):
        build_site(index.store, index.blobs, tmp_path / "site", BASE, site_pages=[evil])
    assert not (tmp_path / "escape.html").exists()
    assert leftovers(tmp_path) == []


def test_readable_blobs_are_hard_linked(index: Index, tmp_path: Path) -> None:
    """Blobs others may read are linked (no copy); private ones are copied, readable."""
    files = [f for p in index.store.iter_projects() for r in p.releases for f in r.files]
    public = files[0]
    source = index.blobs.path(public.url_path)
    assert source.stat().st_mode & 0o777 == 0o644  # as ingest publishes them
    hidden = [index.blobs.path(f.url_path) for f in files[1:]]
    try:
        for path in hidden:
            path.chmod(0o600)
        report = build_site(index.store, index.blobs, tmp_path / "site", BASE)
    finally:
        for path in hidden:
            path.chmod(0o644)
    exported = tmp_path / "site" / "files" / public.url_path
    assert exported.stat().st_ino == source.stat().st_ino
    assert report.files_linked == 1 and report.files_copied == len(files) - 1
    private = tmp_path / "site" / "files" / files[1].url_path
    assert private.stat().st_ino != index.blobs.path(files[1].url_path).stat().st_ino
    assert private.stat().st_mode & 0o004


def test_replacement_swaps_in_one_step(index: Index, tmp_path: Path) -> None:
    """On Linux the new export takes the old one's place with one rename (no moment
    without a site); elsewhere two renames."""
    from publisher.export import _exchange

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not _exchange(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) not available here")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_listed_projects_without_files_are_exported(tmp_path: Path) -> None:
    """Projects imported from a listing get simple pages without files, project pages, rows
    in the listing documents and sitemap entries; the catalogue snapshot comes along."""
    import sqlite3

    from publisher.store import ListingEntry

    store = SQLiteStore(tmp_path / "listed.db")
    ingest([ARTEFACTS / "six-1.16.0-py2.py3-none-any.whl"], store, BlobStore(tmp_path / "f"))
    store.import_listing(
        [ListingEntry("boto3", "boto3", "The AWS SDK for Python", "1.44.5", "2026-11", None, 1)]
    )
    out = tmp_path / "site"
    build_site(store, BlobStore(tmp_path / "f"), out, "https://example.org")
    store.close()
    assert orjson.loads((out / "simple/boto3/index.json").read_bytes())["files"] == []
    assert (out / "project/boto3/index.html").is_file()
    assert '<a href="boto3/">boto3</a>' in (out / "simple/index.html").read_text()
    listing = (out / "_/search/all.html").read_text()
    assert "<tr><td>boto3</td><td>The AWS SDK for Python</td></tr>" in listing
    document = orjson.loads((out / "_/search/all.json").read_bytes())
    assert [row[0] for row in document["projects"]] == ["boto3", "six"]
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://example.org/project/boto3/</loc><lastmod>2026-11</lastmod>" in sitemap
    with sqlite3.connect(out / "_/dump/catalogue.sqlite") as db:
        assert db.execute("SELECT count(*) FROM projects").fetchone() == (2,)
