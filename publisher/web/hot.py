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

from publisher.cache import Rendering, ResponseCache, make_rendering
from publisher.routing import Immediate, Resource

__all__ = ["HotReads"]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


Resolver = Callable[[str, str, str], Resource | Immediate | None]


def _etag_matches(if_none_match: bytes, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == b"*":
        return True
    core = etag.strip('"').encode()
    for candidate in if_none_match.split(b","):
        tag = candidate.strip().removeprefix(b"W/").strip(b'"')
        if tag == core or tag.rsplit(b"-", 1)[0] == core:
            return True
    return False


class HotReads:
    """Serve ``Resolver``-known GET/HEAD paths from ``ResponseCache``; pass the rest on."""

    def __init__(
        self, app: ASGIApp, cache: ResponseCache, resolver: Resolver, max_age: int = 60
    ) -> None:
        self.app = app
        self.cache = cache
        self.resolver = resolver
        self.cache_control = f"public, max-age={max_age}".encode()

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
        query = scope.get("query_string", b"").decode("latin-1")
        target = self.resolver(scope["path"], accept.decode("latin-1"), query)
        if target is None:
            await self.app(scope, receive, send)
            return
        if isinstance(target, Immediate):
            await self._send_immediate(target, scope, send)
            return
        rendering = self.cache.get(target.key)
        if rendering is None:
            rendering = await anyio.to_thread.run_sync(self.render, target)
            if rendering is None:
                await self.app(scope, receive, send)
                return
        await self._send(rendering, scope, send, accept_encoding.decode("latin-1"), if_none_match)

    def render(self, target: Resource) -> Rendering | None:
        """Render and cache a resource. The generation is read before the data, so a write
        that lands during rendering makes the entry stale at once rather than never."""
        generation = self.cache.current_generation(target.project)
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
        etag = rendering.etag if encoding is None else f'{rendering.etag[:-1]}-{encoding}"'
        vary = b"Accept, Accept-Encoding" if rendering.vary_accept else b"Accept-Encoding"
        headers = [
            (b"etag", etag.encode()),
            (b"cache-control", self.cache_control),
            (b"vary", vary),
        ]
        if _etag_matches(if_none_match, rendering.etag):
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
