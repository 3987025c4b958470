"""The read-only index as a plain function, for hosts other than the ASGI server.

``Handler(store, files, base)(method, path, query, headers)`` returns a ``Reply`` (status,
headers, body) for the simple API, pages, JSON-LD and files, answering through the same
``Resolver`` and renderers as ``ldindex serve``; SPARQL (GET and POST), VoID and the RDF
dumps go through the same ``publisher.sparql.endpoint`` as the ASGI routes. ``wsgi_app``
wraps it for any WSGI server (gunicorn, mod_wsgi, ``wsgiref``), and a CGI script is three
lines on top of that (see ``examples/ldindex.cgi``); ``http.server`` can call the handler
directly. Pages carry ETags and ``Cache-Control`` (``max_age``, as ``ldindex serve``'s) and
honour conditional requests; files and dumps also honour single byte ranges, all as the ASGI
server does (``publisher.conditional``). ``POST /_/cache/invalidate`` is answered as there
too; pointed at a folder (directory mode), the handler also brings the index in step with it
on the first request and on each invalidation.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from publisher import surrogate
from publisher.access import loopback_refusal
from publisher.conditional import evaluate
from publisher.dumps import ELSEWHERE
from publisher.file_sources import FileSource, index_files
from publisher.files import FileNotFound, find_file
from publisher.invalidation import MAX_BODY, BadInvalidation, requested_project
from publisher.routing import Immediate, NotFound, Published, Resolver, Resource
from publisher.sparql.endpoint import Answer, Endpoint, HttpRequest
from publisher.sparql.service import SparqlService
from publisher.sparql.settings import SparqlSettings
from publisher.store import DEFAULT_URL, Store, StoreError, default_files_dir, open_store
from publisher.tokens import TokenRefused, authenticate

if TYPE_CHECKING:
    from publisher.folder.service import FolderSync

__all__ = ["Handler", "Reply", "wsgi_app"]

log = logging.getLogger("ldindex.folder")
INVALIDATE = "/_/cache/invalidate"
LINKED_DATA = ("/_/sparql", "/_/void", "/.well-known/void")
SPARQL_BODY = 64 * 1024  # bytes of a POST body read for SPARQL (queries are far smaller)


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
    """Answers GET and HEAD requests for the read-only site of one store, SPARQL queries
    (GET or POST) and ``POST /_/cache/invalidate``.

    With ``folder`` (directory mode), the index is brought in step with the folder on the
    first request and on every invalidation, unless a watcher keeps it in step already.
    The SPARQL service (its helper processes) starts on first use.
    """

    def __init__(
        self,
        store: Store,
        files: FileSource,
        base: str,
        folder: FolderSync | None = None,
        sparql: SparqlSettings | None = None,
        graph_dir: Path | None = None,
        max_age: int = 60,
    ) -> None:
        self.store = store
        self.freshness = ("Cache-Control", f"public, max-age={max_age}")
        self.files = files
        self.base = base
        self.resolver = Resolver(store, base)
        self.folder = folder
        self._pending_sync = folder is not None
        self._sync_lock = threading.Lock()
        self._sparql_settings = sparql or SparqlSettings()
        self._graph_dir = graph_dir
        self._endpoint: Endpoint | None = None
        self._endpoint_lock = threading.Lock()

    @property
    def endpoint(self) -> Endpoint:
        with self._endpoint_lock:
            if self._endpoint is None:
                service = SparqlService(
                    self.store, self.store.url, self.base, self._sparql_settings, self._graph_dir
                )
                service.start()
                self._endpoint = Endpoint(service)
            return self._endpoint

    def close(self) -> None:
        """Stop the SPARQL helper processes, if any were started."""
        with self._endpoint_lock:
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
        """The answer to one request; ``headers`` with repeated lines joined by ", ";
        ``client`` is the peer's address (loopback callers may invalidate)."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        if self._pending_sync:
            self._first_sync()
        if path == INVALIDATE:
            reply = self._invalidate(method, headers, body, client)
        elif path in LINKED_DATA or _rdf_dump(path):
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
        if isinstance(target, Published):
            built = target.current()
            data = built.path.read_bytes()
            modified = parsedate_to_datetime(built.last_modified)
            validators = [
                ("ETag", built.etag),
                ("Last-Modified", built.last_modified),
                self.freshness,
                *surrogate.headers(surrogate.keys_for(None)),  # a site-wide document
            ]
            decision = evaluate(method, headers, built.etag, modified, len(data), ranges=False)
            if decision.status == 304:
                return Reply(304, b"", validators)
            if decision.status == 412:
                return _problem(412, f"precondition failed: {path} is {built.etag}")
            return Reply(200, data, [("Content-Type", target.media_type), *validators])
        try:
            body = target.render() if isinstance(target, Resource) else None
        except NotFound as exc:
            return _problem(404, str(exc))
        if body is None:
            return _problem(404, f"nothing at {path}")
        assert isinstance(target, Resource)
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        vary = "Accept" if target.vary_accept else "Accept-Encoding"
        keys = surrogate.keys_for(target.project)
        validators = [("ETag", etag), self.freshness, ("Vary", vary), *surrogate.headers(keys)]
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

    def _first_sync(self) -> None:
        with self._sync_lock:
            if self._pending_sync:
                self._pending_sync = False
                try:
                    self._sync()
                except Exception as exc:  # a read must not fail for it: say why, serve on
                    log.error("could not bring the index in step with the folder: %s", exc)

    def _sync(self) -> dict[str, int] | None:
        """Reconcile with the folder; what changed, or None if a watcher keeps it in step."""
        assert self.folder is not None
        report = self.folder()
        if report is None:
            return None
        return {
            "added": len(report.added),
            "moved": len(report.moved),
            "removed": len(report.removed),
            "refused": len(report.refused),
            "waiting": len(report.waiting),
        }

    def _invalidate(
        self, method: str, headers: Mapping[str, str], body: bytes, client: str
    ) -> Reply:
        """What ``POST /_/cache/invalidate`` does under ``ldindex serve``, and in directory
        mode a reconciliation first: an admin token, or a direct call from loopback."""
        if method != "POST":
            reply = _problem(405, f"{method} is not supported here; POST invalidates")
            reply.headers.append(("Allow", "POST"))
            return reply
        token = "authorization" in headers
        if token:
            refused = self._admin_refusal(headers["authorization"])
            if refused is not None:
                return refused
        elif (refusal := loopback_refusal(client, headers)) is not None:
            message = "cache invalidation needs an admin token, or a direct call from loopback"
            return _problem(403, f"{message}: {refusal}")
        try:
            name = requested_project(body, headers.get("content-type", ""), token)
        except BadInvalidation as exc:
            return _problem(exc.status, str(exc))
        if self.store.read_only:
            return _problem(409, "this index is served read-only: there is nothing to invalidate")
        answer: dict[str, object] = {"project": name}
        try:
            if self.folder is not None:
                answer["folder"] = self._sync()
            answer["generation"] = self.store.mark_changed(name)
        except OSError as exc:  # FolderError, or a file that could not be read
            return _problem(503, f"cannot read the folder: {exc}")
        except StoreError as exc:
            return _problem(409, f"the index cannot record the change: {exc}")
        return Reply(200, orjson.dumps(answer), [("Content-Type", "application/json")])

    def _admin_refusal(self, authorization: str) -> Reply | None:
        scheme, _, presented = authorization.partition(" ")
        try:
            if scheme.lower() != "bearer" or not presented.strip():
                raise TokenRefused("send the token as Authorization: Bearer TOKEN")
            principal = authenticate(self.store, presented.strip(), datetime.now(UTC))
        except TokenRefused as exc:
            reply = _problem(401, str(exc))
            reply.headers.append(("WWW-Authenticate", 'Bearer error="invalid_token"'))
            return reply
        if not principal.is_admin:
            return _problem(403, f"this needs an admin token; token scope is {principal.scope}")
        return None

    def _file(self, method: str, url_path: str, headers: Mapping[str, str]) -> Reply:
        try:
            found = find_file(self.store, self.files, url_path)
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


