"""Granian runs the application behind its RSGI front (``publisher.web.rsgi``): cached plain
reads answered at once, everything else by the ASGI application through the bridge. Both
must answer every request exactly as the ASGI application does under uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from publisher.web import Settings, create_app
from publisher.web.hot import FILE_RANGE
from publisher.web.routes.files import FileSlice
from publisher.web.rsgi import AsgiOverRsgi, RsgiFront
from tests.conftest import LiveServer, free_port, start_server, stop_server

BASE = f"http://127.0.0.1:{free_port()}"  # one base URL for both: the same page bytes
# What may differ between two servers answering the same request.
OWN_HEADERS = {"date", "server"}


@pytest.fixture(scope="module")
def both(shared_index) -> Iterator[tuple[LiveServer, LiveServer]]:
    granian = start_server(shared_index, 2, "granian", "--base-url", BASE)
    try:
        uvicorn = start_server(shared_index, 2, "uvicorn", "--base-url", BASE)
    except BaseException:
        stop_server(granian)
        raise
    yield granian, uvicorn
    stop_server(uvicorn)
    stop_server(granian)


def _answer(server: LiveServer, method: str, path: str, headers: dict[str, str]) -> tuple:
    response = httpx.request(method, server.url + path, headers=headers)
    kept = sorted((k, v) for k, v in response.headers.multi_items() if k not in OWN_HEADERS)
    return response.status_code, kept, response.content


def _file_path(server: LiveServer) -> str:
    files = httpx.get(
        f"{server.url}/simple/requests/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    ).json()["files"]
    return files[0]["url"].removeprefix(BASE)


JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
TEXT = {"content-type": "text/plain"}
REQUESTS = [
    # plain GETs of cached pages: granian's fast path, once the first one rendered them
    ("GET", "/project/requests/", {}),
    ("GET", "/project/requests/", {}),
    ("GET", "/simple/requests/", JSON),
    ("GET", "/simple/requests/", {"Accept-Encoding": "gzip"}),
    ("GET", "/simple/requests/", {"Accept-Encoding": "br;q=0, gzip;q=0.5"}),
    ("GET", "/project/requests/2.32.3/codemeta.json", {}),
    # everything else goes through the bridge
    ("HEAD", "/project/requests/", {}),
    ("GET", "/project/requests/", {"If-None-Match": '"nothing"'}),
    ("GET", "/simple/Requests/", {}),
    ("GET", "/simple/no-such-project/", {}),
    ("GET", "/_/search/?q=request", {}),
    ("GET", "/simple/requests/", {"X-Big": "a" * 9000}),
    ("GET", "/openapi.json", {}),
    # documents built to files: granian reads them itself (zstd variants land a moment
    # after a build, so a request that takes them could get gzip first, zstd next)
    ("GET", "/_/search/all", {"Accept-Encoding": "identity"}),
    ("GET", "/_/search/all", {"Accept-Encoding": "gzip"}),
    ("HEAD", "/_/search/all", {"Accept-Encoding": "gzip"}),
    ("GET", "/simple/", {"Accept-Encoding": "identity"}),
    ("POST", "/simple/requests/", {}),
]


@pytest.mark.parametrize(("method", "path", "headers"), REQUESTS)
def test_granian_answers_as_uvicorn_does(both, method, path, headers) -> None:
    granian, uvicorn = both
    assert _answer(granian, method, path, headers) == _answer(uvicorn, method, path, headers)


def test_a_validator_from_the_fast_path_revalidates_through_the_bridge(both) -> None:
    granian, _ = both
    first = httpx.get(f"{granian.url}/project/requests/")
    again = httpx.get(
        f"{granian.url}/project/requests/", headers={"If-None-Match": first.headers["etag"]}
    )
    assert (first.status_code, again.status_code) == (200, 304)
    assert again.headers["etag"] == first.headers["etag"] and again.content == b""


@pytest.mark.parametrize(
    "headers", [{}, {"Range": "bytes=10-19"}, {"Range": "bytes=-5"}, {"Range": "bytes=0-"}]
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_files_and_ranges_come_out_alike(both, method, headers) -> None:
    granian, uvicorn = both
    path = _file_path(granian)
    ours = _answer(granian, method, path, headers)
    assert ours == _answer(uvicorn, method, path, headers)
    status, kept, body = ours
    assert status == (206 if headers and method == "GET" else 200)  # ranges are GET's alone
    if method == "GET":
        assert int(dict(kept)["content-length"]) == len(body) > 0
    else:
        assert body == b""


def test_a_request_body_reaches_the_application_in_pieces(both) -> None:
    """A body sent in chunks (no Content-Length) arrives whole: here it is too large."""
    granian, _ = both

    def chunks():
        for _ in range(80):
            yield b"x" * 4096

    response = httpx.post(f"{granian.url}/_/cache/invalidate", content=chunks())
    assert response.status_code == 413 and response.json()["status"] == 413


def test_a_file_is_handed_to_the_server_when_it_can_send_files() -> None:
    """Through the bridge, a file's bytes are granian's to read (``FILE_RANGE``): nothing of
    the file passes through Python, whatever the client's pace."""

    class Found:
        data = None
        path = "/srv/files/a.whl"
        media_type = "application/zip"

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "extensions": {FILE_RANGE: {}}}
    asyncio.run(FileSlice(Found(), 206, 100, 50, {})(scope, None, send))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 206
    assert sent[1] == {"type": FILE_RANGE, "path": "/srv/files/a.whl", "start": 100, "end": 150}
    assert len(sent) == 2


