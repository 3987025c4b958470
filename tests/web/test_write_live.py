"""Writes against a real ``ldindex serve`` with two worker processes, on SQLite and on
PostgreSQL: concurrent writers never lose an update, and every read path of every worker
shows a write as soon as it has returned, whichever worker took it."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import LiveServer, make_token, start_server, stop_server, writable_index
from tests.workers import WorkerConnection, connect_every_worker

WORKERS = 2


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("pg_cluster").create_database()
    data = writable_index(tmp_path_factory.mktemp("write-live"), db_url)
    live = start_server(data, workers=WORKERS)
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def workers(server: LiveServer) -> Iterator[list[WorkerConnection]]:
    """A keep-alive connection to each worker process."""
    connections = connect_every_worker(server.url, server.process.pid, WORKERS)
    yield connections
    for connection in connections:
        connection.close()


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


def _all_show(
    workers: list[WorkerConnection], path: str, needle: str, headers: dict[str, str] | None = None
) -> bool:
    return all(needle in worker.get(path, headers).text for worker in workers)


def _none_show(
    workers: list[WorkerConnection], path: str, needle: str, headers: dict[str, str] | None = None
) -> bool:
    return all(needle not in worker.get(path, headers).text for worker in workers)


def test_a_write_is_visible_on_every_read_path_at_once(
    server: LiveServer, workers: list[WorkerConnection], admin
) -> None:
    base = server.url
    release_page = "/project/markupsafe/3.0.2/"
    project_page = "/project/markupsafe/"
    codemeta = f"{release_page}codemeta.json"
    jsonld = {"Accept": "application/ld+json"}
    simple = "/simple/markupsafe/"
    simple_json = {"Accept": "application/vnd.pypi.simple.v1+json"}
    advisory_id = "GHSA-live-visi-ble1"
    # Warm every worker's cache on every path first.
    assert _none_show(workers, release_page, advisory_id)
    assert _none_show(workers, project_page, "1 advisory")
    assert _none_show(workers, codemeta, advisory_id)
    assert _none_show(workers, release_page, advisory_id, jsonld)
    assert _none_show(workers, simple, '"yanked":"gone bad"', simple_json)

    advisory = {
        "kind": "advisory",
        "data": {"id": advisory_id, "summary": "Visible at once", "aliases": ["CVE-2099-1"]},
    }
    created = httpx.post(
        f"{base}/_/api/projects/markupsafe/releases/3.0.2/items", json=advisory, headers=admin
    )
    assert created.status_code == 201
    assert _all_show(workers, release_page, advisory_id)
    assert _all_show(workers, project_page, "1 advisory")
    assert _all_show(workers, codemeta, advisory_id)
    assert _all_show(workers, release_page, advisory_id, jsonld)

    correction = {
        "kind": "dependency-correction",
        "data": {"requires_dist": ["colorama>=0.4; sys_platform == 'win32'"]},
        "reason": "needs colorama on Windows",
    }
    made = httpx.post(
        f"{base}/_/api/projects/markupsafe/releases/3.0.2/items", json=correction, headers=admin
    )
    assert made.status_code == 201
    assert _all_show(workers, release_page, "needs colorama on Windows")
    for worker in workers:
        corrected = worker.get(codemeta).json()["correctedDependencies"]
        assert corrected["corrected"] is True
        assert corrected["recordReason"] == "needs colorama on Windows"

    yank = httpx.post(
        f"{base}/_/api/projects/markupsafe/releases/3.0.2/yank",
        json={"reason": "gone bad"},
        headers=admin,
    )
    assert yank.status_code == 200
    assert _all_show(workers, simple, '"yanked":"gone bad"', simple_json)
    assert _all_show(workers, simple, 'data-yanked="gone bad"')
    assert _all_show(workers, release_page, "This release was withdrawn: gone bad")

    httpx.delete(created.headers["location"], headers=admin)
    assert _none_show(workers, release_page, advisory_id)
    assert _none_show(workers, codemeta, advisory_id)
    httpx.post(f"{base}/_/api/projects/markupsafe/releases/3.0.2/unyank", headers=admin)
    assert _none_show(workers, simple, '"yanked":"gone bad"', simple_json)


def test_a_write_through_one_worker_is_read_by_the_other_next(
    workers: list[WorkerConnection], admin
) -> None:
    """Writes alternate between the two workers; each is read back through the other worker
    on its very next request, as soon as the write is acknowledged, never stale."""
    simple, as_json = "/simple/requests/", {"Accept": "application/vnd.pypi.simple.v1+json"}
    release = "/project/requests/2.32.3/"
    for worker in workers:  # both caches warm
        assert worker.get(simple, as_json).status == 200 and worker.get(release).status == 200
    created = workers[0].request(
        "POST", "/_/api/projects/requests/releases/2.32.3/items",
        {"kind": "advisory", "data": {"id": "PYSEC-0000-next", "summary": "round -1"}}, admin,
    )  # fmt: skip
    assert created.status == 201, created.body
    item, etag = urlsplit(created.headers["location"]).path, created.headers["etag"]
    for round_ in range(10):
        writer, reader = workers[round_ % 2], workers[1 - round_ % 2]
        reason = f"withdrawn in round {round_}"
        yanked = writer.request(
            "POST", "/_/api/projects/requests/releases/2.32.3/yank", {"reason": reason}, admin
        )
        assert yanked.status == 200, yanked.body
        assert f'"yanked":"{reason}"' in reader.get(simple, as_json).text, round_
        summary = f"revised in round {round_}"
        revised = writer.request(
            "PUT", item,
            {"kind": "advisory", "data": {"id": "PYSEC-0000-next", "summary": summary}},
            {**admin, "If-Match": etag},
        )  # fmt: skip
        assert revised.status == 200, revised.body
        etag = revised.headers["etag"]
        assert summary in reader.get(release).text, round_
        assert summary in writer.get(release).text, round_
    for worker in workers:
        worker.request("POST", "/_/api/projects/requests/releases/2.32.3/unyank", None, admin)
