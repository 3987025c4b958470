"""``/_/query``: the environment query, GET with a query string or POST with a JSON body.

GET requests are answered by the hot layer through ``publisher.routing`` (cached); the GET
handler here declares the parameters for OpenAPI and answers only if the hot layer ever
declines. POST reads a bounded JSON body into the same ``QueryRequest`` and answers through
the same resolver method and response cache, so a POSTed query and its GET twin share one
cached rendering.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
import orjson
from fastapi import APIRouter, Query, Request, Response

from publisher import surrogate
from publisher.cache import make_rendering
from publisher.query import MAX_BODY, BadParameter, QueryRequest
from publisher.query.environment import MARKER_NAMES
from publisher.render import media
from publisher.routing import QUERY_ALIASES, QUERY_OFFERS, Immediate, NotFound, Resource
from publisher.web.errors import json_response, not_found, problem
from publisher.web.routes.hot_routes import answer_with_resolver
from publisher.web.state import state_of

router = APIRouter(tags=["query"])

_ERROR = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {
                "error": {"type": "string"},
                "parameter": {"type": "string"},
                "status": {"type": "integer"},
            },
            "required": ["error", "status"],
        }
    }
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The release, the chosen file (null if none fits), the other fitting "
        "files best first, the reasons each other file was rejected, dependencies evaluated "
        "for the environment and extrinsic metadata",
        "content": {"application/json": {}, "application/ld+json": {}},
    },
    400: {"description": "A parameter is malformed; the message names it", "content": _ERROR},
    404: {"description": "No such project, or no such version of it", "content": _ERROR},
    406: {"description": "Neither JSON nor JSON-LD is acceptable", "content": _ERROR},
}
_ENVIRONMENT_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "description": "Project name (normalised per PEP 503)"},
    "version": {"type": "string", "description": "A version or a PEP 440 specifier"},
    "pre": {"type": "boolean", "description": "Admit pre-releases"},
    "python": {"type": "string", "examples": ["3.12", "3.12.4"]},
    "implementation": {"type": "string", "examples": ["cp", "pp"]},
    "abi": {"type": "array", "items": {"type": "string"}, "examples": [["cp312"]]},
    "platform": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Platform tags, meaning what pip --platform means",
        "examples": [["manylinux_2_28_x86_64"]],
    },
    "os": {"type": "string", "enum": ["linux", "macos", "windows"]},
    "os_version": {"type": "string", "examples": ["glibc 2.31", "musl 1.2", "14.0"]},
    "arch": {"type": "string", "examples": ["x86_64", "aarch64", "arm64"]},
    "tags": {
        "type": "array",
        "items": {"type": "string"},
        "description": "The supported tags, best first, as packaging.tags.sys_tags() lists them",
    },
    "markers": {
        "type": "object",
        "description": "PEP 508 marker values of the environment",
        "properties": {key: {"type": "string"} for key in sorted(MARKER_NAMES)},
        "additionalProperties": False,
    },
    "extras": {"type": "array", "items": {"type": "string"}},
    "kind": {"type": "string", "enum": ["any", "wheel", "sdist"]},
    "variant": {"type": "string"},
    "all": {"type": "boolean", "description": "List every file without choosing"},
}
_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": _ENVIRONMENT_PROPERTIES,
                "required": ["name"],
                "additionalProperties": False,
            }
        }
    },
}

Texts = Annotated[list[str] | None, Query()]


@router.head("/_/query", include_in_schema=False)
@router.get(
    "/_/query",
    operation_id="query",
    summary="Environment query: the file an installer would choose, its link, hashes and "
    "all metadata (JSON, or JSON-LD by Accept)",
    response_class=Response,
    responses=_RESPONSES,
)
def query_get(
    request: Request,
    name: Annotated[str, Query(description="Project name")],
    version: Annotated[str | None, Query(description="Version or PEP 440 specifier")] = None,
    python: Annotated[str | None, Query(examples=["3.12"])] = None,
    implementation: Annotated[str | None, Query(examples=["cp"])] = None,
    abi: Texts = None,
    platform: Annotated[
        list[str] | None, Query(description="Platform tags, as pip --platform means them")
    ] = None,
    os: Annotated[str | None, Query(examples=["linux"])] = None,
    os_version: Annotated[str | None, Query(examples=["glibc 2.31"])] = None,
    arch: Annotated[str | None, Query(examples=["x86_64"])] = None,
    tags: Texts = None,
    extras: Texts = None,
    kind: Annotated[str | None, Query(description="any (default), wheel or sdist")] = None,
    variant: str | None = None,
    pre: Annotated[str | None, Query(description="true to admit pre-releases")] = None,
    all: Annotated[str | None, Query(description="true to list every file")] = None,
    format: Annotated[str | None, Query(description="json or jsonld (instead of Accept)")] = None,
) -> Response:
    return answer_with_resolver(request)


@router.post(
    "/_/query",
    operation_id="query_post",
    summary="Environment query with the environment as a JSON body (long tag lists, "
    "PEP 508 marker values)",
    response_class=Response,
    responses={
        **_RESPONSES,
        413: {"description": f"Body over {MAX_BODY} bytes", "content": _ERROR},
    },
    openapi_extra={"requestBody": _BODY},
)
async def query_post(request: Request) -> Response:
    chosen = media.negotiate(request.headers.get("accept"), None, QUERY_OFFERS, QUERY_ALIASES)
    if chosen is None:
        return problem(406, f"none of the offered media types is acceptable: {QUERY_OFFERS}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return problem(413, f"body: over {MAX_BODY} bytes")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return problem(400, f"body: not JSON ({exc})")
    try:
        query = QueryRequest.from_json(document)
    except BadParameter as exc:
        return json_response(
            {"error": str(exc), "parameter": exc.parameter, "status": 400}, status=400
        )
    target = request.app.state.resolver.query_resource(query, chosen)
    if isinstance(target, Immediate):
        return Response(target.body, target.status, media_type=target.media_type)
    return await _cached(request, target)


async def _cached(request: Request, target: Resource) -> Response:
    cache = state_of(request).cache
    rendering = cache.get(target.key, target.cache)
    if rendering is None:
        generation = cache.current_generation()
        try:
            body = await anyio.to_thread.run_sync(target.render)
        except NotFound as exc:
            return not_found(str(exc))
        if body is None:
            return not_found("nothing matches this query")
        rendering = make_rendering(body, target.media_type, target.project, generation)
        cache.put(target.key, rendering, target.cache)
    body, encoding = rendering.variant(request.headers.get("accept-encoding", ""))
    headers = {"etag": rendering.etag_for(encoding), "vary": "Accept, Accept-Encoding"}
    headers.update(surrogate.headers(surrogate.keys_for(rendering.project)))
    if encoding is not None:
        headers["content-encoding"] = encoding
    return Response(body, media_type=rendering.media_type, headers=headers)
