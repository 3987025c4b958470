"""``ldindex serve --workers 2`` under granian and under uvicorn, probed as an attacker and as a
strict HTTP client would: bounded memory, RFC 9110 semantics, one truth in every worker.

Each server starts once for the module (two workers, a 2 s header timeout) over a small index
of its own; the tests that change data use a project the others do not read.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from email.utils import format_datetime
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from publisher.store import open_store
from tests.conftest import (
    SHARED_ARTEFACTS,
    IndexedData,
    LiveServer,
    build_index,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.xdist_group("live-servers")

SERVERS = ("granian", "uvicorn")
HEADER_TIMEOUT = 2
WHEEL = "requests-2.32.3-py3-none-any.whl"
SOURCES = [
    "six-1.16.0-py2.py3-none-any.whl",
    "attrs-25.3.0-py3-none-any.whl",
    WHEEL,
]
NO_COMPRESSION = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> IndexedData:
    source = tmp_path_factory.mktemp("hostile-in")
    for name in SOURCES:
        (source / name).symlink_to(SHARED_ARTEFACTS / name)
    return build_index(tmp_path_factory.mktemp("hostile-index"), source)


@pytest.fixture(scope="module", params=SERVERS)
def served(request: pytest.FixtureRequest, data: IndexedData) -> Iterator[LiveServer]:
    server = start_server(
        data, 2, request.param, "--header-timeout", str(HEADER_TIMEOUT), "--access-log"
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def wheel(data: IndexedData):
    store = open_store(data.db_url)
    try:
        return store.get_file(WHEEL)
    finally:
        store.close()


def raw_exchange(url: str, request: bytes, wait: float = 5.0) -> tuple[bytes, float]:
    """Send raw bytes; return what came back until the server closed or ``wait`` passed,
    and how long that took."""
    parts = urlsplit(url)
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as conn:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(request)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and b"connection: close" not in received.lower():
                    break
        except (TimeoutError, ConnectionResetError):
            pass
    return received, time.monotonic() - started


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def worker_rss(server: LiveServer) -> dict[int, int]:
    """Resident memory of each process the server runs (its workers and itself). The SPARQL
    helper processes are left out: they start in the background, hold the catalogue graph
    and are capped on their own (tests/sparql)."""
    parent = psutil.Process(server.process.pid)
    return {
        p.pid: p.memory_info().rss
        for p in [parent, *parent.children(recursive=True)]
        if not _sparql_helper(p)
    }


def _sparql_helper(process: psutil.Process) -> bool:
    try:
        return "publisher.sparql.worker" in process.cmdline()
    except psutil.Error:
        return True  # gone meanwhile: a helper replaced, not a server worker


# -- 1. memory: bounded by bytes, whatever clients send --------------------------------------


def test_oversized_heads_get_431_and_small_ones_pass(served: LiveServer) -> None:
    line = b"GET /simple/six/ HTTP/1.1\r\nHost: localhost\r\n"
    cases = {
        "one line over 8 KiB": line + b"Accept: " + b"a" * 9000 + b"\r\n\r\n",
        "over 32 KiB in all": line
        + b"".join(b"X-%d: %s\r\n" % (i, b"b" * 7000) for i in range(6))
        + b"\r\n",
        "400 KB in one header": line + b"Accept: " + b"c" * 400_000 + b"\r\n\r\n",
    }
    for label, request in cases.items():
        answer, _ = raw_exchange(served.url, request)
        assert status_of(answer) == 431, (label, answer[:200])
    fine = line + b"X-Large: " + b"d" * 7000 + b"\r\n\r\n"
    assert status_of(raw_exchange(served.url, fine)[0]) == 200
    too_long = b"GET /simple/six/?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
    assert status_of(raw_exchange(served.url, too_long)[0]) in (414, 431)


def test_memory_stays_bounded_under_unique_large_headers(served: LiveServer) -> None:
    """Thousands of requests, each with a unique large Accept header or search query, and
    a thousand with a unique 300 KB header (which used to be accepted and remembered): no
    worker grows by more than 100 MB."""
    huge = b"GET /simple/six/ HTTP/1.1\r\nHost: localhost\r\nAccept: "
    with httpx.Client(base_url=served.url, timeout=10) as client:
        client.get("/simple/six/")
        before = worker_rss(served)
        for i in range(2000):
            accept = f"text/html;v={i}, " + "application/x-" + f"{i:07d}" * 800  # ~6 KB
            assert client.get("/simple/six/", headers={"Accept": accept}).status_code == 200
            if i % 2 == 0:
                # unique, and as long as a query may be (256 characters)
                search = client.get("/_/search/", params={"q": f"x{uuid.uuid4().hex * 7}"})
                assert search.status_code == 200
            answer, _ = raw_exchange(served.url, huge + os.urandom(150_000).hex().encode())
            assert status_of(answer) in (0, 431)  # refused, or cut off while sending
        assert client.get("/simple/six/").status_code == 200
    after = worker_rss(served)
    grown = {pid: (after.get(pid, 0) - rss) >> 20 for pid, rss in before.items()}
    assert set(after) == set(before), "a worker restarted"
    assert max(grown.values()) < 100, grown


# -- 2 and 3. invalidation: every worker, every derived structure, loopback only -------------


def test_invalidation_reaches_every_worker_and_search(served: LiveServer) -> None:
    word = f"zq{uuid.uuid4().hex[:10]}"
    with httpx.Client(base_url=served.url, timeout=10) as client:
        for _ in range(20):  # both workers cache the listing and build their search index
            assert word not in client.get("/_/search/all").text
            assert (
                client.get("/_/search/", params={"q": word, "format": "json"}).json()["results"]
                == []
            )
        # an edit outside ldindex, as with a sqlite3 shell: nothing tells the workers
        with sqlite3.connect(urlsplit(served.data.db_url).path.removeprefix("/")) as db:
            db.execute("UPDATE projects SET summary = ? WHERE name = 'attrs'", (word,))
        assert word not in client.get("/_/search/all").text
        answer = client.post("/_/cache/invalidate", json={"project": "ATTRS"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["project"] == "attrs"
        for _ in range(40):
            assert word in client.get("/_/search/all").text
            hits = client.get("/_/search/", params={"q": word, "format": "json"}).json()
            assert [hit["name"] for hit in hits["results"]] == ["attrs"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"X-Real-IP": "203.0.113.9"},
        {"Via": "1.1 proxy"},
        {"Forwarded": "for=203.0.113.9"},
        {"True-Client-IP": "203.0.113.9"},
        {"X-Forwarded-Host": "index.example.org"},
        {"Host": "index.example.org"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=lambda h: "-".join(f"{k}={v}" for k, v in h.items()),
)
def test_invalidation_is_refused_to_anything_but_a_direct_local_call(
    served: LiveServer, headers: dict[str, str]
) -> None:
    answer = httpx.post(f"{served.url}/_/cache/invalidate", json={}, headers=headers)
    assert answer.status_code == 403, answer.text
    assert "loopback" in answer.json()["error"]


def test_invalidation_wants_json_from_a_local_page_or_tool(served: LiveServer) -> None:
    url = f"{served.url}/_/cache/invalidate"
    form = httpx.post(url, content=b'{"project": "six"}', headers={"Content-Type": "text/plain"})
    assert form.status_code == 415
    assert httpx.post(url, content=b"not json", headers={"Content-Type": "application/json"})
    assert httpx.post(url, json={"projects": ["six"]}).status_code == 400
    same_site = httpx.post(url, json={}, headers={"Origin": served.url})
    assert same_site.status_code == 200 and same_site.json()["project"] is None
    local = httpx.post(url, json={}, headers={"Host": "localhost"})
    assert local.status_code == 200


# -- 4. content coding by RFC 9110 ------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0", None),
        ("GZIP", "gzip"),
        ("Br", "br"),
        ("*", "br"),
        ("*;q=0.5, br;q=0", "gzip"),
        ("gzip;q=0.4, br;q=0.2", "gzip"),
        ("identity;q=1, gzip;q=0.5", None),
        ("identity;q=0, *;q=0", None),
        ("deflate", None),
        ("", None),
    ],
)
def test_accept_encoding_is_parsed_not_searched(
    served: LiveServer, accept_encoding: str, coding: str | None
) -> None:
    with httpx.Client(base_url=served.url) as client:
        request = client.build_request("GET", "/simple/requests/")
        request.headers["Accept-Encoding"] = accept_encoding
        response = client.send(request, stream=True)
        response.close()
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == coding
    assert "Accept-Encoding" in response.headers["vary"]


# -- 5 (this layer's share). one ETag in every worker and process ----------------------------


def test_validators_are_the_same_in_every_worker_and_process(
    served: LiveServer, data: IndexedData
) -> None:
    """Two workers, and an in-process app with another hash seed, agree on every ETag."""
    from starlette.testclient import TestClient

    from publisher.web import Settings, create_app

    settings = Settings(db_url=data.db_url, files_dir=data.files_dir, base_url=served.url)
    local_client = TestClient(create_app(settings), base_url=served.url)
    for path, accept, coding in [
        ("/simple/six/", "text/html", "identity"),
        ("/simple/six/", "application/vnd.pypi.simple.v1+json", "gzip"),
        ("/simple/requests/", "text/html", "br"),
        ("/simple/", "text/html", "identity"),
    ]:
        headers = {"Accept": accept, "Accept-Encoding": coding}
        seen = {httpx.get(served.url + path, headers=headers).headers["etag"] for _ in range(16)}
        assert len(seen) == 1, (path, seen)
        local = local_client.get(path, headers=headers).headers["etag"]
        assert seen == {local}, (path, seen, local)


# -- 6. conditional requests and ranges on /files/ --------------------------------------------


def _file_cases(wheel) -> list[tuple[dict | list, int]]:
    etag = f'"{wheel.hashes["sha256"]}"'
    modified = format_datetime(wheel.upload_time, usegmt=True)
    past = "Mon, 01 Jan 2001 00:00:00 GMT"
    return [
        ({"If-Modified-Since": modified}, 304),
        ({"If-Modified-Since": past}, 200),
        ({"If-None-Match": etag}, 304),
        ({"If-None-Match": f'"{wheel.hashes["sha256"]}-anything"'}, 200),
        ({"If-None-Match": f"W/{etag}"}, 304),
        ([("If-None-Match", '"other"'), ("If-None-Match", etag)], 304),
        ({"If-None-Match": '"other"', "If-Modified-Since": modified}, 200),
        ({"If-Match": '"other"'}, 412),
        ({"If-Match": etag}, 200),
        ({"If-Match": f"W/{etag}"}, 412),
        ({"If-Unmodified-Since": past}, 412),
        ({"If-Unmodified-Since": modified}, 200),
        ({"If-Match": etag, "If-Unmodified-Since": past}, 200),
        ({"Range": "items=0-9"}, 200),
        ({"Range": "bytes=10-19"}, 206),
        ({"Range": "bytes=-5"}, 206),
        ({"Range": "bytes=0-1, 5-6"}, 200),
        ({"Range": f"bytes={wheel.size}-"}, 416),
        ({"Range": "bytes=9-1"}, 416),
        ({"Range": "bytes=abc"}, 416),
        ({"Range": "bytes=10-19", "If-Range": etag}, 206),
        ({"Range": "bytes=10-19", "If-Range": '"stale"'}, 200),
        ({"Range": "bytes=10-19", "If-Range": modified}, 206),
        ({"Range": "bytes=10-19", "If-Range": past}, 200),
        ({"Range": "bytes=10-19", "If-None-Match": etag}, 304),
    ]


def test_files_conditionals_and_ranges(served: LiveServer, wheel) -> None:
    whole = (SHARED_ARTEFACTS / WHEEL).read_bytes()
    url = f"{served.url}/files/{wheel.url_path}"
    with httpx.Client(headers=NO_COMPRESSION) as client:
        for headers, status in _file_cases(wheel):
            response = client.get(url, headers=headers)
            assert response.status_code == status, (headers, response.text[:200])
            if status == 206:
                start, end = (
                    (10, 19) if "10-19" in str(headers) else (len(whole) - 5, len(whole) - 1)
                )
                assert response.content == whole[start : end + 1]
                assert response.headers["content-range"] == f"bytes {start}-{end}/{len(whole)}"
            elif status == 200:
                assert response.content == whole
            elif status == 416:
                assert response.headers["content-range"] == f"bytes */{len(whole)}"
                assert response.json()["status"] == 416
            elif status == 304:
                assert response.content == b"" and response.headers["etag"]
            else:
                assert response.json()["status"] == 412
        head = client.head(url, headers={"Range": "bytes=0-9"})
        assert head.status_code == 200 and head.headers["content-length"] == str(len(whole))


def test_wsgi_handler_decides_as_the_server_does(data: IndexedData, wheel) -> None:
    from publisher.blobs import BlobStore
    from publisher.handler import Handler

    handler = Handler(open_store(data.db_url), BlobStore(data.files_dir), "http://x")
    whole = (SHARED_ARTEFACTS / WHEEL).read_bytes()
    for headers, status in _file_cases(wheel):
        combined: dict[str, str] = {}
        for name, value in headers if isinstance(headers, list) else headers.items():
            combined[name] = f"{combined[name]}, {value}" if name in combined else value
        reply = handler("GET", f"/files/{wheel.url_path}", "", combined)
        assert reply.status == status, headers
        if status == 200:
            assert reply.body == whole
        if status == 416:
            assert ("Content-Range", f"bytes */{len(whole)}") in reply.headers


# -- 7. the small ones -----------------------------------------------------------------------


def test_every_405_says_what_is_allowed(served: LiveServer, wheel) -> None:
    for method, path, allowed in [
        ("POST", "/simple/six/", {"GET", "HEAD"}),
        ("DELETE", "/project/six/", {"GET", "HEAD"}),
        ("PUT", f"/files/{wheel.url_path}", {"GET", "HEAD"}),
        ("GET", "/_/cache/invalidate", {"POST"}),
        ("POST", "/_/static/style.css", {"GET", "HEAD"}),
        ("PATCH", "/", {"GET", "HEAD"}),
    ]:
        response = httpx.request(method, served.url + path)
        assert response.status_code == 405, (method, path)
        assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


def test_wsgi_handler_405_says_what_is_allowed(data: IndexedData) -> None:
    from publisher.blobs import BlobStore
    from publisher.handler import Handler

    handler = Handler(open_store(data.db_url), BlobStore(data.files_dir), "http://x")
    reply = handler("POST", "/simple/six/")
    assert reply.status == 405 and ("Allow", "GET, HEAD") in reply.headers


def test_redirects_are_relative_and_files_is_not_redirected(served: LiveServer) -> None:
    evil = {"Host": "evil.example"}
    docs = httpx.get(f"{served.url}/docs/?x=1", headers=evil)
    assert docs.status_code in (301, 307, 308) and docs.headers["location"] == "/docs?x=1"
    simple = httpx.get(f"{served.url}/simple", headers=evil)
    assert simple.headers["location"] == "/simple/"
    for path in ("/files", "/files/"):
        assert httpx.get(served.url + path, headers=evil).status_code == 404


@pytest.mark.parametrize(
    "head",
    [
        b"GET /simple/six/ HTTP/1.1\r\n\r\n",
        b"GET /simple/six/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /simple/six/ HTTP/1.1\r\nHost: \r\n\r\n",
        b"GET /simple/six/ HTTP/1.1\r\nHost: a b\r\n\r\n",
        b"POST /_/cache/invalidate HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    ],
    ids=["no-host", "two-hosts", "empty-host", "bad-host", "post-without-host"],
)
def test_host_must_be_there_once(served: LiveServer, head: bytes) -> None:
    answer, _ = raw_exchange(served.url, head)
    assert status_of(answer) == 400, answer[:200]


def test_http_1_0_without_host_is_served(served: LiveServer) -> None:
    answer, _ = raw_exchange(served.url, b"GET /simple/six/ HTTP/1.0\r\n\r\n")
    assert answer.split(b" ", 2)[1] == b"200", answer[:200]


def test_clients_trickling_headers_are_closed(served: LiveServer) -> None:
    started = b"GET /simple/six/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
    answer, took = raw_exchange(served.url, started, wait=HEADER_TIMEOUT + 20)
    assert HEADER_TIMEOUT - 0.5 <= took < HEADER_TIMEOUT + 10, took
    assert answer == b"" or status_of(answer) == 408
