"""``POST /_/cache/invalidate``: make every worker drop cached renderings, of one project
or all, and rebuild what is derived from the store (search, listings).

It moves the store's shared generation (``Store.mark_changed``), which every worker process
checks on each request; dropping the answering worker's cache alone would leave the others
serving old pages. Only direct loopback calls are accepted (``publisher.web.access``), with
a JSON body so that no HTML form or simple cross-site request can make one.
"""

from __future__ import annotations

import anyio.to_thread
import orjson
from fastapi import APIRouter, Request, Response

from crosswalk.names import canonicalize_name
from publisher.store import StoreError
from publisher.web.access import loopback_refusal
from publisher.web.errors import json_response, problem
from publisher.web.state import state_of

router = APIRouter(tags=["administration"])

_BODY = {
    "required": False,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "project": {"type": "string", "description": "Only this project's pages"}
                },
                "additionalProperties": False,
            }
        }
    },
}


@router.post(
    "/_/cache/invalidate",
    summary="Drop cached renderings in every worker (all, or one project's)",
    openapi_extra={"requestBody": _BODY},
)
async def invalidate(request: Request) -> Response:
    refusal = loopback_refusal(request)
    if refusal is not None:
        return problem(403, f"cache invalidation is allowed from loopback only: {refusal}")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return problem(415, "send the request as JSON (Content-Type: application/json)")
    raw = await request.body()
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
