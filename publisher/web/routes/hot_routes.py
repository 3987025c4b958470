"""The hot-read URLs, declared for the OpenAPI description.

Requests to these paths are answered by ``publisher.web.hot.HotReads`` before routing, 404s
for unknown projects included; these handlers run only for paths the resolver declines (a
name or version no project could have), and answer with the same resolver so both agree.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from publisher.routing import Immediate, NotFound, Published, Resource
from publisher.web.api_models import Problem
from publisher.web.errors import not_found

router = APIRouter()


def answer_with_resolver(request: Request) -> Response:
    """Answer a GET the hot layer declined, through the same resolver."""
    resolver = request.app.state.resolver
    query = request.url.query
    target = resolver(request.url.path, request.headers.get("accept", ""), query)
    if isinstance(target, Immediate):
        headers = {k.decode(): v.decode() for k, v in target.headers}
        return Response(target.body, target.status, headers, media_type=target.media_type)
    if isinstance(target, Published):
        built = target.current()
        headers = {"etag": built.etag, "last-modified": built.last_modified}
        return Response(built.path.read_bytes(), headers=headers, media_type=target.media_type)
    if isinstance(target, Resource):
        try:
            body = target.render()
        except NotFound as exc:
            return not_found(str(exc))
        if body is not None:
            return Response(body, media_type=target.media_type)
    return not_found(f"nothing at {request.url.path}")


PAGES = {
    "/": ("landing", "Landing page", ["site"]),
    "/robots.txt": ("robots", "robots.txt", ["site"]),
    "/_/static/style.css": ("stylesheet", "The site's stylesheet", ["site"]),
    "/sitemap.xml": ("sitemap", "Sitemap of every project and release page", ["site"]),
    "/_/search/": (
        "search",
        "Search projects (?q=, ?page=, ?per_page=): HTML with RDFa, JSON or JSON-LD by Accept",
        ["search"],
    ),
    "/_/search/all": (
        "listing",
        "Every project's name and summary (HTML), or with versions (JSON), for client-side "
        "search; precompressed, ETag and Last-Modified",
        ["search"],
    ),
    "/sitemap-{number}.xml": ("sitemap_file", "One file of a sitemap index", ["site"]),
    "/_/dump/catalogue.sqlite": (
        "catalogue_dump",
        "The catalogue (names, summaries, versions, search index) as a SQLite database",
        ["site"],
    ),
    "/_/vocab": (
        "vocabulary",
        "The ldindex vocabulary: HTML with RDFa, or Turtle by Accept",
        ["site"],
    ),
    "/simple/": (
        "simple_index",
        "PEP 503/691 index of every project (HTML or JSON by Accept)",
        ["simple"],
    ),
    "/simple/{name}/": (
        "simple_project",
        "PEP 503/691 project page: files, hashes, metadata links",
        ["simple"],
    ),
    "/_/env/{environment}/simple/": (
        "environment_simple_index",
        "The simple index for one environment ({interpreter}-{abi}-{platform}, e.g. "
        "cp312-cp312-manylinux_2_17_x86_64), for pip/uv --index-url",
        ["query"],
    ),
    "/_/env/{environment}/simple/{name}/": (
        "environment_simple_project",
        "PEP 503/691 project page listing only the files installable in the environment, "
        "best first, with sdists and PEP 658 metadata",
        ["query"],
    ),
    "/project/{name}/": (
        "project",
        "Project page: HTML with RDFa, or JSON-LD/Turtle by Accept",
        ["pages"],
    ),
    "/project/{name}/{version}/": (
        "release",
        "Release page: HTML with RDFa, or JSON-LD/Turtle",
        ["pages"],
    ),
    "/project/{name}/{version}/codemeta.json": (
        "codemeta",
        "Codemeta document of a release",
        ["pages"],
    ),
}


def _endpoint(path: str) -> Callable[..., Response]:
    """``_answer`` with the path's parameters in its signature, so OpenAPI describes them."""

    def endpoint(request: Request, **_params: str) -> Response:
        return answer_with_resolver(request)

    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
    ]
    params += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str)
        for name in re.findall(r"{(\w+)}", path)
    ]
    endpoint.__signature__ = inspect.Signature(params, return_annotation=Response)  # type: ignore[attr-defined]
    return endpoint


_REDIRECT = {
    "description": "Moved to the canonical URL (PEP 503 name, PEP 440 version, trailing /)",
    "model": Problem,
    "headers": {"Location": {"schema": {"type": "string"}}},
}
_NOT_MODIFIED = {"description": "Not modified: the ETag sent in If-None-Match still holds"}
_NOT_FOUND = {"description": "No such project, release or environment", "model": Problem}
_NOT_ACCEPTABLE = {"description": "None of the offered media types is acceptable", "model": Problem}
_BAD_REQUEST = {
    "description": "A malformed or out-of-bounds parameter (q over 256 characters, page, "
    "per_page); the message names it",
    "model": Problem,
}
# What each page can answer besides 200: paths with a name or version redirect to their
# canonical form and may name nothing; negotiated ones may find nothing acceptable.
STATUSES: dict[str, tuple[int, ...]] = {
    "/": (304,),
    "/robots.txt": (304,),
    "/_/static/style.css": (304,),
    "/sitemap.xml": (304,),
    "/_/search/": (301, 304, 400, 406),
    "/_/search/all": (304, 406),
    "/sitemap-{number}.xml": (304, 404),
    "/_/dump/catalogue.sqlite": (304,),
    "/_/vocab": (304, 406),
    "/simple/": (304, 406),
    "/simple/{name}/": (301, 304, 404, 406),
    "/_/env/{environment}/simple/": (301, 304, 404, 406),
    "/_/env/{environment}/simple/{name}/": (301, 304, 404, 406),
    "/project/{name}/": (301, 304, 404, 406),
    "/project/{name}/{version}/": (301, 304, 404, 406),
    "/project/{name}/{version}/codemeta.json": (301, 304, 404),
}
_RESPONSES = {
    301: _REDIRECT,
    304: _NOT_MODIFIED,
    400: _BAD_REQUEST,
    404: _NOT_FOUND,
    406: _NOT_ACCEPTABLE,
}

for _path, (_operation, _summary, _tags) in PAGES.items():
    _call = _endpoint(_path)
    router.add_api_route(
        _path, _call, methods=["GET"], operation_id=_operation, summary=_summary, tags=_tags,
        response_class=Response,
        responses={status: _RESPONSES[status] for status in STATUSES[_path]},
    )  # fmt: skip
    router.add_api_route(
        _path, _call, methods=["HEAD"], include_in_schema=False, response_class=Response
    )
