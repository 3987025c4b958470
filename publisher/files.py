"""What a ``/files/…`` path names: an artefact's bytes, its core metadata (PEP 658) or its
detached PGP signature (``.asc``, as uploaded beside it), with the validators each is served
with. Shared by the ASGI route and the WSGI/CGI handler."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from publisher import surrogate
from publisher.blobs import BlobStore, media_type_of
from publisher.file_sources import FileNotFound, FileSource
from publisher.store import Store

__all__ = ["FileNotFound", "FoundFile", "find_file"]

METADATA_SUFFIX = ".metadata"
SIGNATURE_SUFFIX = ".asc"
IMMUTABLE = "public, max-age=31536000, immutable"  # a filename never changes its bytes


@dataclass(frozen=True, slots=True)
class FoundFile:
    """An artefact on disk (``path``) or its core metadata in memory (``data``)."""

    etag: str
    media_type: str
    modified: datetime
    size: int
    path: Path | None = None
    data: bytes | None = None
    project: str | None = None  # whose file it is: the CDN purge key (publisher.surrogate)

    @property
    def last_modified(self) -> str:
        """``modified`` as an HTTP-date, for the Last-Modified header."""
        return format_datetime(self.modified, usegmt=True)

    @property
    def headers(self) -> list[tuple[str, str]]:
        """The validators and facts every answer about this file carries (200, 206, 304)."""
        return [
            ("ETag", self.etag),
            ("Last-Modified", self.last_modified),
            ("Cache-Control", IMMUTABLE),
            ("Accept-Ranges", "bytes"),
            *(surrogate.headers(surrogate.file_keys(self.project)) if self.project else ()),
        ]

    def read(self, start: int = 0, length: int | None = None) -> bytes:
        """Bytes of the file, all or ``length`` from ``start`` (for hosts that need a body
        in memory; the ASGI route streams)."""
        if self.data is not None:
            return self.data[start : None if length is None else start + length]
        assert self.path is not None
        with self.path.open("rb") as stream:
            stream.seek(start)
            return stream.read() if length is None else stream.read(length)


def find_file(store: Store, files: FileSource, url_path: str) -> FoundFile:
    """Look up the path below ``/files/``; raise ``FileNotFound`` when it names nothing.
    The artefact's bytes come from ``files`` (the file store, or the served folder)."""
    metadata = url_path.endswith(METADATA_SUFFIX)
    signature = url_path.endswith(SIGNATURE_SUFFIX)
    artefact = url_path.removesuffix(METADATA_SUFFIX if metadata else SIGNATURE_SUFFIX)
    parsed = BlobStore.parse_url_path(artefact)
    if parsed is None:
        raise FileNotFound(f"no file at /files/{url_path}")
    sha256, filename = parsed
    record = store.get_file(filename)
    if record is None or record.hashes["sha256"] != sha256:
        raise FileNotFound(f"no file at /files/{url_path}")
    modified = record.upload_time
    if metadata:
        data = store.metadata_bytes(filename)
        if data is None or record.metadata_sha256 is None:
            raise FileNotFound(f"{filename} has no separate core metadata")
        etag = f'"{record.metadata_sha256}"'
        return FoundFile(
            etag,
            "text/plain; charset=utf-8",
            modified,
            len(data),
            data=data,
            project=record.project,
        )
    if signature:
        if record.signature is None:
            raise FileNotFound(f"{filename} was uploaded without a signature")
        data = record.signature.encode()
        etag = f'"{hashlib.sha256(data).hexdigest()}"'
        return FoundFile(
            etag,
            "application/pgp-signature",
            modified,
            len(data),
            data=data,
            project=record.project,
        )
    found = files.locate(record)
    if found is None:
        raise FileNotFound(f"{filename} is indexed but its bytes are missing from the file store")
    try:
        size = found.path.stat().st_size
    except OSError:
        raise FileNotFound(f"{filename} is indexed but its bytes are gone") from None
    return FoundFile(
        f'"{sha256}"',
        media_type_of(filename),
        modified,
        size,
        path=found.path,
        project=record.project,
    )
