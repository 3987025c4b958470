"""The write API in process: every kind through create, read, replace, patch, delete and
history with real tokens; the permission matrix; bad bodies refused with nothing written."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import IndexedData, make_token, writable_index
from tests.web.conftest import BASE, client_for

RELEASE = "/_/api/projects/markupsafe/releases/3.0.2/items"
WHEEL = "MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl"
FILE = f"/_/api/projects/markupsafe/releases/3.0.2/files/{WHEEL}/items"
PROJECT = "/_/api/projects/markupsafe/items"

ADVISORY = {
    "kind": "advisory",
    "data": {
        "schema_version": "1.6.0",
        "id": "GHSA-test-0001-aaaa",
        "modified": "2025-01-02T03:04:05Z",
        "published": "2025-01-01T00:00:00Z",
        "aliases": ["CVE-2025-0001"],
        "summary": "Escaping can be bypassed",
        "details": "A crafted string is not escaped.",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "markupsafe"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "3.0.0"}, {"fixed": "3.0.3"}]}
                ],
            }
        ],
        "references": [{"type": "ADVISORY", "url": "https://example.org/advisories/1"}],
    },
    "reason": "reported upstream",
}  # fmt: skip
CORRECTION = {
    "kind": "dependency-correction",
    "data": {"requires_dist": ["idna>=3.7", "certifi; python_version >= '3.8'"]},
    "reason": "the wheel forgot idna",
}
EXTERNAL = {
    "kind": "external-requirement",
    "data": {
        "purl": "pkg:deb/debian/libssl3",
        "version_range": ">=3.0",
        "scope": "run",
        "requires_external": "libssl",
    },
}
HARDWARE = {"kind": "hardware-capability", "data": {"key": "cpu", "value": "x86-64-v2"}}
LINK = {
    "kind": "external-link",
    "data": {"url": "pkg:conda/conda-forge/markupsafe", "registry": "conda-forge"},
}
# kind -> (collection, body, a merge patch, the field the patch changes, its new value)
KINDS = {
    "advisory": (RELEASE, ADVISORY, {"data": {"summary": "Escaping bypass"}}, "summary",
                 "Escaping bypass"),
    "dependency-correction": (RELEASE, CORRECTION,
                              {"data": {"requires_dist": ["idna>=3.8"]}, "reason": "3.8 needed"},
                              "requires_dist", ["idna>=3.8"]),
    "external-requirement": (PROJECT, EXTERNAL, {"data": {"version_range": ">=3.1"}},
                             "version_range", ">=3.1"),
    "hardware-capability": (FILE, HARDWARE, {"data": {"value": "x86-64-v3"}}, "value",
                            "x86-64-v3"),
    "external-link": (PROJECT, LINK, {"data": {"registry": "conda"}}, "registry", "conda"),
}  # fmt: skip


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> IndexedData:
    return writable_index(tmp_path_factory.mktemp("write-api"))


@pytest.fixture(scope="module")
def client(data: IndexedData) -> Iterator[TestClient]:
    with client_for(data) as c:
        yield c


@pytest.fixture(scope="module")
def admin(data: IndexedData) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(data, 'admin')}"}


@pytest.fixture(scope="module")
def markupsafe_token(data: IndexedData) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(data, 'project:MarkupSafe', 'maintainer')}"}


def _count(client: TestClient, path: str) -> int:
    return len(client.get(path, params={"deleted": "true"}).json()["items"])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_full_lifecycle_of_each_kind(client: TestClient, markupsafe_token, kind: str) -> None:
    collection, body, patch, field, value = KINDS[kind]
    auth = markupsafe_token

    created = client.post(collection, json=body, headers=auth)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    item = created.json()
    assert location == f"{BASE}/_/api/items/{item['id']}"
    assert created.headers["etag"] == item["etag"] == f'"{item["id"]}-r1"'
    assert (item["kind"], item["revision"], item["deleted"]) == (kind, 1, False)
    assert item["created"]["author"] == "maintainer"

    read = client.get(location)
    assert read.status_code == 200 and read.json()["data"] == item["data"]
    assert read.headers["etag"] == created.headers["etag"]
    assert client.get(location, headers={"If-None-Match": read.headers["etag"]}).status_code == 304
    listed = client.get(collection, params={"kind": kind}).json()["items"]
    assert item["id"] in [i["id"] for i in listed]

    replaced = client.put(
        location, json=body, headers={**auth, "If-Match": created.headers["etag"]}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["revision"] == 2 and replaced.json()["updated"]["action"] == "replace"

    patched = client.patch(
        location,
        json=patch,
        headers={**auth, "If-Match": replaced.headers["etag"],
                 "Content-Type": "application/merge-patch+json"},
    )  # fmt: skip
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"][field] == value
    assert patched.json()["revision"] == 3

    deleted = client.delete(location, params={"reason": "no longer true"}, headers=auth)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert client.get(location).status_code == 410
    assert item["id"] not in [i["id"] for i in client.get(collection).json()["items"]]
    assert client.delete(location, headers=auth).status_code == 410

    history = client.get(f"{location}/history").json()["revisions"]
    assert [r["action"] for r in history] == ["create", "replace", "update", "delete"]
    assert [r["revision"] for r in history] == [1, 2, 3, 4]
    for earlier, later in itertools.pairwise(history):
        assert later["before"] == earlier["after"]  # a gap-free chain
    assert history[-1]["after"] is None and history[-1]["reason"] == "no longer true"
    second = client.get(f"{location}/history/2")
    assert second.status_code == 200 and second.json() == history[1]
    assert client.get(f"{location}/history/9").status_code == 404

    restored = client.put(location, json=body, headers=auth)
    assert restored.status_code == 200 and restored.json()["updated"]["action"] == "restore"
    client.delete(location, headers=auth)


def test_no_token_wrong_project_revoked_expired(client: TestClient, data: IndexedData) -> None:
    body = HARDWARE
    none = client.post(PROJECT, json=body)
    assert none.status_code == 401
    assert none.headers["www-authenticate"].startswith("Bearer")
    assert "token" in none.json()["error"]

    other = {"Authorization": f"Bearer {make_token(data, 'project:requests')}"}
    refused = client.post(PROJECT, json=body, headers=other)
    assert refused.status_code == 403 and "markupsafe" in refused.json()["error"]
    assert (
        client.post("/_/api/projects/requests/items", json=body, headers=other).status_code == 201
    )

    past = datetime.now(UTC) - timedelta(seconds=1)
    expired = {"Authorization": f"Bearer {make_token(data, 'admin', expires=past)}"}
    answer = client.post(PROJECT, json=body, headers=expired)
    assert answer.status_code == 401 and "expired" in answer.json()["error"]
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]

    from publisher.store import open_store

    text = make_token(data, "admin", "to revoke")
    store = open_store(data.db_url)
    token_id = text.split("_")[1]
    assert store.revoke_token(token_id, datetime.now(UTC))
    store.close()
    revoked = client.post(PROJECT, json=body, headers={"Authorization": f"Bearer {text}"})
    assert revoked.status_code == 401 and "revoked" in revoked.json()["error"]

    forged = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    bad = client.post(PROJECT, json=body, headers={"Authorization": f"Bearer {forged}"})
    assert bad.status_code == 401 and "unknown token" in bad.json()["error"]
    basic = client.post(PROJECT, json=body, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_project_token_cannot_administer_but_admin_can(
    client: TestClient, markupsafe_token, admin
) -> None:
    yank = "/_/api/projects/markupsafe/releases/2.1.5/yank"
    assert client.post(yank, json={"reason": "x"}).status_code == 401
    assert client.post(yank, json={"reason": "x"}, headers=markupsafe_token).status_code == 403
    status = "/_/api/projects/idna/status"
    assert (
        client.put(status, json={"status": "archived"}, headers=markupsafe_token).status_code == 403
    )
    # A project token cannot touch another project's item either.
    item = client.post("/_/api/projects/idna/items", json=HARDWARE, headers=admin).json()
    url = f"/_/api/items/{item['id']}"
    assert client.delete(url, headers=markupsafe_token).status_code == 403
    assert client.delete(url, headers=admin).status_code == 200


def test_yank_release_and_file_and_project_status(client: TestClient, admin) -> None:
    simple = {"Accept": "application/vnd.pypi.simple.v1+json"}
    before = client.get("/simple/markupsafe/", headers=simple).json()["files"]
    assert not any(f["yanked"] for f in before)

    yanked = client.post(
        "/_/api/projects/MarkupSafe/releases/2.1.5/yank", json={"reason": "broken"}, headers=admin
    )
    assert yanked.status_code == 200
    assert yanked.json() == {
        "target": {"project": "markupsafe", "version": "2.1.5", "filename": None,
                   "level": "release"},
        "yanked": True, "yanked_reason": "broken", "changed": True,
    }  # fmt: skip
    files = client.get("/simple/markupsafe/", headers=simple).json()["files"]
    assert {f["filename"]: f["yanked"] for f in files}[
        "MarkupSafe-2.1.5-cp39-cp39-win32.whl"
    ] == "broken"
    again = client.post(
        "/_/api/projects/markupsafe/releases/2.1.5/yank", json={"reason": "broken"}, headers=admin
    )
    assert again.json()["changed"] is False
    assert (
        client.post("/_/api/projects/markupsafe/releases/2.1.5/unyank", headers=admin).json()[
            "yanked"
        ]
        is False
    )

    file_yank = f"/_/api/projects/markupsafe/releases/3.0.2/files/{WHEEL}/yank"
    assert client.post(file_yank, json={"reason": "bad build"}, headers=admin).status_code == 200
    files = {f["filename"]: f["yanked"] for f in
             client.get("/simple/markupsafe/", headers=simple).json()["files"]}  # fmt: skip
    assert files[WHEEL] == "bad build" and files["markupsafe-3.0.2.tar.gz"] is False
    unyank = file_yank.replace("/yank", "/unyank")
    assert client.post(unyank, json={"reason": "rebuilt"}, headers=admin).json()["yanked"] is False
    assert client.post(file_yank.replace(WHEEL, "nope.whl"), json={"reason": "x"},
                       headers=admin).status_code == 404  # fmt: skip
    assert client.post(file_yank, json={}, headers=admin).status_code == 422  # reason required

    status = client.put(
        "/_/api/projects/idna/status",
        json={"status": "deprecated", "reason": "use the stdlib"},
        headers=admin,
    )
    assert status.json()["status"] == "deprecated" and status.json()["changed"]
    page = client.get("/simple/idna/", headers=simple).json()
    assert page["project-status"] == {"status": "deprecated", "reason": "use the stdlib"}
    assert "This project is deprecated" in client.get("/project/idna/").text
    bad = client.put("/_/api/projects/idna/status", json={"status": "gone"}, headers=admin)
    assert bad.status_code == 422
    events = client.get("/_/api/projects/markupsafe/events").json()["events"]
    assert [e["action"] for e in events] == ["yank", "unyank", "yank", "unyank"]
    assert events[3]["reason"] == "rebuilt" and events[0]["after"]["yanked_reason"] == "broken"
    client.put("/_/api/projects/idna/status", json={"status": "active"}, headers=admin)


BAD_BODIES = [
    ({"kind": "hardware-capability", "data": {"key": "cpu", "value": 3}}, "data.value"),
    ({"kind": "hardware-capability", "data": {"key": "cpu", "value": "v3", "colour": "red"}},
     "data.colour: unknown field"),
    ({"kind": "hardware-capability", "data": {"key": "fpga", "value": "x"}},
     "unknown capability key 'fpga'"),
    ({"kind": "teleporter", "data": {}}, "'teleporter'"),
    ({"kind": "dependency-correction", "data": {"requires_dist": ["requests >>> 2"]},
      "reason": "r"}, "not a PEP 508 requirement"),
    ({"kind": "dependency-correction", "data": {"requires_dist": ["requests"]}}, "reason"),
    ({"kind": "external-requirement", "data": {"purl": "deb/debian/libssl3"}},
     "not a package URL"),
    ({"kind": "external-requirement", "data": {"purl": "pkg:deb/debian/libssl3",
      "marker": "python_version >> '3'"}}, "environment marker"),
    ({"kind": "external-link", "data": {"url": "javascript:alert(1)"}}, "data.url"),
    ({"kind": "advisory", "data": {"id": "X-1", "published": "yesterday"}}, "RFC 3339"),
    ({"kind": "advisory", "data": {"id": "X-1", "affected": [{"ranges": [
      {"type": "ECOSYSTEM", "events": [{"introduced": "1", "fixed": "2"}]}]}]}}, "exactly one"),
    ({"kind": "advisory", "data": {"id": "X-1"}, "extra": True}, "extra: unknown field"),
    ([1, 2], "body"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
def test_bad_bodies_are_refused_and_nothing_is_written(
    client: TestClient, admin, body: object, message: str
) -> None:
    before = _count(client, RELEASE)
    answer = client.post(RELEASE, json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["error"]
    assert _count(client, RELEASE) == before


def test_oversized_and_malformed_bodies(client: TestClient, admin) -> None:
    before = _count(client, PROJECT)
    huge = {"kind": "hardware-capability", "data": {"key": "cpu", "value": "x" * (1 << 20)}}
    assert client.post(PROJECT, json=huge, headers=admin).status_code == 413

    def chunks():
        for _ in range(20):
            yield b" " * 65536

    streamed = client.post(
        PROJECT, content=chunks(), headers={**admin, "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413 and "1 MiB" in streamed.json()["error"]
    broken = client.post(
        PROJECT, content=b"{nope", headers={**admin, "Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert _count(client, PROJECT) == before


def test_patch_rules(client: TestClient, admin) -> None:
    item = client.post(PROJECT, json=HARDWARE, headers=admin).json()
    url = f"/_/api/items/{item['id']}"
    json_patch = {**admin, "Content-Type": "application/merge-patch+json"}
    assert (
        client.patch(url, content=b'{"data": {"value": 7}}', headers=json_patch).status_code == 422
    )
    assert client.patch(url, content=b"[]", headers=json_patch).status_code == 422
    assert client.patch(url, json={"kind": "advisory"}, headers=admin).status_code == 409
    assert client.patch(url, content=b"{}", headers={**admin, "Content-Type": "text/plain"}
                        ).status_code == 415  # fmt: skip
    removed = client.patch(url, json={"data": {"note": "fast path"}}, headers=admin).json()
    assert removed["data"]["note"] == "fast path"
    cleared = client.patch(url, json={"data": {"note": None}}, headers=admin).json()
    assert "note" not in cleared["data"] and cleared["revision"] == 3
    assert client.get(f"{url}/history").json()["revisions"][-1]["before"]["note"] == "fast path"
    stale = client.put(url, json=HARDWARE, headers={**admin, "If-Match": item["etag"]})
    assert stale.status_code == 412 and "revision 3" in stale.json()["error"]
    assert client.put(url, json=LINK, headers=admin).status_code == 409  # kind cannot change


def test_unknown_targets_and_items(client: TestClient, admin) -> None:
    assert (
        client.post("/_/api/projects/nope/items", json=HARDWARE, headers=admin).status_code == 404
    )
    missing_release = "/_/api/projects/markupsafe/releases/9.9/items"
    assert client.post(missing_release, json=HARDWARE, headers=admin).status_code == 404
    assert client.get(missing_release).status_code == 404
    assert client.get("/_/api/items/0123456789abcdef").status_code == 404
    assert client.get("/_/api/items/0123456789abcdef/history").status_code == 404
    assert client.get("/_/api/items/not-an-id").status_code == 422
    assert client.get(PROJECT, params={"kind": "teleporter"}).status_code == 422
    assert client.get(PROJECT, headers={"Accept": "text/html"}).status_code == 406


def test_one_correction_per_release(client: TestClient, admin) -> None:
    first = client.post(RELEASE, json=CORRECTION, headers=admin)
    assert first.status_code == 201
    second = client.post(RELEASE, json=CORRECTION, headers=admin)
    assert second.status_code == 409 and first.json()["id"] in second.json()["error"]
    on_project = client.post(PROJECT, json=CORRECTION, headers=admin)
    assert on_project.status_code == 422 and "release or a file" in on_project.json()["error"]
    client.delete(first.headers["location"], headers=admin)


def test_cache_invalidation_takes_an_admin_token(client: TestClient, admin, markupsafe_token):
    assert client.post("/_/cache/invalidate", headers=admin).status_code == 200
    assert client.post("/_/cache/invalidate", headers=markupsafe_token).status_code == 403
    bad = client.post("/_/cache/invalidate", headers={"Authorization": "Bearer ldx_nope"})
    assert bad.status_code == 401


def test_repeated_refusals_are_throttled(data: IndexedData, tmp_path: Path) -> None:
    with client_for(data) as fresh:
        wrong = {"Authorization": "Bearer ldx_000000000000_" + "A" * 43}
        codes = [fresh.post(PROJECT, json=HARDWARE, headers=wrong).status_code for _ in range(31)]
        assert codes[:30] == [401] * 30 and codes[30] == 429
        limited = fresh.post(PROJECT, json=HARDWARE, headers=wrong)
        assert int(limited.headers["retry-after"]) > 0


def test_openapi_declares_the_write_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/_/api/projects/{name}/releases/{version}/items"]["post"]
    assert {"201", "401", "403", "404", "409", "412", "413", "422", "429"} <= set(post["responses"])
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "kind"
    patch = spec["paths"]["/_/api/items/{item_id}"]["patch"]
    assert "application/merge-patch+json" in patch["requestBody"]["content"]
    assert "412" in patch["responses"] and "415" in patch["responses"]
    problem = post["responses"]["401"]["content"]["application/json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}


def test_the_environment_query_evaluates_the_corrected_list(client: TestClient, admin) -> None:
    query = "/_/query?name=requests&python=3.12&platform=manylinux_2_17_x86_64"
    before = client.get(query).json()
    assert before["dependencies"]["source"] == "core-metadata"
    assert before["extrinsic"]["dependency_corrections"] == []
    created = client.post(
        "/_/api/projects/requests/releases/2.32.3/items",
        json={"kind": "dependency-correction",
              "data": {"requires_dist": ["idna>=3.7", "win-inet-pton; sys_platform == 'win32'"]},
              "reason": "idna before 3.7 is vulnerable"},
        headers=admin,
    )  # fmt: skip
    assert created.status_code == 201
    after = client.get(query).json()  # the cached answer is gone with the write
    dependencies = after["dependencies"]
    assert dependencies["source"] == "correction" and dependencies["corrected"] is True
    assert dependencies["reason"] == "idna before 3.7 is vulnerable"
    assert dependencies["provenance"]["revision"] == 1
    applies = {r["requirement"]: r["applies"] for r in dependencies["requirements"]}
    assert applies == {"idna>=3.7": True, "win-inet-pton; sys_platform == 'win32'": False}
    corrections = after["extrinsic"]["dependency_corrections"]
    assert [c["id"] for c in corrections] == [created.json()["id"]]
    client.delete(created.headers["location"], headers=admin)
    assert client.get(query).json()["dependencies"]["source"] == "core-metadata"