class _Protocol:
    """What the bridge calls on granian's RSGI protocol, recorded."""

    def __init__(self, body: bytes = b"") -> None:
        self.body, self.calls = body, []

    def __aiter__(self):
        async def chunks():
            if self.body:
                yield self.body

        return chunks()

    async def client_disconnect(self) -> None:
        await asyncio.Event().wait()

    def response_bytes(self, status, headers, body) -> None:
        self.calls.append(("bytes", status, headers, body))

    def response_file_range(self, status, headers, path, start, end) -> None:
        self.calls.append(("file", status, headers, path, start, end))

    def response_stream(self, status, headers):
        protocol = self

        class Transport:
            async def send_bytes(self, data: bytes) -> None:
                protocol.calls.append(("chunk", data))

        self.calls.append(("stream", status, headers))
        return Transport()


class _Headers(dict):
    """Granian's header mapping: lower-case names, one value each here."""

    def items(self):
        return list(super().items())


class _Scope:
    """Granian's RSGI scope."""

    proto, http_version, scheme = "http", "1.1", "http"
    client, server = "[::1]:5000", "127.0.0.1:8000"

    def __init__(self, method: str, path: str, query: str = "", **headers: str) -> None:
        self.method, self.path, self.query_string = method, path, query
        self.headers = _Headers({"host": "127.0.0.1:8000", **headers})


def test_a_cached_page_is_answered_at_once_with_the_bytes_the_application_sent(
    shared_index,
) -> None:
    front = RsgiFront(
        create_app(Settings(db_url=shared_index.db_url, files_dir=shared_index.files_dir))
    )
    bridged: list[str] = []
    bridge = front.bridge

    async def counted(scope, protocol) -> None:
        bridged.append(scope.path)
        await bridge(scope, protocol)

    front.bridge = counted
    first, second = _Protocol(), _Protocol()
    scope = _Scope("GET", "/simple/requests/", **{"accept-encoding": "gzip"})
    asyncio.run(front.__rsgi__(scope, first))  # not cached yet: rendered by the application
    asyncio.run(front.__rsgi__(scope, second))
    assert bridged == ["/simple/requests/"]
    assert first.calls == second.calls and first.calls[0][:2] == ("bytes", 200)
    assert ("content-encoding", "gzip") in first.calls[0][2]
    for refused in (
        _Scope("GET", "/simple/requests/", "q=1"),
        _Scope("GET", "/simple/requests/", **{"if-none-match": '"x"'}),
        _Scope("GET", "/simple/requests/", host="bad host"),
        _Scope("HEAD", "/simple/requests/"),
    ):
        asyncio.run(front.__rsgi__(refused, _Protocol()))
    assert len(bridged) == 5


