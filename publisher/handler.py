"""The read-only index as a plain function, for hosts other than the ASGI server.

``Handler(store, blobs, base)(method, path, query, headers)`` returns a ``Reply`` (status,
headers, body) for the simple API, pages, JSON-LD and files, answering through the same
``Resolver`` and renderers as ``ldindex serve``; SPARQL (GET and POST), VoID and the dumps
go through the same ``publisher.sparql.endpoint`` as the ASGI routes. ``wsgi_app`` wraps it
for any WSGI server (gunicorn, mod_wsgi, ``wsgiref``), and a CGI script is three lines on top
of that (see ``examples/ldindex.cgi``); ``http.server`` can call the handler directly.
Answers carry ETags and honour conditional requests; files and dumps also honour single
byte ranges, all as the ASGI server does (``publisher.conditional``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import orjson

from publisher.blobs import BlobStore
from publisher.conditional import evaluate
from publisher.files import FileNotFound, find_file
from publisher.routing import Immediate, NotFound, Resolver, Resource
from publisher.sparql.endpoint import Answer, Endpoint, HttpRequest
from publisher.sparql.service import SparqlService
from publisher.sparql.settings import SparqlSettings
from publisher.store import DEFAULT_URL, Store, default_files_dir, open_store

__all__ = ["Handler", "Reply", "wsgi_app"]

MAX_BODY = 64 * 1024  # bytes of a POST body read (queries are far smaller)
LINKED_DATA_PATHS = ("/_/sparql", "/_/void", "/.well-known/void")


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer as plain values."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def _problem(status: int, message: str) -> Reply:
    body = orjson.dumps({"error": message, "status": status})
    return Reply(status, body, [("Content-Type", "application/json")])


class Handler:
    """Answers GET and HEAD requests for the read-only site of one store, and SPARQL queries
    (GET or POST). The SPARQL service (its helper processes) starts on first use."""

    def __init__(
        self,
        store: Store,
        blobs: BlobStore,
        base: str,
        sparql: SparqlSettings | None = None,
        graph_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.base = base
        self.resolver = Resolver(store, base)
        self._sparql_settings = sparql or SparqlSettings()
        self._graph_dir = graph_dir
        self._endpoint: Endpoint | None = None

    @property
    def endpoint(self) -> Endpoint:
        if self._endpoint is None:
            service = SparqlService(
                self.store, self.store.url, self.base, self._sparql_settings, self._graph_dir
            )
            service.start()
            self._endpoint = Endpoint(service)
        return self._endpoint

    def close(self) -> None:
        """Stop the SPARQL helper processes, if any were started."""
        if self._endpoint is not None:
            self._endpoint.service.close()
            self._endpoint = None

    def __call__(
        self,
        method: str,
        path: str,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        client: str = "unknown",
    ) -> Reply:
        """The answer to one request; ``headers`` with repeated lines joined by ", "."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        if path in LINKED_DATA_PATHS or path.startswith("/_/dump/"):
            reply = self._linked_data(HttpRequest(method, path, query, headers, body, client))
        elif method not in ("GET", "HEAD"):
            reply = _problem(405, f"{method} is not supported here; this site is read-only")
            reply.headers.append(("Allow", "GET, HEAD"))
        elif path.startswith("/files/"):
            reply = self._file(method, path.removeprefix("/files/"), headers)
        else:
            reply = self._page(method, path, query, headers)
        if not any(k == "Content-Length" for k, _ in reply.headers):
            reply.headers.append(("Content-Length", str(len(reply.body))))
        if method == "HEAD":
            return Reply(reply.status, b"", reply.headers)
        return reply

    def _page(self, method: str, path: str, query: str, headers: Mapping[str, str]) -> Reply:
        target = self.resolver(path, headers.get("accept", ""), query)
        if isinstance(target, Immediate):
            extra = [(k.decode(), v.decode()) for k, v in target.headers]
            return Reply(target.status, target.body, [("Content-Type", target.media_type), *extra])
        try:
            body = target.render() if isinstance(target, Resource) else None
        except NotFound as exc:
            return _problem(404, str(exc))
        if body is None:
            return _problem(404, f"nothing at {path}")
        assert isinstance(target, Resource)
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        vary = "Accept" if target.vary_accept else "Accept-Encoding"
        validators = [("ETag", etag), ("Vary", vary)]
        decision = evaluate(method, headers, etag, None, len(body), ranges=False)
        if decision.status == 304:
            return Reply(304, b"", validators)
        if decision.status == 412:
            return _problem(412, f"precondition failed: {path} is {etag}")
        return Reply(200, body, [("Content-Type", target.media_type), *validators])

    def _linked_data(self, request: HttpRequest) -> Reply:
        if request.path == "/.well-known/void":
            return Reply(301, b"", [("Location", "/_/void")])
        if request.path == "/_/sparql":
            answer = self.endpoint.sparql(request)
        elif request.path == "/_/void":
            answer = self.endpoint.void(request)
        else:
            answer = self.endpoint.dump(request.path.removeprefix("/_/dump/"), request)
        return _reply(answer, request.method)

    def _file(self, method: str, url_path: str, headers: Mapping[str, str]) -> Reply:
        try:
            found = find_file(self.store, self.blobs, url_path)
        except FileNotFound as exc:
            return _problem(404, str(exc))
        decision = evaluate(method, headers, found.etag, found.modified, found.size)
        if decision.status == 304:
            return Reply(304, b"", found.headers)
        if decision.status == 412:
            return _problem(412, f"precondition failed: /files/{url_path} is {found.etag}")
        if decision.status == 416:
            reply = _problem(416, f"range not satisfiable: the file has {found.size} bytes")
            reply.headers.append(("Content-Range", f"bytes */{found.size}"))
            return reply
        meta = [("Content-Type", found.media_type), *found.headers]
        meta.append(("Content-Length", str(decision.length)))
        if decision.status == 206:
            meta.append(("Content-Range", f"bytes {decision.start}-{decision.end}/{found.size}"))
        body = b"" if method == "HEAD" else found.read(decision.start, decision.length)
        return Reply(decision.status, body, meta)


def _reply(answer: Answer, method: str) -> Reply:
    headers = list(answer.headers)
    if answer.file is None:
        return Reply(answer.status, answer.body, headers)
    headers.append(("Content-Length", str(answer.length)))
    if method == "HEAD" or answer.length == 0:
        return Reply(answer.status, b"", headers)
    with answer.file.open("rb") as stream:
        stream.seek(answer.start)
        return Reply(answer.status, stream.read(answer.length), headers)


WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def wsgi_app(
    db_url: str = DEFAULT_URL, files_dir: Path | None = None, base: str = "http://127.0.0.1:8000"
) -> WSGIApp:
    """A WSGI application serving the read-only site of the store at ``db_url``."""
    handler = Handler(open_store(db_url), BlobStore(files_dir or default_files_dir(db_url)), base)

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            request_headers["content-type"] = environ["CONTENT_TYPE"]
        path = environ.get("PATH_INFO") or "/"
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            reply = _problem(400, "Content-Length is not a number of bytes")
        elif length > MAX_BODY:
            reply = _problem(413, f"the request body is over {MAX_BODY} bytes")
        else:
            body = environ["wsgi.input"].read(length) if length > 0 else b""
            reply = handler(
                environ.get("REQUEST_METHOD", "GET"),
                path,
                environ.get("QUERY_STRING", ""),
                request_headers,
                body,
                environ.get("REMOTE_ADDR", "unknown"),
            )
        start_response(reply.status_line, reply.headers)
        return [reply.body]

    return app
