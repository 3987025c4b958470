"""Writes against a real ``ldindex serve`` with two worker processes: concurrent writers never
lose an update, and every read path shows a write as soon as it has returned."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, make_token, start_server, stop_server, writable_index

WORKERS = 2
READS = 12  # per check: enough to reach both workers, warm or not


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = writable_index(tmp_path_factory.mktemp("write-live"))
    live = start_server(data, workers=WORKERS)
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def admin(server: LiveServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(server.data, 'admin')}"}


def _link(url: str) -> dict:
    return {"kind": "external-link", "data": {"url": url, "registry": "test"}}


def test_two_writers_with_the_same_etag_one_wins_one_gets_412(server: LiveServer, admin) -> None:
    created = httpx.post(
        f"{server.url}/_/api/projects/idna/items",
        json=_link("https://example.org/a"),
        headers=admin,
    )
    assert created.status_code == 201
    location, etag = created.headers["location"], created.headers["etag"]
    barrier = threading.Barrier(2)
    results: list[int] = []

    def writer(n: int) -> None:
        barrier.wait()
        answer = httpx.put(
            location,
            json=_link(f"https://example.org/writer-{n}"),
            headers={**admin, "If-Match": etag},
            timeout=30,
        )
        results.append(answer.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 412]
    history = httpx.get(f"{location}/history").json()["revisions"]
    assert [r["revision"] for r in history] == [1, 2]


def test_a_burst_of_concurrent_writers_loses_no_update(server: LiveServer, admin) -> None:
    """Eight writers each add their alias by read-modify-write with If-Match, retrying on 412;
    all eight aliases end up in the advisory and the history is a gap-free chain."""
    body = {"kind": "advisory", "data": {"id": "PYSEC-0000-burst", "aliases": []}}
    created = httpx.post(
        f"{server.url}/_/api/projects/idna/items", json=body, headers=admin, timeout=30
    )
    location = created.headers["location"]
    writers, conflicts = 8, []
    barrier = threading.Barrier(writers)

    def writer(n: int) -> None:
        barrier.wait()
        with httpx.Client(timeout=30) as client:
            for _ in range(200):
                current = client.get(location)
                aliases = [*current.json()["data"].get("aliases", []), f"ALIAS-{n}"]
                answer = client.put(
                    location,
                    json={**body, "data": {**body["data"], "aliases": aliases}},
                    headers={**admin, "If-Match": current.headers["etag"]},
                )
                if answer.status_code == 200:
                    return
                assert answer.status_code == 412, answer.text
                conflicts.append(n)
            raise AssertionError(f"writer {n} never got through")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = httpx.get(location).json()
    assert sorted(final["data"]["aliases"]) == sorted(f"ALIAS-{n}" for n in range(writers))
    history = httpx.get(f"{location}/history").json()["revisions"]
    assert [r["revision"] for r in history] == list(range(1, writers + 2))
    for earlier, later in itertools.pairwise(history):
        assert later["before"] == earlier["after"]


def test_concurrent_patches_without_if_match_all_land(server: LiveServer, admin) -> None:
    created = httpx.post(
        f"{server.url}/_/api/projects/idna/items",
        json={"kind": "hardware-capability", "data": {"key": "cpu", "value": "v1"}},
        headers=admin,
    )
    location = created.headers["location"]
    writers = 6
    barrier = threading.Barrier(writers)
    codes: list[int] = []

    def writer(n: int) -> None:
        barrier.wait()
        answer = httpx.patch(
            location, json={"data": {"note": f"writer {n}"}}, headers=admin, timeout=30
        )
        codes.append(answer.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * writers
    history = httpx.get(f"{location}/history").json()["revisions"]
    assert len(history) == writers + 1
    assert {r["after"]["note"] for r in history[1:]} == {f"writer {n}" for n in range(writers)}


def _all_show(url: str, needle: str, headers: dict[str, str] | None = None) -> bool:
    return all(needle in httpx.get(url, headers=headers or {}).text for _ in range(READS))


def _none_show(url: str, needle: str, headers: dict[str, str] | None = None) -> bool:
    return all(needle not in httpx.get(url, headers=headers or {}).text for _ in range(READS))


def test_a_write_is_visible_on_every_read_path_at_once(server: LiveServer, admin) -> None:
    base = server.url
    release_page = f"{base}/project/markupsafe/3.0.2/"
    project_page = f"{base}/project/markupsafe/"
    codemeta = f"{release_page}codemeta.json"
    jsonld = {"Accept": "application/ld+json"}
    simple = f"{base}/simple/markupsafe/"
    simple_json = {"Accept": "application/vnd.pypi.simple.v1+json"}
    advisory_id = "GHSA-live-visi-ble1"
    # Warm every worker's cache on every path first.
    assert _none_show(release_page, advisory_id)
    assert _none_show(project_page, "1 advisory")
    assert _none_show(codemeta, advisory_id)
    assert _none_show(release_page, advisory_id, jsonld)
    assert _none_show(simple, '"yanked":"gone bad"', simple_json)

    advisory = {
        "kind": "advisory",
        "data": {"id": advisory_id, "summary": "Visible at once", "aliases": ["CVE-2099-1"]},
    }
    created = httpx.post(
        f"{base}/_/api/projects/markupsafe/releases/3.0.2/items", json=advisory, headers=admin
    )
    assert created.status_code == 201
    assert _all_show(release_page, advisory_id)
    assert _all_show(project_page, "1 advisory")
    assert _all_show(codemeta, advisory_id)
    assert _all_show(release_page, advisory_id, jsonld)

    correction = {
        "kind": "dependency-correction",
        "data": {"requires_dist": ["colorama>=0.4; sys_platform == 'win32'"]},
        "reason": "needs colorama on Windows",
    }
    made = httpx.post(
        f"{base}/_/api/projects/markupsafe/releases/3.0.2/items", json=correction, headers=admin
    )
    assert made.status_code == 201
    assert _all_show(release_page, "needs colorama on Windows")
    document = httpx.get(codemeta).json()
    corrected = document["correctedDependencies"]
    assert (
        corrected["corrected"] is True and corrected["recordReason"] == "needs colorama on Windows"
    )

    yank = httpx.post(
        f"{base}/_/api/projects/markupsafe/releases/3.0.2/yank",
        json={"reason": "gone bad"},
        headers=admin,
    )
    assert yank.status_code == 200
    assert _all_show(simple, '"yanked":"gone bad"', simple_json)
    assert _all_show(simple, 'data-yanked="gone bad"')
    assert _all_show(release_page, "This release was withdrawn: gone bad")

    httpx.delete(created.headers["location"], headers=admin)
    assert _none_show(release_page, advisory_id)
    assert _none_show(codemeta, advisory_id)
    httpx.post(f"{base}/_/api/projects/markupsafe/releases/3.0.2/unyank", headers=admin)
    assert _none_show(simple, '"yanked":"gone bad"', simple_json)
