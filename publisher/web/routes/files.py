"""``/files/…``: artefact bytes (ETag, Last-Modified, Range) and their PEP 658 metadata."""

from __future__ import annotations

import re
from email.utils import format_datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from publisher.web.errors import not_found
from publisher.web.state import state_of

router = APIRouter(tags=["files"])

# {sha256[:2]}/{sha256[2:4]}/{sha256[4:]}/{filename}, as publisher.blobs lays files out.
FILE_PATH = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{60})/([^/]+)$")
IMMUTABLE = "public, max-age=31536000, immutable"

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
    lower = filename.lower()
    return next((t for s, t in MEDIA_TYPES if lower.endswith(s)), "application/octet-stream")


def _not_modified(request: Request, etag: str) -> bool:
    given = request.headers.get("if-none-match", "")
    return any(tag.strip().removeprefix("W/") == etag for tag in given.split(",")) or given == "*"


@router.api_route(
    "/files/{path:path}",
    methods=["GET", "HEAD"],
    summary="An artefact, or its core metadata (PEP 658) when the path ends in .metadata",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}, "application/gzip": {}}}},
)
def get_file(path: str, request: Request) -> Response:
    state = state_of(request)
    metadata = path.endswith(".metadata")
    match = FILE_PATH.match(path.removesuffix(".metadata"))
    if not match:
        return not_found(f"no file at /files/{path}")
    sha256 = "".join(match.groups()[:3])
    filename = match[4]
    record = state.store.get_file(filename)
    if record is None or record.hashes["sha256"] != sha256:
        return not_found(f"no file at /files/{path}")
    last_modified = format_datetime(record.upload_time, usegmt=True)
    if metadata:
        data = state.store.metadata_bytes(filename)
        if data is None or record.metadata_sha256 is None:
            return not_found(f"{filename} has no separate core metadata")
        etag = f'"{record.metadata_sha256}"'
        headers = {"etag": etag, "cache-control": IMMUTABLE, "last-modified": last_modified}
        if _not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        return Response(data, media_type="text/plain; charset=utf-8", headers=headers)
    blob = state.blobs.path(record.url_path)
    if not blob.is_file():
        return not_found(f"{filename} is indexed but its bytes are missing from the file store")
    etag = f'"{sha256}"'
    headers = {"etag": etag, "cache-control": IMMUTABLE, "last-modified": last_modified}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return FileResponse(blob, media_type=media_type_of(filename), headers=headers)
