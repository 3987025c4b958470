"""``POST /_/cache/invalidate``: make every worker drop cached renderings, of one project
or all, and rebuild what is derived from the store (search, listings).

It moves the store's shared generation (``Store.mark_changed``), which every worker process
checks on each request; dropping the answering worker's cache alone would leave the others
serving old pages. Callers either present an admin token (``Authorization: Bearer …``; a
token that is sent must be valid and admin, whatever the address) or make a direct loopback
call (``publisher.access``). The body is JSON, so that no HTML form or simple cross-site
request can make one.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from publisher.access import loopback_refusal
from publisher.invalidation import MAX_BODY, BadInvalidation, requested_project
from publisher.store import StoreError
from publisher.web.auth import require_admin
from publisher.web.errors import json_response, problem
from publisher.web.routes.api_common import PROBLEMS
from publisher.web.state import state_of

router = APIRouter(tags=["administration"])

_BODY = {
    "required": False,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "project": {
                        "anyOf": [{"type": "string", "minLength": 1}, {"type": "null"}],
                        "description": "Only this project's pages (null or absent: every page)",
                    }
                },
                "additionalProperties": False,
            }
        }
    },
}


@router.post(
    "/_/cache/invalidate",
    operation_id="invalidate_cache",
    summary="Drop cached renderings in every worker (all, or one project's): an admin token, "
    "or a direct call from loopback",
    openapi_extra={"requestBody": _BODY},
    responses=PROBLEMS(400, 401, 403, 409, 413, 415, 429),
)
async def invalidate(request: Request) -> Response:
    token = "authorization" in request.headers
    if token:
        require_admin(request)
    elif (refusal := loopback_refusal(_peer(request), request.headers)) is not None:
        return problem(
            403,
            f"cache invalidation needs an admin token, or a direct call from loopback: {refusal}",
        )
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            return problem(413, f"the body is over {MAX_BODY:,} bytes")
    try:
        name = requested_project(raw, request.headers.get("content-type", ""), token)
    except BadInvalidation as exc:
        return problem(exc.status, str(exc))
    store = state_of(request).store
    if store.read_only:
        return problem(409, "this index is served read-only: there is nothing to invalidate")
    try:
        generation = await anyio.to_thread.run_sync(store.mark_changed, name)
    except StoreError as exc:
        return problem(409, f"the index cannot record the change: {exc}")
    return json_response({"project": name, "generation": generation})


def _peer(request: Request) -> str:
    return request.client.host if request.client else ""
