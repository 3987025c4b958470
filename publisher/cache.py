"""Pre-rendered responses: rendered once, compressed once, served as bytes until a write.

An entry is keyed by (path, media type) and remembers the generation of the project it
shows (or of the whole store, for pages listing every project). Each lookup first asks the
store whether anything was written since the last look (one cheap query); if so, entries
whose generation moved are dropped. So no page outlives an acknowledged write, in this
process or in any other process sharing the database.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Rendering", "ResponseCache", "make_rendering"]

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


class ResponseCache:
    """A bounded LRU of renderings, invalidated by the store's generation counters.

    ``store_generation`` returns the store-wide write counter; ``project_generations`` the
    per-project counters (called only when the store-wide one moved).
    """

    def __init__(
        self,
        store_generation: Callable[[], int],
        project_generations: Callable[[], dict[str, int]],
        max_entries: int = 20_000,
    ) -> None:
        self._store_generation = store_generation
        self._project_generations = project_generations
        self._entries: OrderedDict[tuple[str, str], Rendering] = OrderedDict()
        self._max = max_entries
        self._seen = store_generation()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def current_generation(self, project: str | None) -> int:
        """The generation a rendering made now should carry."""
        if project is None:
            return self._store_generation()
        return self._project_generations().get(project, 0)

    def get(self, key: tuple[str, str]) -> Rendering | None:
        self.refresh()
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[str, str], rendering: Rendering) -> None:
        with self._lock:
            self._entries[key] = rendering
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def refresh(self) -> None:
        """Drop entries made before a write that has happened since the last look."""
        now = self._store_generation()
        if now == self._seen:
            return
        generations = self._project_generations()
        with self._lock:
            self._seen = now
            stale = [
                key
                for key, entry in self._entries.items()
                if (entry.project is None and entry.generation != now)
                or (
                    entry.project is not None and generations.get(entry.project) != entry.generation
                )
            ]
            for key in stale:
                del self._entries[key]

    def invalidate(self, project: str | None = None) -> int:
        """Drop every entry (``project=None``) or those of one project; return how many."""
        with self._lock:
            if project is None:
                dropped = len(self._entries)
                self._entries.clear()
                return dropped
            stale = [k for k, e in self._entries.items() if e.project in (project, None)]
            for key in stale:
                del self._entries[key]
            return len(stale)
