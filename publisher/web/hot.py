"""The thin ASGI layer in front of the framework: hot reads answered from cached bytes.

GET and HEAD requests for paths the ``Resolver`` knows (simple API, project and release
pages, JSON-LD, codemeta.json, landing page, sitemap) are answered here: a cache hit costs a
header scan, one generation check and one ``send``; a miss renders once on a worker thread.
A few paths have an ASGI application of their own, called here without the framework's
routing (``/_/sparql``: a cheap query costs less than that routing). Everything else, and
every path the resolver declines, goes on to the framework.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from functools import lru_cache
from typing import Any

import anyio
import anyio.to_thread
import orjson

from publisher import surrogate
from publisher.cache import QUERIES, Rendering, ResponseCache, make_rendering
from publisher.codings import choose_coding
from publisher.conditional import etag_matches, parse_http_date
from publisher.published import Built
from publisher.render.media import media_ranges
from publisher.routing import Immediate, NotFound, Published, Resource
from publisher.web.guard import request_problem

__all__ = ["FILE_RANGE", "HotReads", "Plain", "text_lines"]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]
Resolver = Callable[[str, str, str], Resource | Published | Immediate | None]
SEND_CHUNK = 1 << 20
# Brotli quality for renderings of client queries (search): quality 9 costs 3.5 ms on a
# 15 KB results page, more than the search itself; 5 costs 0.2 ms for a body a few percent
# larger. Pages read again and again keep 9.
QUERY_BROTLI_QUALITY = 5
# Renderings of client queries run at most this many at a time per worker: each thread that
# searches keeps a database connection with its page cache, so 40 concurrent searches would
# cost a worker some 200 MB; a few threads answer as many searches per second.
QUERY_THREADS = 4

# The resolution memo remembers what a request line and Accept header resolve to. It holds
# at most MEMO_ENTRIES answers to requests of at most MEMO_INPUT bytes of path and Accept
# (2 MiB of keys in all) and is keyed by the media ranges Accept names, not its raw text;
# requests with a query string or longer input are resolved afresh each time.
MEMO_ENTRIES = 4096
MEMO_INPUT = 512
_UNRESOLVED = object()

# An ASGI extension a server may offer (``publisher.web.rsgi`` does), like ASGI's
# ``http.response.pathsend`` for a part of a file: after ``http.response.start``, send
# ``{"type": FILE_RANGE, "path", "start", "end"}`` and the server sends bytes ``start`` to
# ``end`` (exclusive) of the file itself, reading only as fast as the client takes them.
FILE_RANGE = "ldindex.file_range"


def text_lines(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """ASGI's header lines (bytes) as RSGI takes them (text)."""
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]


class Plain:
    """A plain 200 answer in the forms the servers take: ASGI's two messages (``start``,
    ``body``), and the header lines as text with the body bytes (``lines``, ``content``)
    for granian's RSGI interface (``publisher.web.rsgi``)."""

    __slots__ = ("body", "content", "lines", "start")

    def __init__(self, headers: list[tuple[bytes, bytes]], content: bytes) -> None:
        self.start = {"type": "http.response.start", "status": 200, "headers": headers}
        self.body = {"type": "http.response.body", "body": content}
        self.lines = text_lines(headers)
        self.content = content


@lru_cache(maxsize=4096)
def _surrogate_headers(project: str | None) -> tuple[tuple[bytes, bytes], ...]:
    """The CDN purge keys of a rendering (``publisher.surrogate``), as header lines."""
    lines = surrogate.headers(surrogate.keys_for(project))
    return tuple((name.lower().encode(), value.encode()) for name, value in lines)


def _freshness(max_age: int, cdn_max_age: int) -> tuple[tuple[bytes, bytes], ...]:
    """How long a rendering may be reused: ``max_age`` for every cache; ``cdn_max_age``
    (when set) for CDNs alone, in the two headers they read and do not pass on
    (``Surrogate-Control``; ``CDN-Cache-Control``, RFC 9213). A CDN can keep pages that
    long because ``ldindex changes`` tells it what to purge on every write."""
    lines = [(b"cache-control", f"public, max-age={max_age}".encode())]
    if cdn_max_age:
        edge = f"max-age={cdn_max_age}".encode()
        lines += [(b"surrogate-control", edge), (b"cdn-cache-control", edge)]
    return tuple(lines)


@lru_cache(maxsize=512)
def _accept_key(accept: bytes) -> tuple[tuple[str, float], ...]:
    return media_ranges(accept.decode("latin-1"))


