"""uvicorn's httptools protocol with the bounds granian's HTTP core has built in.

httptools buffers a request head of any size and uvicorn waits for it forever: one client
could hold megabytes per connection, or a connection per trickled byte. This protocol
refuses a head over ``HEAD_MAX`` bytes, a header line over 8 KiB (431) or a request target
over 8 KiB (414) as the bytes arrive, and closes a connection whose request head is not
complete ``LDINDEX_HEADER_TIMEOUT`` seconds after it began (408), as granian's
``header_read_timeout`` does.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from publisher.web import guard
from publisher.web.guard import HEAD_MAX, HEADER_LINE_MAX, TARGET_MAX

__all__ = ["BoundedHttpToolsProtocol"]

DEFAULT_HEADER_TIMEOUT = 10.0


class _Refused(Exception):
    """Raised from a parser callback to stop reading a request that was answered."""


def _answer(status: int, reason: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


# The guard's answers, word for word: a request gets the same one under either server.
TOO_LARGE = _answer(431, "Request Header Fields Too Large", guard.TOO_LARGE.body)
TOO_LONG = _answer(414, "URI Too Long", guard.TARGET_TOO_LONG.body)
TIMEOUT = _answer(
    408,
    "Request Timeout",
    orjson.dumps({"error": "the request head did not arrive in time", "status": 408}),
)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` with bounded request heads and a header timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = float(
            os.environ.get("LDINDEX_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT)
        )
        self._head_bytes = 0
        self._in_head = True
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_timer()  # the first request must begin and end its head in time

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            if self._head_timer is None:
                self._start_timer()  # a head begins: it has the timeout to complete
            self._head_bytes += len(data)
            if self._head_bytes > HEAD_MAX:
                self._refuse(TOO_LARGE)
                return
        try:
            super().data_received(data)
        except _Refused:
            return

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > TARGET_MAX:
            self._refuse(TOO_LONG)
            raise _Refused

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) + len(value) > HEADER_LINE_MAX:
            self._refuse(TOO_LARGE)
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True  # what comes next on this connection is the next request
        self._head_bytes = 0

    def _start_timer(self) -> None:
        self._stop_timer()
        self._head_timer = self.loop.call_later(self._header_timeout, self._head_timed_out)

    def _stop_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            # a connection that never sent a byte is closed quietly; a started head gets 408
            if self._head_bytes:
                self.transport.write(TIMEOUT)
            self.transport.close()

    def _refuse(self, answer: bytes) -> None:
        self._stop_timer()
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()
