"""The OpenAPI document, completed with the answers every operation can give.

The request guard (``publisher.web.guard``) refuses oversized request heads (431), overlong
targets (414) and requests without exactly one ``Host`` (400) before any route runs, so
every operation can answer with them; the document says so, once, for all of them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

__all__ = ["describe_request_limits"]

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
GUARD_ANSWERS = {
    "400": "Bad request (for every operation: no Host, or more than one)",
    "414": "The request target is over 8 KiB",
    "431": "The request head is over 8 KiB a line or 32 KiB in all",
}


def describe_request_limits(api: FastAPI) -> None:
    """Make ``api.openapi()`` declare the guard's answers on every operation."""
    build = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        document = build()
        document.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            "Problem",
            {
                "title": "Problem",
                "type": "object",
                "required": ["error", "status"],
                "properties": {
                    "error": {"type": "string", "title": "Error"},
                    "status": {"type": "integer", "title": "Status"},
                },
            },
        )
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in GUARD_ANSWERS.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": _PROBLEM}},
                        },
                    )
        api.openapi_schema = document
        return document

    api.openapi = openapi  # type: ignore[method-assign]
