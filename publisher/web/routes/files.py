"""``/files/…``: artefact bytes (ETag, Last-Modified, Range) and their PEP 658 metadata."""

from __future__ import annotations

from email.utils import format_datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from publisher.blobs import BlobStore, media_type_of
from publisher.web.errors import not_found
from publisher.web.state import state_of

router = APIRouter(tags=["files"])

IMMUTABLE = "public, max-age=31536000, immutable"


def _not_modified(request: Request, etag: str) -> bool:
    given = request.headers.get("if-none-match", "")
    return any(tag.strip().removeprefix("W/") == etag for tag in given.split(",")) or given == "*"


@router.head("/files/{path:path}", include_in_schema=False)
@router.get(
    "/files/{path:path}",
    operation_id="file",
    summary="An artefact, or its core metadata (PEP 658) when the path ends in .metadata",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}, "application/gzip": {}}}},
)
def get_file(path: str, request: Request) -> Response:
    state = state_of(request)
    metadata = path.endswith(".metadata")
    parsed = BlobStore.parse_url_path(path.removesuffix(".metadata"))
    if parsed is None:
        return not_found(f"no file at /files/{path}")
    sha256, filename = parsed
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
