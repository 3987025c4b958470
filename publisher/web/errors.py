"""Error responses: JSON bodies with a message, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

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

__all__ = ["install_error_handlers", "json_response", "not_found", "problem"]

log = logging.getLogger("ldindex.web")


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


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (Starlette's own 405 names only
    the first route that matched the path)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:  # the path matches, whatever the method
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def _status_handler(status: int) -> Any:
    async def handle(request: Request, exc: Exception) -> Response:
        return problem(status, str(exc))

    return handle


def install_error_handlers(app: FastAPI) -> None:
    """4xx and 5xx as ``{"error": …, "status": …}``; a 500 never shows its traceback."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
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
