"""Where an indexed file's bytes are read from, behind one protocol.

Artefacts ingested with ``ldindex ingest`` live in the content-addressed file store
(``publisher.blobs``); in directory mode they stay in the served folder, at the path the
index recorded for each (``Store.folder_entry``), with no second copy. The ASGI route, the
WSGI/CGI handler and the static export ask a ``FileSource`` and never which mode they are
in; ``index_files`` gives the source an index needs: its folder first, then its file store.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol, runtime_checkable

from crosswalk.records import DistributionFile
from publisher.store import Store

__all__ = [
    "FileNotFound",
    "FileSource",
    "FirstFound",
    "FolderFiles",
    "Located",
    "index_files",
]


class FileNotFound(LookupError):
    """Nothing is served at this path; the message says why."""


@dataclass(frozen=True, slots=True)
class Located:
    """Where a file's bytes are. ``immutable`` bytes (the file store's) may be hard-linked
    into an export; a folder's may be rewritten in place by their owner, so are copied."""

    path: Path
    immutable: bool


@runtime_checkable
class FileSource(Protocol):
    """Finds the bytes of indexed files."""

    def locate(self, record: DistributionFile) -> Located | None:
        """Where ``record``'s bytes are, or None when this source does not hold them.
        Raises ``FileNotFound`` when it holds the file but cannot serve it now."""


class FolderFiles:
    """Files indexed from a served folder, found by the path the index recorded.

    A file is served only while its size and modification time are those it was read
    with: bytes changed in place are never served under the old digest, even in the moment
    before the watcher withdraws them. ``root`` defaults to the folder the store records,
    looked up again whenever the store's generation moves.
    """

    def __init__(self, store: Store, root: Path | None = None) -> None:
        self.store = store
        self._fixed = root
        self._root: tuple[int, Path | None] | None = None

    @property
    def root(self) -> Path | None:
        if self._fixed is not None:
            return self._fixed
        generation = self.store.generation()
        if self._root is None or self._root[0] != generation:
            recorded = self.store.folder_root()
            self._root = (generation, Path(recorded) if recorded else None)
        return self._root[1]

    def locate(self, record: DistributionFile) -> Located | None:
        root = self.root
        if root is None:
            return None
        entry = self.store.folder_entry(record.filename)
        if entry is None:
            return None
        relative = PurePosixPath(entry.path)
        if relative.is_absolute() or ".." in relative.parts:
            raise FileNotFound(f"{record.filename}: its recorded place is outside the folder")
        path = root.joinpath(*relative.parts)
        try:
            info = path.stat()
        except OSError:
            raise FileNotFound(f"{record.filename} is no longer in the served folder") from None
        if not stat.S_ISREG(info.st_mode) or (info.st_size, info.st_mtime_ns) != (
            entry.size,
            entry.mtime_ns,
        ):
            raise FileNotFound(f"{record.filename} changed in the served folder since it was read")
        return Located(path, immutable=False)


class FirstFound:
    """Asks each source in turn; the first that holds a file serves it."""

    def __init__(self, sources: Sequence[FileSource]) -> None:
        self.sources = tuple(sources)

    def locate(self, record: DistributionFile) -> Located | None:
        for source in self.sources:
            if (found := source.locate(record)) is not None:
                return found
        return None


def index_files(store: Store, files_dir: Path) -> FileSource:
    """An index's files: those in its served folder, if it mirrors one, then its file store."""
    from publisher.blobs import BlobStore  # which imports ``Located`` from here

    return FirstFound([FolderFiles(store), BlobStore(files_dir)])
