"""Checks every request passes before anything reads it, under any ASGI server.

The limits are nginx's defaults, so a request that nginx in front would refuse is refused
here too, whether or not a proxy is there: a header line over 8 KiB or headers over
32 KiB in all get 431, a request target over 8 KiB gets 414, and an HTTP/1.1 request
without exactly one valid, non-empty ``Host`` gets 400 (RFC 9112 §3.2; an empty Host is for
targets without an authority, which this site does not serve). The servers bound what they
read before this runs (``publisher.web.servers``); this makes the answer the same on all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import orjson

from publisher.routing import Immediate

__all__ = ["HEADERS_TOTAL_MAX", "HEADER_LINE_MAX", "HEAD_MAX", "TARGET_MAX", "request_problem"]

HEADER_LINE_MAX = 8192
HEADERS_TOTAL_MAX = 32768
TARGET_MAX = 8192
HEAD_MAX = HEADERS_TOTAL_MAX + TARGET_MAX + 1024  # what a server may buffer of one head

# reg-name or IPv4 (RFC 3986 unreserved, sub-delims, pct-encoded), or an IP literal; port
_HOST = re.compile(rb"(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?")


def _problem(status: int, message: str) -> Immediate:
    body = orjson.dumps({"error": message, "status": status})
    return Immediate(status, body, headers=((b"connection", b"close"),))


TOO_LARGE = _problem(431, "request header fields too large (8 KiB a line, 32 KiB in all)")
TARGET_TOO_LONG = _problem(
    414, "request target too long (8 KiB at most; send a long SPARQL query with POST)"
)
NO_HOST = _problem(400, "an HTTP/1.1 request needs one Host header")
MANY_HOSTS = _problem(400, "more than one Host header")
BAD_HOST = _problem(400, "the Host header is not a host name or address")


def request_problem(
    headers: Iterable[tuple[bytes, bytes]] | Iterable[tuple[str, str]],
    http_version: str,
    target_length: int,
) -> Immediate | None:
    """The error answer a request deserves before any routing, or None if it may pass.
    Header lines come as bytes (ASGI) or as text (RSGI, where names are lower case too)."""
    if target_length > TARGET_MAX:
        return TARGET_TOO_LONG
    total = 0
    host = None
    hosts = 0
    for name, value in headers:
        size = len(name) + len(value)
        if size > HEADER_LINE_MAX:
            return TOO_LARGE
        total += size
        if name == b"host" or name == "host":
            host = value
            hosts += 1
    if total > HEADERS_TOTAL_MAX:
        return TOO_LARGE
    if hosts > 1:
        return MANY_HOSTS
    if not host:  # some servers fill in an empty Host when none was sent
        return NO_HOST if http_version == "1.1" else None
    if isinstance(host, str):
        host = host.encode("latin-1")
    return None if _HOST.fullmatch(host) else BAD_HOST
