"""The application under granian's RSGI interface: cached reads straight from Rust's hands.

A plain GET of a cached page (no query string, no validators, past the request guard) is
answered with one ``response_bytes`` call: RSGI hands the request over without building
ASGI's scope and messages, which saves a fifth of the server's time per request. Every
other request, and every HTTP detail, is the ASGI application's: ``AsgiOverRsgi`` runs it
on the same request, translating the scope, the body and the answer, and drives its
lifespan at worker start and stop. So ``publisher.web.hot.HotReads`` stays the one place
that decides what a request gets, under granian as under uvicorn.

What RSGI cannot carry: header values that are not visible ASCII are not handed to Python
(granian drops them), and the request path arrives decoded, so ``raw_path`` is rebuilt by
percent-encoding it again. Bodies go out through granian's stream transport, which does not
push back on a slow reader: a body read from a file is sent by granian from the file
(``FILE_RANGE``), so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from publisher.web.guard import request_problem
from publisher.web.hot import FILE_RANGE, HotReads, Plain, text_lines

__all__ = ["AsgiOverRsgi", "RsgiFront"]

log = logging.getLogger("ldindex.web")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar and "/": left as they are in raw_path
_HTTP_VERSIONS = {"1": "1.0", "1.1": "1.1", "2": "2", "3": "3"}
_NO_BODY = {"type": "http.request", "body": b"", "more_body": False}


def _address(text: str) -> tuple[str, int] | None:
    """``host:port`` (``[v6]:port``) as ASGI's (host, port); None for a Unix socket."""
    host, colon, port = text.rpartition(":")
    if not colon or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


class AsgiOverRsgi:
    """Runs an ASGI application on RSGI requests."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._lifespan: asyncio.Task | None = None
        self._events: asyncio.Queue | None = None
        self._answers: asyncio.Queue | None = None

    # -- lifespan: startup when a worker starts, shutdown when it stops --------------------

    async def startup(self) -> None:
        """Run the application's lifespan startup; raise if it fails."""
        self._events, self._answers = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        scope["state"] = self.state
        self._lifespan = asyncio.ensure_future(self.app(scope, self._events.get, self._answers.put))
        await self._events.put({"type": "lifespan.startup"})
        answer = await self._lifespan_answer()
        if answer is not None and answer["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"application startup failed: {answer.get('message', '')}")

    async def shutdown(self) -> None:
        """Run the application's lifespan shutdown, if its startup ran."""
        if self._lifespan is None or self._lifespan.done() or self._events is None:
            return
        await self._events.put({"type": "lifespan.shutdown"})
        await self._lifespan_answer()

    async def _lifespan_answer(self) -> dict | None:
        """The application's next lifespan message, or None once it has returned (an
        application without lifespan support may simply return)."""
        assert self._answers is not None and self._lifespan is not None
        answer = asyncio.ensure_future(self._answers.get())
        await asyncio.wait((answer, self._lifespan), return_when=asyncio.FIRST_COMPLETED)
        if answer.done():
            return answer.result()
        answer.cancel()
        if not self._lifespan.cancelled() and self._lifespan.exception() is not None:
            log.info("the application's lifespan ended: %s", self._lifespan.exception())
        return None

    # -- HTTP -------------------------------------------------------------------------------

    async def __call__(self, scope: Any, protocol: Any) -> None:
        path = scope.path
        asgi_scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": _HTTP_VERSIONS.get(scope.http_version, "1.1"),
            "method": scope.method,
            "scheme": scope.scheme,
            "path": path,
            "raw_path": quote(path, safe=_PATH_SAFE).encode("ascii"),
            "query_string": scope.query_string.encode("utf-8"),
            "root_path": "",
            "headers": [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in scope.headers.items()
            ],
            "client": _address(scope.client),
            "server": _address(scope.server),
            "state": dict(self.state),
            "extensions": {FILE_RANGE: {}},
        }
        await self.app(asgi_scope, _Receive(protocol), _Send(protocol))


class _Receive:
    """ASGI ``receive`` over an RSGI protocol: the body in chunks, then the disconnect."""

    __slots__ = ("_chunks", "_done", "_protocol")

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._chunks: Any = None
        self._done = False

    async def __call__(self) -> dict:
        if not self._done:
            if self._chunks is None:
                self._chunks = self._protocol.__aiter__()
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._done = True
                return _NO_BODY
            return {"type": "http.request", "body": chunk, "more_body": True}
        await self._protocol.client_disconnect()
        return {"type": "http.disconnect"}


class _Send:
    """ASGI ``send`` over an RSGI protocol."""

    __slots__ = ("_headers", "_protocol", "_status", "_stream")

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._status = 200
        self._headers: list[tuple[str, str]] = []
        self._stream: Any = None

    async def __call__(self, message: dict) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self._status = message["status"]
            self._headers = text_lines(message.get("headers", ()))
        elif kind == "http.response.body":
            body = message.get("body", b"")
            if self._stream is None:
                if not message.get("more_body", False):
                    self._protocol.response_bytes(self._status, self._headers, body)
                    return
                self._stream = self._protocol.response_stream(self._status, self._headers)
            if body:
                await self._stream.send_bytes(body)
        elif kind == FILE_RANGE:
            self._protocol.response_file_range(
                self._status, self._headers, message["path"], message["start"], message["end"]
            )
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r}")


class RsgiFront:
    """The RSGI application: cached plain reads answered at once, the rest by ``hot``."""

    def __init__(self, hot: HotReads) -> None:
        self.hot = hot
        self.bridge = AsgiOverRsgi(hot)

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self.bridge.startup())

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self.bridge.shutdown())

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        plain = self._plain_hit(scope) if scope.method == "GET" else None
        if plain is not None:
            protocol.response_bytes(200, plain.lines, plain.content)
            return
        await self.bridge(scope, protocol)

    def _plain_hit(self, scope: Any) -> Plain | None:
        """The cached answer to a plain GET, or None when the full path must answer it:
        a query string, a validator, a request the guard refuses, nothing cached."""
        if scope.query_string or scope.proto != "http":
            return None
        headers = scope.headers
        if "if-none-match" in headers:
            return None
        path = scope.path
        version = _HTTP_VERSIONS.get(scope.http_version, "")
        if request_problem(headers.items(), version, len(path)) is not None:
            return None
        rendering = self.hot.cached(path, headers.get("accept", "").encode("latin-1"))
        if rendering is None:
            return None
        return self.hot.plain(rendering, headers.get("accept-encoding", "").encode("latin-1"))
