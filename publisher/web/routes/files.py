"""``/files/…``: artefact bytes and their PEP 658 metadata, with validators and ranges.

Preconditions and ranges are decided by ``publisher.conditional``, as in the WSGI/CGI
handler; the bytes are streamed from the file store (or the served folder, in directory mode),
never read whole into memory.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
from fastapi import APIRouter, Request, Response
from starlette.convertors import Convertor, register_url_convertor

from publisher.conditional import evaluate
from publisher.files import FileNotFound, FoundFile, find_file
from publisher.web.api_models import Problem
from publisher.web.errors import combined_headers, not_found, problem
from publisher.web.hot import FILE_RANGE
from publisher.web.state import state_of

router = APIRouter(tags=["files"])

CHUNK = 256 << 10


class _FilePath(Convertor[str]):
    """A path below ``/files/`` with at least one character: ``/files/`` itself names
    nothing, so ``/files`` is no slash-redirect away from a page."""

    regex = ".+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("filepath", _FilePath())


class FileSlice(Response):
    """``length`` bytes of a found file from ``start``, streamed in chunks."""

    def __init__(self, found: FoundFile, status: int, start: int, length: int, headers) -> None:
        super().__init__(status_code=status, headers=headers, media_type=found.media_type)
        self.headers["content-length"] = str(length)
        self.found, self.start, self.length = found, start, length

    async def __call__(self, scope, receive: Callable, send: Callable) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if scope["method"] == "HEAD" or self.length == 0:
            await send({"type": "http.response.body", "body": b""})
            return
        if self.found.data is not None:
            body = self.found.data[self.start : self.start + self.length]
            await send({"type": "http.response.body", "body": body})
            return
        if FILE_RANGE in scope.get("extensions", {}):  # the server reads the file itself
            path, end = str(self.found.path), self.start + self.length
            await send({"type": FILE_RANGE, "path": path, "start": self.start, "end": end})
            return
        remaining = self.length
        async with await anyio.open_file(self.found.path, "rb") as stream:
            await stream.seek(self.start)
            while remaining > 0:
                chunk = await stream.read(min(CHUNK, remaining))
                if not chunk:  # the file shrank under us: end the answer short
                    break
                remaining -= len(chunk)
                await send(
                    {"type": "http.response.body", "body": chunk, "more_body": remaining > 0}
                )
        if remaining > 0:
            await send({"type": "http.response.body", "body": b""})


@router.head("/files/{path:filepath}", include_in_schema=False)
@router.get(
    "/files/{path:filepath}",
    operation_id="file",
    summary="An artefact, or its core metadata (PEP 658) when the path ends in .metadata",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}, "application/gzip": {}}},
        206: {"description": "The byte range asked for (Range, If-Range)"},
        304: {"description": "Not modified: the ETag sent in If-None-Match still holds"},
        404: {"description": "No file at that path", "model": Problem},
        412: {"description": "If-Match or If-Unmodified-Since did not hold", "model": Problem},
        416: {"description": "The byte range is outside the file", "model": Problem},
    },
)
def get_file(path: str, request: Request) -> Response:
    state = state_of(request)
    try:
        found = find_file(state.store, state.files, path)
    except FileNotFound as exc:
        return not_found(str(exc))
    headers = dict(found.headers)
    decision = evaluate(
        request.method, combined_headers(request), found.etag, found.modified, found.size
    )
    if decision.status == 304:
        return Response(status_code=304, headers=headers)
    if decision.status == 412:
        return problem(412, f"precondition failed: /files/{path} is {found.etag}")
    if decision.status == 416:
        response = problem(416, f"range not satisfiable: the file has {found.size} bytes")
        response.headers["content-range"] = f"bytes */{found.size}"
        return response
    if decision.status == 206:
        last = decision.end
        headers["content-range"] = f"bytes {decision.start}-{last}/{found.size}"
    return FileSlice(found, decision.status, decision.start, decision.length, headers)
