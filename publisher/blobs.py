"""Where artefact bytes live: a content-addressed directory tree, served under ``/files/``.

A file's path is ``{sha256[:2]}/{sha256[2:4]}/{sha256[4:]}/{filename}``: immutable, so it
can be cached forever and copied as-is into a static export. Bytes are written to a
temporary file first and renamed into place, so a process that dies never leaves a partial
file under a final name. (Files are not fsynced, for throughput: after a power loss the
operating system may have kept a row whose file it had not yet written.)
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from crosswalk.records import DistributionFile
from publisher.file_sources import Located

__all__ = ["BlobStore", "media_type_of"]

_URL_PATH = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{60})/([^/]+)$")

MEDIA_TYPES = (
    (".whl", "application/zip"),
    (".zip", "application/zip"),
    (".egg", "application/zip"),
    (".tar.gz", "application/gzip"),
    (".tgz", "application/gzip"),
    (".tar.bz2", "application/x-bzip2"),
    (".tar.xz", "application/x-xz"),
    (".asc", "application/pgp-signature"),
)


def media_type_of(filename: str) -> str:
    """The content type an artefact is served with."""
    lower = filename.lower()
    return next((t for s, t in MEDIA_TYPES if lower.endswith(s)), "application/octet-stream")


class BlobStore:
    """A directory of artefact files keyed by content hash and filename."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp = self.root / ".tmp"

    @staticmethod
    def url_path(sha256: str, filename: str) -> str:
        """The file's path below the blob root and below ``/files/``."""
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256[4:]}/{filename}"

    @staticmethod
    def parse_url_path(url_path: str) -> tuple[str, str] | None:
        """(sha256, filename) of a well-formed path below the root, else None."""
        match = _URL_PATH.match(url_path)
        return ("".join(match.groups()[:3]), match[4]) if match else None

    def path(self, url_path: str) -> Path:
        return self.root / url_path

    def locate(self, record: DistributionFile) -> Located | None:
        """Where the store holds ``record``'s bytes, if it does (a ``FileSource``)."""
        found = self.path(record.url_path)
        return Located(found, immutable=True) if found.is_file() else None

    def open_temp(self) -> BinaryIO:
        """A new temporary file in the store, to be committed or discarded."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=self._tmp, delete=False, prefix="ingest-")

    def commit(self, temp: Path, url_path: str) -> Path:
        """Move a finished temporary file to its final, content-addressed place."""
        final = self.path(url_path)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp, 0o644)  # published bytes: readable by a web server serving an export
        os.replace(temp, final)
        return final

    def discard(self, temp: Path) -> None:
        temp.unlink(missing_ok=True)

    def sweep_temp(self, older_than: float = 600.0) -> int:
        """Remove temporary files an interrupted ingest left (untouched for ``older_than``
        seconds, so a concurrent ingest's files in progress stay); return how many."""
        if not self._tmp.is_dir():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for leftover in self._tmp.iterdir():
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
                removed += 1
        return removed
