"""``/files/…``: artefact bytes (ETag, Last-Modified, Range) and their PEP 658 metadata."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from publisher.cache import etag_matches
from publisher.files import FileNotFound, find_file
from publisher.web.api_models import Problem
from publisher.web.errors import not_found
from publisher.web.state import state_of

router = APIRouter(tags=["files"])

IMMUTABLE = "public, max-age=31536000, immutable"


@router.head("/files/{path:path}", include_in_schema=False)
@router.get(
    "/files/{path:path}",
    operation_id="file",
    summary="An artefact, or its core metadata (PEP 658) when the path ends in .metadata",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}, "application/gzip": {}}},
        304: {"description": "Not modified: the ETag sent in If-None-Match still holds"},
        404: {"description": "No file at that path", "model": Problem},
    },
)
def get_file(path: str, request: Request) -> Response:
    state = state_of(request)
    try:
        found = find_file(state.store, state.blobs, path)
    except FileNotFound as exc:
        return not_found(str(exc))
    headers = {"etag": found.etag, "cache-control": IMMUTABLE, "last-modified": found.last_modified}
    if etag_matches(request.headers.get("if-none-match", ""), found.etag):
        return Response(status_code=304, headers=headers)
    if found.data is not None:
        return Response(found.data, media_type=found.media_type, headers=headers)
    return FileResponse(found.path, media_type=found.media_type, headers=headers)
