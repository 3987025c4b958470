"""Pre-rendered responses: rendered once, compressed once, served as bytes until a write.

An entry is keyed by (path, media type) and names the project it shows (None for pages
listing every project). Entries live in partitions (``CacheClass``), each an LRU with its
own bounds, so the renderings of expensive queries, keyed by whatever a client asks, can
never evict the simple API's hot pages. Each lookup first asks the store for its write
counter (a memory read, see ``publisher.store.changes``); when it has moved, the entries of
the projects written since, and every site-wide entry, are dropped. A rendering carries the
counter read before its data was, and is not kept if a write landed while it was being made.
So no page outlives an acknowledged write, in this process or any other sharing the database.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from publisher.codings import choose_coding
from publisher.store import Store

__all__ = ["PAGES", "QUERIES", "CacheClass", "Rendering", "ResponseCache", "make_rendering"]

try:  # brotli is optional: used when installed, gzip otherwise
    import brotli
except ImportError:  # pragma: no cover - exercised only without the extra
    brotli = None

COMPRESS_MIN = 512  # bytes; smaller bodies are served as they are


@dataclass(frozen=True, slots=True)
class CacheClass:
    """A partition of the response cache and its default bounds. A ``Resource`` names its
    class; resources whose keys come from client input (search, queries) use ``QUERIES``."""

    name: str
    max_entries: int
    max_bytes: int


PAGES = CacheClass("pages", 20_000, 256 << 20)
QUERIES = CacheClass("queries", 2_000, 32 << 20)


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
    # The answers a server built for this rendering (``publisher.web.hot.Plain``), keyed by
    # content coding; they live and die with the rendering, inside the cache's bounds.
    messages: dict[str | None, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def weight(self) -> int:
        """Bytes held: the body and its compressed variants."""
        return len(self.body) + len(self.gzip or b"") + len(self.br or b"")

    @property
    def codings(self) -> tuple[str, ...]:
        """The content codings this rendering has, in the server's order of preference."""
        return tuple(c for c, body in (("br", self.br), ("gzip", self.gzip)) if body is not None)

    def variant(self, accept_encoding: str) -> tuple[bytes, str | None]:
        """The body to send for an Accept-Encoding header, and its Content-Encoding."""
        coding = choose_coding(accept_encoding, self.codings) if self.gzip is not None else None
        if coding == "br":
            return self.br, "br"  # type: ignore[return-value]
        if coding == "gzip":
            return self.gzip, "gzip"
        return self.body, None

    def etag_for(self, coding: str | None) -> str:
        """The entity tag of one content coding's variant (each is its own representation)."""
        return self.etag if coding is None else f'{self.etag[:-1]}-{coding}"'

    @property
    def etags(self) -> tuple[str, ...]:
        """Every variant's entity tag: a client holding any of them holds this content."""
        return (self.etag, *(self.etag_for(c) for c in self.codings))


def make_rendering(
    body: bytes,
    media_type: str,
    project: str | None = None,
    generation: int = 0,
    vary_accept: bool = True,
    brotli_quality: int = 9,
) -> Rendering:
    """Compress and fingerprint a rendered body once. ``brotli_quality`` trades size for
    time: 9 for pages read again and again, less for renderings few will reuse."""
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    compressible = len(body) >= COMPRESS_MIN and not media_type.startswith(
        ("application/zip", "application/gzip", "application/octet-stream")
    )
    gz = gzip.compress(body, compresslevel=9, mtime=0) if compressible else None
    br = (
        brotli.compress(body, quality=brotli_quality)
        if compressible and brotli is not None
        else None
    )
    return Rendering(body, media_type, etag, gz, br, project, generation, vary_accept)


class _Partition:
    """One LRU of renderings bounded by entries and bytes."""

    __slots__ = ("bytes", "entries", "max_bytes", "max_entries")

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.entries: OrderedDict[tuple[str, str], Rendering] = OrderedDict()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0

    def put(self, key: tuple[str, str], rendering: Rendering) -> None:
        previous = self.entries.pop(key, None)
        if previous is not None:
            self.bytes -= previous.weight
        self.entries[key] = rendering
        self.bytes += rendering.weight
        while len(self.entries) > 1 and (
            len(self.entries) > self.max_entries or self.bytes > self.max_bytes
        ):
            _, evicted = self.entries.popitem(last=False)
            self.bytes -= evicted.weight

    def drop_stale(self, changed: set[str]) -> None:
        """Drop the entries of ``changed`` projects and every site-wide entry."""
        for key in [k for k, e in self.entries.items() if e.project in changed or not e.project]:
            self.bytes -= self.entries.pop(key).weight


class ResponseCache:
    """Renderings kept true to one store, in partitions each bounded by entries and bytes.

    ``max_entries`` and ``max_bytes`` bound the ``PAGES`` partition; other classes keep
    their own defaults unless ``bounds`` overrides them.
    """

    def __init__(
        self,
        store: Store,
        max_entries: int = PAGES.max_entries,
        max_bytes: int = PAGES.max_bytes,
        bounds: dict[CacheClass, tuple[int, int]] | None = None,
    ) -> None:
        self._store = store
        self._bounds = {PAGES: (max_entries, max_bytes), **(bounds or {})}
        self._partitions: dict[CacheClass, _Partition] = {}
        self._seen = store.generation()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(p.entries) for p in self._partitions.values())

    @property
    def size_bytes(self) -> int:
        return sum(p.bytes for p in self._partitions.values())

    def current_generation(self) -> int:
        """The write counter a rendering started now carries (read it before the data)."""
        return self._store.generation()

    def get(self, key: tuple[str, str], cache_class: CacheClass = PAGES) -> Rendering | None:
        self.refresh()
        partition = self._partitions.get(cache_class)
        if partition is None:
            return None
        with self._lock:
            entry = partition.entries.get(key)
            if entry is not None:
                partition.entries.move_to_end(key)
            return entry

    def put(
        self, key: tuple[str, str], rendering: Rendering, cache_class: CacheClass = PAGES
    ) -> bool:
        """Keep a rendering unless a write landed since it began; return whether kept."""
        self.refresh()
        with self._lock:
            if rendering.generation != self._seen:
                return False
            partition = self._partitions.get(cache_class)
            if partition is None:
                bounds = self._bounds.get(cache_class)
                limits = bounds or (cache_class.max_entries, cache_class.max_bytes)
                partition = self._partitions[cache_class] = _Partition(*limits)
            partition.put(key, rendering)
            return True

    def refresh(self) -> None:
        """Drop what writes since the last look made stale: their projects' entries and
        every site-wide entry, in every partition."""
        now = self._store.generation()
        if now <= self._seen:
            return
        with self._lock:
            if now <= self._seen:  # another thread got here first
                return
            changed = set(self._store.changed_since(self._seen))
            self._seen = now
            for partition in self._partitions.values():
                partition.drop_stale(changed)
