"""``/_/dump/{name}``: the bulk downloads, as a table of names and where each comes from.

A dump is a file written ahead of time (never per request); this module only finds it and
its validators, framework-free, for the ASGI route and the WSGI handler alike. A new dump
joins by adding a row to ``DUMPS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from publisher.sparql.dumping import JSONLD_DUMP, NT_DUMP
from publisher.sparql.location import GraphLocation

__all__ = ["DUMPS", "DumpFile", "DumpNotFound", "DumpNotReady", "DumpSource", "find_dump"]


class DumpNotFound(LookupError):
    """No dump has that name."""


class DumpNotReady(LookupError):
    """The dump exists in name but has not been written yet."""


@dataclass(frozen=True, slots=True)
class DumpSource:
    """What a dump's locator may look at."""

    graph: GraphLocation


@dataclass(frozen=True, slots=True)
class DumpFile:
    path: Path
    media_type: str
    etag: str
    modified: datetime
    size: int

    @property
    def last_modified(self) -> str:
        """``modified`` as an HTTP-date, for the Last-Modified header."""
        return format_datetime(self.modified, usegmt=True)


def _graph_dump(name: str) -> Callable[[DumpSource], tuple[Path, str] | None]:
    def locate(source: DumpSource) -> tuple[Path, str] | None:
        path = source.graph.dump_dir / name
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        # From the file itself: a rewrite (a new file renamed into place) changes it, and it
        # never disagrees with the bytes being sent.
        return path, f'"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"'

    return locate


# name → (media type, locator returning the file and its ETag, or None if not written yet)
DUMPS: dict[str, tuple[str, Callable[[DumpSource], tuple[Path, str] | None]]] = {
    NT_DUMP: ("application/gzip", _graph_dump(NT_DUMP)),
    JSONLD_DUMP: ("application/gzip", _graph_dump(JSONLD_DUMP)),
}


# Dumps the URL map serves itself (``publisher.routing``), named when a name is not found.
ELSEWHERE = ("catalogue.sqlite",)


def find_dump(name: str, source: DumpSource) -> DumpFile:
    row = DUMPS.get(name)
    if row is None:
        known = ", ".join(sorted([*DUMPS, *ELSEWHERE]))
        raise DumpNotFound(f"no dump named {name!r}; the dumps are: {known}")
    media_type, locate = row
    found = locate(source)
    if found is None:
        raise DumpNotReady(f"{name} is being written; try again in a minute")
    path, etag = found
    stat = path.stat()
    modified = datetime.fromtimestamp(int(stat.st_mtime), UTC)
    return DumpFile(path, media_type, etag, modified, stat.st_size)
