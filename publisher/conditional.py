"""Conditional and range requests, as RFC 9110 §13 and §14 say, for every host of the site.

``evaluate`` decides, from a request's headers and a representation's validators, whether
to answer 304, 412, 416, 206 with one byte range, or the whole 200. The ASGI files route,
the hot layer and the WSGI/CGI handler all ask it, so they cannot disagree. Headers are
passed as a mapping of lower-case names to values, repeated lines already joined with ", "
(RFC 9110 §5.3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

__all__ = ["Decision", "etag_matches", "evaluate", "parse_http_date"]

_ENTITY_TAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')
_RANGE_SPEC = re.compile(r"^(\d*)-(\d*)$")


def _entity_tags(header: str) -> list[tuple[bool, str]] | None:
    """(weak, opaque tag) pairs of an If-Match/If-None-Match list; None if malformed."""
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(header):
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            return None
        tags.append((bool(match[1]), match[2]))
        position = match.end()
    return tags


def etag_matches(header: str, *etags: str, strong: bool = False) -> bool:
    """Whether an If-Match/If-None-Match value names one of ``etags`` (the current tags of
    the representation, e.g. one per content coding). Opaque tags compare exactly; weak
    comparison (If-None-Match) ignores ``W/``, strong comparison (If-Match) refuses it."""
    header = header.strip()
    if not header:
        return False
    if header == "*":
        return True
    tags = _entity_tags(header)
    if not tags:
        return False
    current = {tag.removeprefix("W/") for tag in etags}
    return any(tag in current and not (strong and weak) for weak, tag in tags)


def parse_http_date(value: str) -> int | None:
    """An HTTP-date as whole seconds since the epoch, or None if it is not one."""
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return int(parsed.timestamp())


@dataclass(frozen=True, slots=True)
class Decision:
    """What to answer: ``status`` 200, 206 (bytes ``start``..``end`` inclusive), 304, 412
    or 416 (with ``Content-Range: bytes */size``)."""

    status: int
    start: int = 0
    end: int = -1

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def evaluate(
    method: str,
    headers: Mapping[str, str],
    etag: str,
    last_modified: datetime | None,
    size: int,
    ranges: bool = True,
) -> Decision:
    """The answer for a GET or HEAD of a representation with these validators and ``size``
    bytes, in the order of RFC 9110 §13.2.2: If-Match, If-Unmodified-Since, If-None-Match,
    If-Modified-Since, then Range (with If-Range) when ``ranges``."""
    modified = int(last_modified.timestamp()) if last_modified is not None else None
    whole = Decision(200, 0, size - 1)
    if_match = headers.get("if-match")
    if if_match is not None:
        if not etag_matches(if_match, etag, strong=True):
            return Decision(412)
    else:
        since = _date(headers, "if-unmodified-since")
        if since is not None and modified is not None and modified > since:
            return Decision(412)
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if etag_matches(if_none_match, etag):
            return Decision(304) if method in ("GET", "HEAD") else Decision(412)
    elif method in ("GET", "HEAD") and modified is not None:
        since = _date(headers, "if-modified-since")
        if since is not None and modified <= since:
            return Decision(304)
    spec = headers.get("range")
    if not ranges or spec is None or method != "GET":
        return whole
    if_range = headers.get("if-range")
    if if_range is not None and not _if_range_holds(if_range, etag, modified):
        return whole
    return _byte_range(spec, size, whole)


def _date(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    return parse_http_date(value) if value is not None else None


def _if_range_holds(value: str, etag: str, modified: int | None) -> bool:
    """If-Range names the current representation: its strong ETag, or its exact date."""
    value = value.strip()
    if value.startswith(('"', "W/")):
        return not value.startswith("W/") and value == etag
    date = parse_http_date(value)
    return date is not None and modified is not None and date == modified


def _byte_range(spec: str, size: int, whole: Decision) -> Decision:
    """One satisfiable byte range gives 206; a malformed or unsatisfiable ``bytes`` range
    416; another unit is ignored (200), and so are several ranges (this server sends no
    multipart answers)."""
    unit, _, ranges = spec.partition("=")
    if unit.strip().lower() != "bytes":
        return whole
    satisfiable: list[tuple[int, int]] = []
    for part in ranges.split(","):
        match = _RANGE_SPEC.match(part.strip())
        if match is None or match.groups() == ("", ""):
            return Decision(416)
        first, last = match.groups()
        if first:
            start = int(first)
            if last and int(last) < start:
                return Decision(416)
            end = min(int(last), size - 1) if last else size - 1
        else:
            if int(last) == 0:
                continue
            start, end = max(size - int(last), 0), size - 1
        if start < size:
            satisfiable.append((start, end))
    if not satisfiable:
        return Decision(416)
    if len(satisfiable) > 1:
        return whole
    return Decision(206, *satisfiable[0])