def test_the_bridge_translates_scope_body_and_answer() -> None:
    seen = {}

    async def app(scope, receive, send) -> None:
        seen["scope"] = scope
        seen["first"], seen["second"] = await receive(), await receive()
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
        await send({"type": "http.response.body", "body": b"ab", "more_body": True})
        await send({"type": "http.response.body", "body": b"cd"})

    protocol = _Protocol(b"payload")
    asyncio.run(AsgiOverRsgi(app)(_Scope("POST", "/a b/é", "x=1", **TEXT), protocol))
    scope = seen["scope"]
    assert scope["path"] == "/a b/é" and scope["raw_path"] == b"/a%20b/%C3%A9"
    assert scope["query_string"] == b"x=1" and scope["http_version"] == "1.1"
    assert scope["client"] == ("::1", 5000) and scope["server"] == ("127.0.0.1", 8000)
    assert scope["headers"] == [(b"host", b"127.0.0.1:8000"), (b"content-type", b"text/plain")]
    assert seen["first"] == {"type": "http.request", "body": b"payload", "more_body": True}
    assert seen["second"] == {"type": "http.request", "body": b"", "more_body": False}
    assert protocol.calls == [
        ("stream", 201, [("x-a", "1")]),
        ("chunk", b"ab"),
        ("chunk", b"cd"),
    ]


def test_a_whole_answer_goes_out_in_one_call() -> None:
    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    protocol = _Protocol()
    asyncio.run(AsgiOverRsgi(app)(_Scope("POST", "/a b/é", "x=1", **TEXT), protocol))
    assert protocol.calls == [("bytes", 404, [], b"{}")]


def test_the_lifespan_runs_at_worker_start_and_stop() -> None:
    events: list[str] = []

    async def app(scope, receive, send) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            events.append(message["type"])
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    front = RsgiFront.__new__(RsgiFront)
    front.bridge = AsgiOverRsgi(app)
    loop = asyncio.new_event_loop()
    try:
        front.__rsgi_init__(loop)
        assert events == ["lifespan.startup"]
        front.__rsgi_del__(loop)
        assert events == ["lifespan.startup", "lifespan.shutdown"]
    finally:
        loop.close()


def test_a_failed_startup_stops_the_worker() -> None:
    async def app(scope, receive, send) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError, match="no database"):
            loop.run_until_complete(AsgiOverRsgi(app).startup())
    finally:
        loop.close()


def test_an_application_without_lifespan_starts() -> None:
    async def app(scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("lifespan is not supported")  # as many plain ASGI apps do

    loop = asyncio.new_event_loop()
    try:
        bridge = AsgiOverRsgi(app)
        loop.run_until_complete(bridge.startup())
        loop.run_until_complete(bridge.shutdown())
    finally:
        loop.close()


def test_files_and_built_documents_are_read_by_granian_not_streamed(shared_index) -> None:
    """A slow reader of a big file must not make the worker hold the file: granian's stream
    transport takes whatever it is given, so file bodies are handed over as files."""
    front = RsgiFront(
        create_app(Settings(db_url=shared_index.db_url, files_dir=shared_index.files_dir))
    )
    listing, download = _Protocol(), _Protocol()
    asyncio.run(front.__rsgi__(_Scope("GET", "/_/search/all"), listing))
    wheel = (
        "/files/"
        + next(p for p in shared_index.files_dir.rglob("*.whl"))
        .relative_to(shared_index.files_dir)
        .as_posix()
    )
    asyncio.run(front.__rsgi__(_Scope("GET", wheel, range="bytes=1-"), download))
    (kind, status, headers, path, start, end), *rest = listing.calls
    assert (kind, status, start, rest) == ("file", 200, 0, [])
    assert str(end) == dict(headers)["content-length"] == str(Path(path).stat().st_size)
    (kind, status, headers, path, start, end), *rest = download.calls
    assert (kind, status, start, rest) == ("file", 206, 1, [])
    assert end == Path(path).stat().st_size