class HotReads:
    """Serve ``Resolver``-known GET/HEAD paths from ``ResponseCache``; pass the rest on.

    Every HTTP request first passes ``publisher.web.guard`` (sizes, Host). Paths in
    ``direct`` (``/_/sparql``) then go, any method, to their own ASGI application, which
    answers them as the framework's route would, without its routing and middleware."""

    def __init__(
        self,
        app: ASGIApp,
        cache: ResponseCache,
        resolver: Resolver,
        max_age: int = 60,
        direct: Mapping[str, ASGIApp] | None = None,
        cdn_max_age: int = 0,
    ) -> None:
        self.app = app
        self.direct = dict(direct or {})
        self.cache = cache
        self.resolver = resolver
        self.cache_headers = _freshness(max_age, cdn_max_age)
        self._resolved: dict[tuple, Resource | Published | Immediate | None] = {}
        self._query_limiter: anyio.CapacityLimiter | None = None

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        query = scope.get("query_string", b"")
        problem = request_problem(
            headers,
            scope.get("http_version", "1.1"),
            len(scope.get("raw_path") or b"") + len(query),
        )
        if problem is not None:
            await self._send_immediate(problem, scope, send)
            return
        direct = self.direct.get(scope["path"])
        if direct is not None:
            await direct(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        accept = accept_encoding = if_modified_since = b""
        if_none_match: bytes | None = None
        for name, value in headers:
            if name == b"accept":
                accept = value
            elif name == b"accept-encoding":
                accept_encoding = value
            elif name == b"if-none-match":  # repeated lines form one list (RFC 9110 §5.3)
                if_none_match = value if if_none_match is None else if_none_match + b", " + value
            elif name == b"if-modified-since":
                if_modified_since = value
        target = self._resolve(scope["path"], accept, query)
        if target is None:
            await self.app(scope, receive, send)
            return
        if isinstance(target, Immediate):
            await self._send_immediate(target, scope, send)
            return
        if isinstance(target, Published):
            built = await anyio.to_thread.run_sync(target.current)
            await self._send_published(
                target, built, scope, send, accept_encoding, if_none_match, if_modified_since
            )
            return
        rendering = self.cache.get(target.key, target.cache)
        if rendering is None:
            try:
                rendering = await anyio.to_thread.run_sync(
                    self.render, target, limiter=self._limiter(target)
                )
                missing = f"nothing at {scope['path']}"
            except NotFound as exc:
                rendering, missing = None, str(exc)
            if rendering is None:  # the project or release does not exist
                message = {"error": missing, "status": 404}
                await self._send_immediate(Immediate(404, orjson.dumps(message)), scope, send)
                return
        if if_none_match is None and scope["method"] == "GET":
            plain = self.plain(rendering, accept_encoding)
            await send(plain.start)
            await send(plain.body)
            return
        await self._send(rendering, scope, send, accept_encoding.decode("latin-1"), if_none_match)

    def _resolve(
        self, path: str, accept: bytes, query: bytes
    ) -> Resource | Published | Immediate | None:
        """The resolver's answer, memoised for short requests without a query string."""
        if query or len(path) + len(accept) > MEMO_INPUT:
            return self.resolver(path, accept.decode("latin-1"), query.decode("latin-1"))
        key = (path, _accept_key(accept))
        target = self._resolved.get(key, _UNRESOLVED)
        if target is _UNRESOLVED:
            target = self.resolver(path, accept.decode("latin-1"), "")
            if len(self._resolved) >= MEMO_ENTRIES:
                self._resolved.clear()
            self._resolved[key] = target
        return target  # type: ignore[return-value]

    def _limiter(self, target: Resource) -> anyio.CapacityLimiter | None:
        """The thread limit for rendering ``target``: queries have their own, small one."""
        if target.cache is not QUERIES:
            return None
        if self._query_limiter is None:  # made inside the event loop, on first use
            self._query_limiter = anyio.CapacityLimiter(QUERY_THREADS)
        return self._query_limiter

    def cached(self, path: str, accept: bytes) -> Rendering | None:
        """The cached rendering a plain GET of ``path`` (no query string) is answered with,
        or None when the full path must answer it (another kind of target, not cached)."""
        target = self._resolve(path, accept, b"")
        if not isinstance(target, Resource):
            return None
        return self.cache.get(target.key, target.cache)

    def plain(self, rendering: Rendering, accept_encoding: bytes) -> Plain:
        """The plain 200 answer to a GET of ``rendering``, built once per content coding
        and kept on the rendering while the cache holds it."""
        body, encoding = rendering.variant(accept_encoding.decode("latin-1"))
        found = rendering.messages.get(encoding)
        if found is not None:
            return found
        headers = [
            *self._validators(rendering, encoding),
            (b"content-type", rendering.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if encoding is not None:
            headers.append((b"content-encoding", encoding.encode()))
        found = rendering.messages[encoding] = Plain(headers, body)
        return found

    def _validators(self, rendering: Rendering, encoding: str | None) -> list[tuple[bytes, bytes]]:
        etag = rendering.etag_for(encoding)
        vary = b"Accept, Accept-Encoding" if rendering.vary_accept else b"Accept-Encoding"
        return [
            (b"etag", etag.encode()),
            *self.cache_headers,
            (b"vary", vary),
            *_surrogate_headers(rendering.project),
        ]

    def render(self, target: Resource) -> Rendering | None:
        """Render and cache a resource. The write counter is read before the data, so a
        rendering that a write overtook is served once and not kept."""
        generation = self.cache.current_generation()
        body = target.render()
        if body is None:
            return None
        quality = QUERY_BROTLI_QUALITY if target.cache is QUERIES else 9
        rendering = make_rendering(
            body, target.media_type, target.project, generation, target.vary_accept, quality
        )
        self.cache.put(target.key, rendering, target.cache)
        return rendering

    async def _send_published(
        self,
        target: Published,
        built: Built,
        scope: Scope,
        send: Callable,
        accept_encoding: bytes,
        if_none_match: bytes | None,
        if_modified_since: bytes,
    ) -> None:
        """A built document from its file: 304 when the client's copy is current, else the
        best variant the client accepts, sent in chunks."""
        offered = tuple(c for c in ("zstd", "gzip") if c in built.variants)
        coding = choose_coding(accept_encoding.decode("latin-1"), offered)
        etag = built.etag_for(coding)
        vary = b"Accept, Accept-Encoding" if target.vary_accept else b"Accept-Encoding"
        headers = [
            (b"etag", etag.encode()),
            (b"last-modified", built.last_modified.encode()),
            *self.cache_headers,
            (b"vary", vary),
            *_surrogate_headers(None),  # built from the whole catalogue: a site-wide document
        ]
        if if_none_match is not None:
            every = (built.etag, *(built.etag_for(c) for c in built.variants))
            fresh = etag_matches(if_none_match.decode("latin-1"), *every)
        else:
            since = parse_http_date(if_modified_since.decode("latin-1"))
            modified = parse_http_date(built.last_modified)
            fresh = since is not None and modified is not None and modified <= since
        if fresh:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            handle = built.variant(coding).open("rb")
        except FileNotFoundError:  # replaced by a newer build between manifest and open
            built = await anyio.to_thread.run_sync(target.current)
            coding = None
            headers[0] = (b"etag", built.etag.encode())
            handle = built.path.open("rb")
        with handle:
            size = os.fstat(handle.fileno()).st_size
            headers.append((b"content-type", target.media_type.encode()))
            headers.append((b"content-length", str(size).encode()))
            if coding is not None:
                headers.append((b"content-encoding", coding.encode()))
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            if scope["method"] == "HEAD":
                await send({"type": "http.response.body", "body": b""})
                return
            if FILE_RANGE in scope.get("extensions", {}):  # builds are never rewritten in place
                await send({"type": FILE_RANGE, "path": handle.name, "start": 0, "end": size})
                return
            while True:
                chunk = await anyio.to_thread.run_sync(handle.read, SEND_CHUNK)
                more = len(chunk) == SEND_CHUNK
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    return

    async def _send(
        self,
        rendering: Rendering,
        scope: Scope,
        send: Callable,
        accept_encoding: str,
        if_none_match: bytes | None,
    ) -> None:
        body, encoding = rendering.variant(accept_encoding)
        headers = self._validators(rendering, encoding)
        if if_none_match is not None and etag_matches(
            if_none_match.decode("latin-1"), *rendering.etags
        ):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-type", rendering.media_type.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        if encoding is not None:
            headers.append((b"content-encoding", encoding.encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    @staticmethod
    async def _send_immediate(target: Immediate, scope: Scope, send: Callable) -> None:
        headers = [
            (b"content-type", target.media_type.encode()),
            (b"content-length", str(len(target.body)).encode()),
            *target.headers,
        ]
        await send({"type": "http.response.start", "status": target.status, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else target.body
        await send({"type": "http.response.body", "body": body})
