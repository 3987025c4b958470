"""What a ``POST /_/cache/invalidate`` body may say, read the same way by the ASGI route and
the WSGI/CGI handler.

The body is ``{}`` (every page) or ``{"project": NAME}`` (one project's), as JSON: without a
token only a JSON request will do, since no HTML form or simple cross-site request can send
one; a token holder may send no body at all.
"""

from __future__ import annotations

import orjson

from crosswalk.names import canonicalize_name

__all__ = ["MAX_BODY", "BadInvalidation", "requested_project"]

MAX_BODY = 4096  # bytes: {"project": NAME} needs far less


class BadInvalidation(ValueError):
    """The request cannot be acted on; ``status`` is the HTTP answer (400, 413, 415)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def requested_project(raw: bytes, content_type: str, with_token: bool) -> str | None:
    """The normalised project a request names, or None for every page; raises
    ``BadInvalidation``."""
    if len(raw) > MAX_BODY:
        raise BadInvalidation(413, f"the body is over {MAX_BODY:,} bytes")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != "application/json" and (raw.strip() or not with_token):
        raise BadInvalidation(415, "send the request as JSON (Content-Type: application/json)")
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise BadInvalidation(400, f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict) or set(body) - {"project"}:
        raise BadInvalidation(400, 'the body is {} for every page or {"project": NAME} for one')
    project = body.get("project")
    if project is not None and (not isinstance(project, str) or not project.strip()):
        raise BadInvalidation(400, '"project" must be a project name')
    return canonicalize_name(project) if project else None
