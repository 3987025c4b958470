"""The hot-read URLs, declared for the OpenAPI description.

Requests to these paths are answered by ``publisher.web.hot.HotReads`` before routing; these
handlers run only when the resolver finds nothing to serve (an unknown project or version),
and answer with the same resolver so both paths agree.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from publisher.routing import Immediate, Resource
from publisher.web.errors import not_found

router = APIRouter()


def _answer(request: Request) -> Response:
    resolver = request.app.state.resolver
    query = request.url.query
    target = resolver(request.url.path, request.headers.get("accept", ""), query)
    if isinstance(target, Immediate):
        headers = {k.decode(): v.decode() for k, v in target.headers}
        return Response(target.body, target.status, headers, media_type=target.media_type)
    if isinstance(target, Resource):
        body = target.render()
        if body is not None:
            return Response(body, media_type=target.media_type)
    return not_found(f"nothing at {request.url.path}")


PAGES = {
    "/": ("Landing page", ["site"]),
    "/robots.txt": ("robots.txt", ["site"]),
    "/sitemap.xml": ("Sitemap of every project and release page", ["site"]),
    "/_/search/": ("Search projects by name and summary (?q=): HTML table or JSON", ["search"]),
    "/_/search/all": ("Every project's name and summary, for client-side search", ["search"]),
    "/_/vocab": ("The ldindex vocabulary: HTML with RDFa, or Turtle by Accept", ["site"]),
    "/simple/": ("PEP 503/691 index of every project (HTML or JSON by Accept)", ["simple"]),
    "/simple/{name}/": ("PEP 503/691 project page: files, hashes, metadata links", ["simple"]),
    "/project/{name}/": ("Project page: HTML with RDFa, or JSON-LD/Turtle by Accept", ["pages"]),
    "/project/{name}/{version}/": ("Release page: HTML with RDFa, or JSON-LD/Turtle", ["pages"]),
    "/project/{name}/{version}/codemeta.json": ("Codemeta document of a release", ["pages"]),
}

for _path, (_summary, _tags) in PAGES.items():
    router.add_api_route(
        _path,
        _answer,
        methods=["GET", "HEAD"],
        summary=_summary,
        tags=_tags,
        response_class=Response,
    )