def _rdf_dump(path: str) -> bool:
    """A path under /_/dump/ the SPARQL endpoint answers (the URL map serves the others)."""
    return path.startswith("/_/dump/") and path.removeprefix("/_/dump/") not in ELSEWHERE


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
    db_url: str = DEFAULT_URL,
    files_dir: Path | None = None,
    base: str = "http://127.0.0.1:8000",
    folder: Path | None = None,
    settle: float = 1.0,
    max_age: int = 60,
) -> WSGIApp:
    """A WSGI application serving the read-only site of the store at ``db_url``.

    ``folder`` is directory mode: the index mirrors that folder (see ``Handler``), files
    resting ``settle`` seconds counting as complete; the database must then be writable.
    Pages may be reused for ``max_age`` seconds (``Cache-Control``), as ``ldindex serve``'s."""
    store = open_store(db_url)
    files_root = files_dir or default_files_dir(db_url)
    sync = None
    if folder is not None:
        from publisher.folder.service import FolderSync, WatchConfig

        config = WatchConfig(db_url, Path(folder), Path(files_root).absolute(), quiet=settle)
        sync = FolderSync(store, config)
    handler = Handler(store, index_files(store, files_root), base, sync, max_age=max_age)

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
        # read at most one byte past what any body here may hold, so that size is refused
        limit = SPARQL_BODY if path == "/_/sparql" else MAX_BODY
        body = environ["wsgi.input"].read(min(length, limit + 1)) if length > 0 else b""
        reply = handler(
            environ.get("REQUEST_METHOD", "GET"),
            path,
            environ.get("QUERY_STRING", ""),
            request_headers,
            body,
            environ.get("REMOTE_ADDR", ""),
        )
        start_response(reply.status_line, reply.headers)
        return [reply.body]

    return app
