"""``POST /_/cache/invalidate``: drop cached renderings, of one project or all.

Callers either present an admin token (``Authorization: Bearer …``) or call from a loopback
address without a proxy in between. A token that is sent must be valid and admin, whatever
the address.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Query, Request, Response

from crosswalk.names import canonicalize_name
from publisher.web.auth import require_admin
from publisher.web.errors import json_response, problem
from publisher.web.routes.api_common import PROBLEMS
from publisher.web.state import state_of

router = APIRouter(tags=["administration"])


def _is_loopback(request: Request) -> bool:
    """A client on this machine, not one relayed by a proxy running here."""
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.post(
    "/_/cache/invalidate",
    operation_id="invalidate_cache",
    summary="Drop cached renderings (all, or one project's): an admin token, or loopback",
    responses=PROBLEMS(401, 403, 413, 422, 429),
)
def invalidate(
    request: Request,
    project: str | None = Query(None, description="Only this project's pages", max_length=200),
) -> Response:
    if "authorization" in request.headers:
        require_admin(request)
    elif not _is_loopback(request):
        return problem(
            403, "cache invalidation needs an admin token, or a call from a loopback address"
        )
    cache = state_of(request).cache
    name = canonicalize_name(project) if project else None
    dropped = cache.invalidate(name)
    return json_response({"dropped": dropped, "project": name})
