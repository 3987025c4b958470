"""The read-only index as a plain function, for hosts other than the ASGI server.

``Handler(store, blobs, base)(method, path, query, headers)`` returns a ``Reply`` (status,
headers, body) for the simple API, pages, JSON-LD and files, answering through the same
``Resolver`` and renderers as ``ldindex serve``; SPARQL (GET and POST), VoID and the dumps
go through the same ``publisher.sparql.endpoint`` as the ASGI routes. ``wsgi_app`` wraps it
for any WSGI server (gunicorn, mod_wsgi, ``wsgiref``), and a CGI script is three lines on top
of that (see ``examples/ldindex.cgi``); ``http.server`` can call the handler directly.
Answers carry ETags and honour If-None-Match; files honour single byte ranges.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from publisher.blobs import BlobStore
from publisher.cache import etag_matches
from publisher.files import FileNotFound, find_file
from publisher.routing import Immediate, NotFound, Resolver, Resource
from publisher.sparql.endpoint import Answer, Endpoint, HttpRequest
from publisher.sparql.service import SparqlService
from publisher.sparql.settings import SparqlSettings
from publisher.store import DEFAULT_URL, Store, default_files_dir, open_store

__all__ = ["Handler", "Reply", "wsgi_app"]

_STATUS = {
    200: "OK",
    206: "Partial Content",
    301: "Moved Permanently",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    429: "Too Many Requests",
    503: "Service Unavailable",
}
MAX_BODY = 64 * 1024  # bytes of a POST body read (queries are far smaller)


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer as plain values."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def status_line(self) -> str:
        return f"{self.status} {_STATUS.get(self.status, 'Error')}"


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _ranged(reply: Reply, spec: str) -> Reply:
    """A single byte range of a file reply (206), 416 if unsatisfiable; other forms ignored."""
    match = _RANGE.match(spec.strip())
    size = len(reply.body)
    if not match or match.groups() == ("", ""):
        return reply
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:
        start, end = max(size - int(last), 0), size - 1
    if start > end or start >= size:
        headers = [("Content-Range", f"bytes */{size}"), ("Content-Type", "application/json")]
        body = orjson.dumps({"error": f"range {spec!r} is outside {size} bytes", "status": 416})
        return Reply(416, body, headers)
    headers = [*reply.headers, ("Content-Range", f"bytes {start}-{end}/{size}")]
    return Reply(206, reply.body[start : end + 1], headers)


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
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        if path in ("/_/sparql", "/_/void", "/.well-known/void") or path.startswith("/_/dump/"):
            request = HttpRequest(method, path, query, headers, body, client)
            reply = self._linked_data(request)
        elif method not in ("GET", "HEAD"):
            return _problem(405, f"{method} is not supported here; this site is read-only")
        else:
            reply = self._answer(path, query, headers)
        etag = next((v for k, v in reply.headers if k == "ETag"), None)
        if reply.status == 200 and etag is None and method in ("GET", "HEAD"):
            etag = '"' + hashlib.blake2b(reply.body, digest_size=16).hexdigest() + '"'
            reply.headers.append(("ETag", etag))
        if etag is not None and etag_matches(headers.get("if-none-match", ""), etag):
            kept = [(k, v) for k, v in reply.headers if k in ("ETag", "Vary", "Last-Modified")]
            return Reply(304, b"", kept)
        if reply.status == 200 and "range" in headers and path.startswith("/files/"):
            reply = _ranged(reply, headers["range"])
        reply.headers.append(("Content-Length", str(len(reply.body))))
        if method == "HEAD":
            return Reply(reply.status, b"", reply.headers)
        return reply

    def _answer(self, path: str, query: str, headers: Mapping[str, str]) -> Reply:
        if path.startswith("/files/"):
            return self._file(path.removeprefix("/files/"))
        target = self.resolver(path, headers.get("accept", ""), query)
        if isinstance(target, Immediate):
            extra = [(k.decode(), v.decode()) for k, v in target.headers]
            return Reply(target.status, target.body, [("Content-Type", target.media_type), *extra])
        if isinstance(target, Resource):
            try:
                body = target.render()
            except NotFound as exc:
                return _problem(404, str(exc))
            if body is not None:
                vary = "Accept" if target.vary_accept else "Accept-Encoding"
                return Reply(200, body, [("Content-Type", target.media_type), ("Vary", vary)])
        return _problem(404, f"nothing at {path}")

    def _linked_data(self, request: HttpRequest) -> Reply:
        if request.path == "/.well-known/void":
            return Reply(301, b"", [("Location", "/_/void")])
        if request.path == "/_/sparql":
            answer = self.endpoint.sparql(request)
        elif request.path == "/_/void":
            answer = self.endpoint.void(request)
        else:
            answer = self.endpoint.dump(request.path.removeprefix("/_/dump/"), request)
        return _reply(answer)

    def _file(self, url_path: str) -> Reply:
        try:
            found = find_file(self.store, self.blobs, url_path)
        except FileNotFound as exc:
            return _problem(404, str(exc))
        headers = [
            ("Content-Type", found.media_type),
            ("ETag", found.etag),
            ("Last-Modified", found.last_modified),
        ]
        if found.data is not None:
            return Reply(200, found.data, headers)
        assert found.path is not None
        return Reply(200, found.path.read_bytes(), [*headers, ("Accept-Ranges", "bytes")])


def _reply(answer: Answer) -> Reply:
    body = answer.file.read_bytes() if answer.file is not None else answer.body
    return Reply(answer.status, body, list(answer.headers))


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
            length = 0
        if length > MAX_BODY:
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
