"""``/_/query`` and ``/_/env/{tag}/simple/`` over HTTP: answers, errors, caching, JSON-LD, the
WSGI handler agreeing, OpenAPI declarations, and signatures served beside their files."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
from rdflib import Literal, URIRef
from rdflib.collection import Collection

from crosswalk.jsonld import graph_from_jsonld
from crosswalk.vocab import LDX, SPDX
from publisher.blobs import BlobStore
from publisher.export import build_site
from publisher.handler import Handler
from publisher.ingest import ingest
from publisher.store import open_store
from tests.conftest import SHARED_ARTEFACTS, build_index
from tests.web.conftest import client_for

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
LINUX = "name=MarkupSafe&python=3.12&platform=manylinux_2_17_x86_64"
WHEEL = "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def test_the_chosen_file_with_link_hashes_and_metadata(client, shared_index) -> None:
    answer = client.get(f"/_/query?{LINUX}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    result = answer.json()
    choice = result["choice"]
    assert choice["filename"] == WHEEL
    store = open_store(shared_index.db_url)
    stored = store.get_file(WHEEL)
    store.close()
    assert choice["hashes"] == dict(stored.hashes)
    assert choice["size"] == stored.size
    assert choice["url"] == f"http://testserver/files/{stored.url_path}"
    assert choice["metadata_url"] == choice["url"] + ".metadata"
    assert choice["signature_url"] is None
    assert choice["matched_tag"] == "cp312-cp312-manylinux_2_17_x86_64"
    assert choice["platforms"][0]["libc"] == "glibc"
    assert client.get(choice["url"]).content[:2] == b"PK"
    assert [f["filename"] for f in result["compatible"]] == [WHEEL, "markupsafe-3.0.2.tar.gz"]
    assert result["release"]["version"] == "3.0.2"
    assert result["release"]["metadata"]["name"] == "MarkupSafe"
    assert result["project"]["url"] == "http://testserver/project/markupsafe/"
    assert result["environment"]["markers"]["sys_platform"] == "linux"
    assert {r["filename"] for r in result["reasons"]} == {
        f.filename for f in stored_release_files(shared_index, "markupsafe", "3.0.2")
    } - {WHEEL, "markupsafe-3.0.2.tar.gz"}
    assert set(result["extrinsic"]) == {
        "advisories", "dependency_corrections", "external_requirements",
        "hardware_capabilities", "external_links",
    }  # fmt: skip


def stored_release_files(data, name: str, version: str):
    store = open_store(data.db_url)
    try:
        return store.get_release(name, version).files
    finally:
        store.close()


def test_nothing_fits_is_200_with_reasons(client) -> None:
    answer = client.get("/_/query?name=markupsafe&python=3.8&platform=win_amd64&kind=wheel")
    assert answer.status_code == 200
    result = answer.json()
    assert result["choice"] is None and result["compatible"] == []
    reasons = {r["filename"]: {x["code"] for x in r["reasons"]} for r in result["reasons"]}
    assert reasons["MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl"] == {"python", "requires-python"}
    assert reasons["MarkupSafe-2.1.5-cp39-cp39-win32.whl"] == {"platform", "python"}
    assert reasons["markupsafe-3.0.2.tar.gz"] == {"kind", "requires-python"}


def test_dependencies_evaluated_with_extras(client) -> None:
    plain = client.get("/_/query?name=requests&python=3.12").json()["dependencies"]
    socks = client.get("/_/query?name=requests&python=3.12&extras=socks").json()["dependencies"]

    def applying(section: dict) -> set[str]:
        return {r["name"] for r in section["requirements"] if r["applies"]}

    assert applying(plain) == {"charset-normalizer", "idna", "urllib3", "certifi"}
    assert applying(socks) == applying(plain) | {"pysocks"}


def test_post_answers_as_get_does_and_shares_the_cache(client) -> None:
    got = client.get(f"/_/query?{LINUX}")
    posted = client.post(
        "/_/query",
        json={"name": "markupsafe", "python": "3.12", "platform": ["manylinux_2_17_x86_64"]},
    )
    assert posted.status_code == 200
    assert posted.content == got.content
    assert posted.headers["etag"] == got.headers["etag"]
    assert (
        client.get(f"/_/query?{LINUX}", headers={"If-None-Match": got.headers["etag"]}).status_code
        == 304
    )


def test_jsonld_by_accept_states_the_choice(client) -> None:
    answer = client.get(f"/_/query?{LINUX}", headers={"Accept": "application/ld+json"})
    assert answer.headers["content-type"] == "application/ld+json"
    assert client.get(f"/_/query?{LINUX}&format=jsonld").content == answer.content
    graph = graph_from_jsonld(answer.json())
    (query,) = graph.subjects(LDX.chosenFile, None)
    assert str(query).startswith("http://testserver/_/query?name=markupsafe&")
    chosen = graph.value(query, LDX.chosenFile)
    assert str(chosen).endswith("/" + WHEEL)
    checksums = {
        str(graph.value(c, SPDX.checksumValue)) for c in graph.objects(chosen, SPDX.checksum)
    }
    assert len(checksums) == 4
    ordered = list(Collection(graph, graph.value(query, LDX.compatibleFiles)))
    assert ordered[0] == chosen and str(ordered[1]).endswith("markupsafe-3.0.2.tar.gz")
    codes = {str(graph.value(r, LDX.reasonCode)) for r in graph.objects(query, LDX.rejectedFile)}
    assert codes == {"platform"}
    env = graph.value(query, LDX.targetEnvironment)
    assert (env, LDX.platformTag, Literal("manylinux_2_17_x86_64")) in graph
    assert (query, URIRef("http://schema.org/about"), None) in graph


def test_errors(client) -> None:
    bad = client.get("/_/query?name=markupsafe&platform=manylinux_2_17_x86_65&python=3.12")
    assert bad.status_code == 400
    assert bad.json()["parameter"] == "platform"
    assert "x86_65" in bad.json()["error"]
    assert client.get("/_/query?python=3.12").json() == {
        "error": "name: required: the project's name", "parameter": "name", "status": 400,
    }  # fmt: skip
    missing = client.get("/_/query?name=no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["error"] == "no project named 'no-such-thing'"
    version = client.get("/_/query?name=six&version=9")
    assert version.status_code == 404 and "six has no version 9" in version.json()["error"]
    assert client.get(f"/_/query?{LINUX}", headers={"Accept": "text/html"}).status_code == 406
    assert client.get("/_/query?name=six&tags=" + "x" * 9000).status_code == 414


def test_post_errors(client) -> None:
    assert client.post("/_/query", content=b"{not json").status_code == 400
    huge = orjson.dumps({"name": "six", "tags": ["cp312-cp312-any"] * 20000})
    assert client.post("/_/query", content=huge).status_code == 413
    unknown = client.post("/_/query", json={"name": "six", "platfrom": "win32"})
    assert unknown.status_code == 400 and unknown.json()["parameter"] == "platfrom"
    assert client.post("/_/query", json={"name": "no-such-thing"}).status_code == 404
    assert (
        client.post("/_/query", json={"name": "six"}, headers={"Accept": "text/html"}).status_code
        == 406
    )


def test_a_write_changes_the_answer(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(SHARED_ARTEFACTS / "MarkupSafe-2.1.5-cp39-cp39-win32.whl", source)
    data = build_index(tmp_path / "index", source)
    query = "/_/query?name=markupsafe&python=3.9&platform=win32"
    with client_for(data) as c:
        assert c.get(query).json()["choice"]["version"] == "2.1.5"
        store = open_store(data.db_url)
        ingest([SHARED_ARTEFACTS / "markupsafe-3.0.2.tar.gz"], store, BlobStore(data.files_dir))
        store.close()
        # pip's order: a newer sdist before an older wheel
        assert c.get(query).json()["choice"]["filename"] == "markupsafe-3.0.2.tar.gz"


# -- the environment-scoped simple API ---------------------------------------------------------

ENV = "/_/env/cp312-cp312-manylinux_2_17_x86_64/simple"


def test_environment_page_lists_installable_files_best_first(client) -> None:
    page = client.get(f"{ENV}/markupsafe/", headers={"Accept": SIMPLE_JSON})
    assert page.status_code == 200
    assert page.headers["content-type"] == SIMPLE_JSON
    files = page.json()["files"]
    assert [f["filename"] for f in files] == [WHEEL, "markupsafe-3.0.2.tar.gz"]
    assert files[0]["core-metadata"]["sha256"]
    assert "core-metadata" not in files[1]
    assert page.json()["versions"] == ["3.0.2"]  # 2.1.5 has only a cp39 wheel, no sdist
    html = client.get(f"{ENV}/markupsafe/").text
    assert WHEEL in html and "win_amd64" not in html
    assert (
        client.get(f"{ENV}/psutil/", headers={"Accept": SIMPLE_JSON})
        .json()["files"][0]["filename"]
        .startswith("psutil-6.1.0-cp36-abi3-manylinux_2_12_x86_64")
    )


def test_environment_index_and_redirects(client) -> None:
    index = client.get(f"{ENV}/")
    assert index.status_code == 200 and '<a href="markupsafe/">' in index.text
    assert client.get(ENV).headers["location"] == f"{ENV}/"
    assert client.get(f"{ENV}/MarkupSafe/").headers["location"] == f"{ENV}/markupsafe/"
    assert client.get(f"{ENV}/markupsafe").headers["location"] == f"{ENV}/markupsafe/"
    unknown_env = client.get("/_/env/cp312-cp312-nowhere_x86_64/simple/six/")
    assert unknown_env.status_code == 404
    assert "platform" in unknown_env.json()["error"]
    assert client.get(f"{ENV}/no-such-thing/").status_code == 404


def test_the_wsgi_handler_answers_alike(client, shared_index) -> None:
    store = open_store(shared_index.db_url)
    handler = Handler(store, BlobStore(shared_index.files_dir), "http://testserver")
    try:
        for path, query in (("/_/query", LINUX), (f"{ENV}/markupsafe/", "")):
            reply = handler("GET", path, query)
            assert reply.status == 200
            assert reply.body == client.get(f"{path}?{query}").content
        bad = handler("GET", "/_/query", "name=six&python=3.x")
        assert bad.status == 400 and bad.status_line == "400 Bad Request"
        missing = handler("GET", "/_/query", "name=six&version=9")
        assert missing.status == 404 and b"six has no version 9" in missing.body
    finally:
        store.close()


def test_openapi_declares_the_query_routes(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    query = paths["/_/query"]
    assert {"get", "post"} <= set(query)
    names = {p["name"] for p in query["get"]["parameters"]}
    assert {"name", "version", "python", "platform", "os", "os_version", "arch"} <= names
    assert {"400", "404", "406"} <= set(query["get"]["responses"])
    body = query["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["name"] and "markers" in body["properties"]
    assert "/_/env/{environment}/simple/{name}/" in paths


ARMOUR = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n"


def test_signatures_are_linked_served_and_exported(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    wheel = source / "six-1.16.0-py2.py3-none-any.whl"
    shutil.copy(SHARED_ARTEFACTS / wheel.name, wheel)
    (source / f"{wheel.name}.asc").write_text(ARMOUR)
    data = build_index(tmp_path / "index", source)
    with client_for(data) as c:
        choice = c.get("/_/query?name=six").json()["choice"]
        assert choice["signature_url"] == choice["url"] + ".asc"
        signature = c.get(choice["signature_url"])
        assert signature.status_code == 200
        assert signature.headers["content-type"] == "application/pgp-signature"
        assert signature.text == ARMOUR
        metadata = c.get(choice["metadata_url"])
        assert metadata.status_code == 200
    store = open_store(data.db_url)
    report = build_site(store, BlobStore(data.files_dir), tmp_path / "site", "http://x")
    store.close()
    exported = list((report.out_dir / "files").rglob("*.asc"))
    assert [p.read_text() for p in exported] == [ARMOUR]
