"""Error responses: JSON bodies with a message, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

__all__ = ["install_error_handlers", "json_response", "not_found", "problem"]

log = logging.getLogger("ldindex.web")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def problem(status: int, message: str) -> Response:
    return json_response({"error": message, "status": status}, status)


def not_found(message: str) -> Response:
    return problem(404, message)


def install_error_handlers(app: FastAPI) -> None:
    """4xx and 5xx as ``{"error": …, "status": …}``; a 500 never shows its traceback."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return problem(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        return problem(422, f"invalid request: {details}")

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        return problem(500, "internal error; the server log has the details")
