"""Error responses: JSON bodies with a message, never a traceback."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from publisher.extrinsic.kinds import InvalidItem
from publisher.extrinsic.writes import KindMismatch
from publisher.store import (
    ItemConflict,
    ItemGone,
    ItemNotFound,
    RevisionConflict,
    TargetNotFound,
)

__all__ = [
    "allow_header",
    "allowed_methods",
    "combined_headers",
    "install_error_handlers",
    "json_response",
    "not_found",
    "problem",
    "slash_redirect",
]

log = logging.getLogger("ldindex.web")


def combined_headers(request: Request) -> dict[str, str]:
    """Request headers by lower-case name, repeated lines joined into one list (RFC 9110
    §5.3), as ``publisher.conditional`` reads them."""
    combined: dict[str, str] = {}
    for name, value in request.headers.items():
        combined[name] = f"{combined[name]}, {value}" if name in combined else value
    return combined


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": message, "status": status}, status, headers)


def not_found(message: str) -> Response:
    return problem(404, message)


# Domain errors a write can raise, and the status each answers with.
ERROR_STATUSES: dict[type[Exception], int] = {
    TargetNotFound: 404,
    ItemNotFound: 404,
    ItemGone: 410,
    ItemConflict: 409,
    KindMismatch: 409,
    RevisionConflict: 412,
    InvalidItem: 422,
}


def _validation_details(errors: Any) -> str:
    """Each bad field by its path; unknown fields said so plainly."""
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ()))
        message = " ".join(str(e.get("msg", "invalid")).removeprefix("Value error, ").split())
        if e.get("type") == "extra_forbidden":
            message = "unknown field"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _leaf_routes(routes: Any) -> Any:
    """The routes themselves, also inside included routers (FastAPI wraps an included router
    in one route object; ours are included without a prefix, so paths match as declared)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaf_routes(inner.routes)
        else:
            yield route


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (Starlette's own 405 names only
    the first route that matched the path)."""
    methods: set[str] = set()
    for route in _leaf_routes(request.app.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE:  # the path matches, whatever the method
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def _status_handler(status: int) -> Any:
    async def handle(request: Request, exc: Exception) -> Response:
        return problem(status, str(exc))

    return handle


def slash_redirect(request: Request) -> Response | None:
    """A redirect to the same path with its trailing slash added or removed, when that path
    is routed. Location is relative: it never repeats a Host header a client sent."""
    path = request.url.path
    if path == "/":
        return None
    other = path[:-1] if path.endswith("/") else f"{path}/"
    scope = {**request.scope, "path": other}
    if not any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
        return None
    query = request.scope.get("query_string", b"").decode("latin-1")
    location = quote(other) + (f"?{quote(query, safe='=&%+:/;,')}" if query else "")
    body = {"error": "moved", "location": location, "status": 307}
    return json_response(body, 307, {"location": location})


def allow_header(allowed: str) -> str:
    """The Allow value for a route's methods: HEAD is answered wherever GET is (the hot
    layer and every GET route here do), though FastAPI declares it as a route of its own."""
    methods = {m.strip().upper() for m in allowed.split(",") if m.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    """4xx and 5xx as ``{"error": …, "status": …}``; a 500 never shows its traceback."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            moved = slash_redirect(request)
            if moved is not None:
                return moved
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        if exc.status_code == 405:  # a route matched the path, not the method
            served = ", ".join(allowed_methods(request)) or headers.get("allow", "")
            headers["allow"] = allow_header(served)
        return problem(exc.status_code, str(exc.detail), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return problem(422, f"invalid request: {_validation_details(exc.errors())}")

    for error_class, status in ERROR_STATUSES.items():
        app.add_exception_handler(error_class, _status_handler(status))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        return problem(500, "internal error; the server log has the details")
