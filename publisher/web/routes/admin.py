"""``POST /_/cache/invalidate``: drop cached renderings, of one project or all.

Until write tokens exist, only loopback clients may call it.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Query, Request, Response

from crosswalk.names import canonicalize_name
from publisher.web.errors import json_response, problem
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


@router.post("/_/cache/invalidate", summary="Drop cached renderings (all, or one project's)")
def invalidate(
    request: Request,
    project: str | None = Query(None, description="Only this project's pages"),
) -> Response:
    if not _is_loopback(request):
        return problem(403, "cache invalidation is allowed from loopback addresses only")
    cache = state_of(request).cache
    name = canonicalize_name(project) if project else None
    dropped = cache.invalidate(name)
    return json_response({"dropped": dropped, "project": name})
