"""``POST /_/cache/invalidate``: make every worker drop cached renderings, of one project
or all, and rebuild what is derived from the store (search, listings).

It moves the store's shared generation (``Store.mark_changed``), which every worker process
checks on each request; dropping the answering worker's cache alone would leave the others
serving old pages. Callers either present an admin token (``Authorization: Bearer …``; a
token that is sent must be valid and admin, whatever the address) or make a direct loopback
call (``publisher.web.access``). The body is JSON, so that no HTML form or simple cross-site
request can make one.
"""

from __future__ import annotations

import anyio.to_thread
import orjson
from fastapi import APIRouter, Request, Response

from crosswalk.names import canonicalize_name
from publisher.store import StoreError
from publisher.web.access import loopback_refusal
from publisher.web.auth import require_admin
from publisher.web.errors import json_response, problem
from publisher.web.routes.api_common import PROBLEMS
from publisher.web.state import state_of

router = APIRouter(tags=["administration"])

MAX_BODY = 4096  # bytes: {"project": NAME} needs far less

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
    elif (refusal := loopback_refusal(request)) is not None:
        return problem(
            403,
            f"cache invalidation needs an admin token, or a direct call from loopback: {refusal}",
        )
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            return problem(413, f"the body is over {MAX_BODY:,} bytes")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # Without a token, only a JSON request will do: no HTML form or simple cross-site
    # request can send one. A token holder may send no body at all.
    if media_type != "application/json" and (raw.strip() or not token):
        return problem(415, "send the request as JSON (Content-Type: application/json)")
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as exc:
        return problem(400, f"the body is not JSON: {exc}")
    if not isinstance(body, dict) or set(body) - {"project"}:
        return problem(400, 'the body is {} for every page or {"project": NAME} for one')
    project = body.get("project")
    if project is not None and (not isinstance(project, str) or not project.strip()):
        return problem(400, '"project" must be a project name')
    name = canonicalize_name(project) if project else None
    store = state_of(request).store
    if store.read_only:
        return problem(409, "this index is served read-only: there is nothing to invalidate")
    try:
        generation = await anyio.to_thread.run_sync(store.mark_changed, name)
    except StoreError as exc:
        return problem(409, f"the index cannot record the change: {exc}")
    return json_response({"project": name, "generation": generation})
