"""Pre-rendered responses: rendered once, compressed once, served as bytes until a write.

An entry is keyed by (path, media type) and names the project it shows (None for pages
listing every project). Each lookup first asks the store for its write counter (a memory
read, see ``publisher.store.changes``); when it has moved, the entries of the projects
written since, and every site-wide entry, are dropped. A rendering carries the counter read
before its data was, and is not kept if a write landed while it was being made. So no page
outlives an acknowledged write, in this process or any other sharing the database.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from publisher.store import Store

__all__ = ["Rendering", "ResponseCache", "etag_matches", "make_rendering"]

try:  # brotli is optional: used when installed, gzip otherwise
    import brotli
except ImportError:  # pragma: no cover - exercised only without the extra
    brotli = None

COMPRESS_MIN = 512  # bytes; smaller bodies are served as they are


@dataclass(frozen=True, slots=True)
class Rendering:
    """A response body with its compressed variants and validators."""

    body: bytes
    media_type: str
    etag: str
    gzip: bytes | None = None
    br: bytes | None = None
    project: str | None = None
    generation: int = 0
    vary_accept: bool = True
    # ASGI messages a server built for this rendering, keyed by content coding; they live
    # and die with the rendering, inside the cache's bounds.
    messages: dict[str | None, tuple[dict, dict]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def weight(self) -> int:
        """Bytes held: the body and its compressed variants."""
        return len(self.body) + len(self.gzip or b"") + len(self.br or b"")

    def variant(self, accept_encoding: str) -> tuple[bytes, str | None]:
        """The body to send for an Accept-Encoding header, and its Content-Encoding."""
        if self.br is not None and "br" in accept_encoding:
            return self.br, "br"
        if self.gzip is not None and "gzip" in accept_encoding:
            return self.gzip, "gzip"
        return self.body, None


def make_rendering(
    body: bytes,
    media_type: str,
    project: str | None = None,
    generation: int = 0,
    vary_accept: bool = True,
) -> Rendering:
    """Compress and fingerprint a rendered body once."""
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    compressible = len(body) >= COMPRESS_MIN and not media_type.startswith(
        ("application/zip", "application/gzip", "application/octet-stream")
    )
    gz = gzip.compress(body, compresslevel=9, mtime=0) if compressible else None
    br = brotli.compress(body, quality=9) if compressible and brotli is not None else None
    return Rendering(body, media_type, etag, gz, br, project, generation, vary_accept)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak or strong, or ``*``). A tag with
    a content-coding suffix (``"…-gzip"``, as sent for a compressed variant) names it too."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    core = etag.strip('"')
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/").strip('"')
        if tag == core or tag.rsplit("-", 1)[0] == core:
            return True
    return False


class ResponseCache:
    """An LRU of renderings bounded by entries and bytes, kept true to one store."""

    def __init__(self, store: Store, max_entries: int = 20_000, max_bytes: int = 256 << 20) -> None:
        self._store = store
        self._entries: OrderedDict[tuple[str, str], Rendering] = OrderedDict()
        self._max = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._seen = store.generation()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def current_generation(self) -> int:
        """The write counter a rendering started now carries (read it before the data)."""
        return self._store.generation()

    def get(self, key: tuple[str, str]) -> Rendering | None:
        self.refresh()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, str], rendering: Rendering) -> bool:
        """Keep a rendering unless a write landed since it began; return whether kept."""
        self.refresh()
        with self._lock:
            if rendering.generation != self._seen:
                return False
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous.weight
            self._entries[key] = rendering
            self._bytes += rendering.weight
            while len(self._entries) > 1 and (
                len(self._entries) > self._max or self._bytes > self._max_bytes
            ):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.weight
            return True

    def refresh(self) -> None:
        """Drop what writes since the last look made stale: their projects' entries and
        every site-wide entry."""
        now = self._store.generation()
        if now <= self._seen:
            return
        with self._lock:
            if now <= self._seen:  # another thread got here first
                return
            changed = set(self._store.changed_since(self._seen))
            self._seen = now
            self._drop(
                [k for k, e in self._entries.items() if e.project in changed or not e.project]
            )

    def invalidate(self, project: str | None = None) -> int:
        """Drop every entry (``project=None``) or those of one project and the site-wide
        ones; return how many."""
        with self._lock:
            if project is None:
                dropped = len(self._entries)
                self._entries.clear()
                self._bytes = 0
                return dropped
            stale = [k for k, e in self._entries.items() if e.project in (project, None)]
            self._drop(stale)
            return len(stale)

    def _drop(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self._bytes -= self._entries.pop(key).weight
