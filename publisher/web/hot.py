"""The thin ASGI layer in front of the framework: hot reads answered from cached bytes.

GET and HEAD requests for paths the ``Resolver`` knows (simple API, project and release
pages, JSON-LD, codemeta.json, landing page, sitemap) are answered here: a cache hit costs a
header scan, one generation check and one ``send``; a miss renders once on a worker thread.
Everything else, and every path the resolver declines, goes on to the framework.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread
import orjson

from publisher.cache import Rendering, ResponseCache, etag_matches, make_rendering
from publisher.routing import Immediate, NotFound, Resource

__all__ = ["HotReads"]

Scope = MutableMapping[str, Any]
MEMO_ENTRIES = 8192  # bound on the resolution memo; cleared whole when full
_UNRESOLVED = object()
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


Resolver = Callable[[str, str, str], Resource | Immediate | None]


class HotReads:
    """Serve ``Resolver``-known GET/HEAD paths from ``ResponseCache``; pass the rest on."""

    def __init__(
        self, app: ASGIApp, cache: ResponseCache, resolver: Resolver, max_age: int = 60
    ) -> None:
        self.app = app
        self.cache = cache
        self.resolver = resolver
        self.cache_control = f"public, max-age={max_age}".encode()
        self._resolved: dict[tuple[str, bytes, bytes], Resource | Immediate | None] = {}

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        accept = accept_encoding = if_none_match = b""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"accept-encoding":
                accept_encoding = value
            elif name == b"if-none-match":
                if_none_match = value
        target = self._resolve(scope["path"], accept, scope.get("query_string", b""))
        if target is None:
            await self.app(scope, receive, send)
            return
        if isinstance(target, Immediate):
            await self._send_immediate(target, scope, send)
            return
        rendering = self.cache.get(target.key)
        if rendering is None:
            try:
                rendering = await anyio.to_thread.run_sync(self.render, target)
                missing = f"nothing at {scope['path']}"
            except NotFound as exc:
                rendering, missing = None, str(exc)
            if rendering is None:  # the project or release does not exist
                message = {"error": missing, "status": 404}
                await self._send_immediate(Immediate(404, orjson.dumps(message)), scope, send)
                return
        if not if_none_match and scope["method"] == "GET":
            start, body = self._prepared_messages(rendering, accept_encoding)
            await send(start)
            await send(body)
            return
        await self._send(rendering, scope, send, accept_encoding.decode("latin-1"), if_none_match)

    def _resolve(self, path: str, accept: bytes, query: bytes) -> Resource | Immediate | None:
        """The resolver's answer, memoised: it depends on the request line and Accept alone."""
        key = (path, accept, query)
        target = self._resolved.get(key, _UNRESOLVED)
        if target is _UNRESOLVED:
            target = self.resolver(path, accept.decode("latin-1"), query.decode("latin-1"))
            if len(self._resolved) >= MEMO_ENTRIES:
                self._resolved.clear()
            self._resolved[key] = target
        return target

    def _prepared_messages(self, rendering: Rendering, accept_encoding: bytes) -> tuple[dict, dict]:
        """The two ASGI messages of a plain 200 answer, built once per rendering and
        content coding, and kept on the rendering while the cache holds it."""
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
        start = {"type": "http.response.start", "status": 200, "headers": headers}
        found = (start, {"type": "http.response.body", "body": body})
        rendering.messages[encoding] = found
        return found

    def _validators(self, rendering: Rendering, encoding: str | None) -> list[tuple[bytes, bytes]]:
        etag = rendering.etag if encoding is None else f'{rendering.etag[:-1]}-{encoding}"'
        vary = b"Accept, Accept-Encoding" if rendering.vary_accept else b"Accept-Encoding"
        return [(b"etag", etag.encode()), (b"cache-control", self.cache_control), (b"vary", vary)]

    def render(self, target: Resource) -> Rendering | None:
        """Render and cache a resource. The write counter is read before the data, so a
        rendering that a write overtook is served once and not kept."""
        generation = self.cache.current_generation()
        body = target.render()
        if body is None:
            return None
        rendering = make_rendering(
            body, target.media_type, target.project, generation, target.vary_accept
        )
        self.cache.put(target.key, rendering)
        return rendering

    async def _send(
        self,
        rendering: Rendering,
        scope: Scope,
        send: Callable,
        accept_encoding: str,
        if_none_match: bytes,
    ) -> None:
        body, encoding = rendering.variant(accept_encoding)
        headers = self._validators(rendering, encoding)
        if etag_matches(if_none_match.decode("latin-1"), rendering.etag):
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
