"""``/_/sparql`` (GET and POST), ``/_/void`` and ``/_/dump/{name}``: thin framework wrappers
around ``publisher.sparql.endpoint``, which the WSGI handler calls as well.

``/_/sparql`` is declared here (the OpenAPI description) and answered in front of the
framework by the same handler (``in_front``), as the hot reads are."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from publisher.files import FoundFile
from publisher.sparql.endpoint import Answer, Endpoint, HttpRequest, problem
from publisher.web.errors import combined_headers
from publisher.web.errors import problem as problem_response
from publisher.web.routes.files import FileSlice
from publisher.web.state import state_of

log = logging.getLogger("ldindex.web")
router = APIRouter(tags=["linked data"])

_QUERY_TYPES = {
    "application/sparql-results+json": {},
    "application/sparql-results+xml": {},
    "text/csv": {},
    "text/tab-separated-values": {},
    "text/turtle": {},
    "application/n-triples": {},
    "application/ld+json": {},
    "application/rdf+xml": {},
    "text/html": {},
}
_ERRORS = {
    400: {"description": "Not a query this endpoint runs (syntax, update, LOAD, SERVICE)"},
    406: {"description": "No acceptable result format"},
    413: {"description": "The query is longer than the limit"},
    415: {"description": "POST body of an unsupported type"},
    429: {"description": "Per-client limit reached; see Retry-After"},
    503: {"description": "Time limit reached, or the graph is still being built"},
}


def _endpoint(request: Request) -> Endpoint:
    return state_of(request).sparql


async def _http_request(request: Request, limit: int) -> HttpRequest | Answer:
    body = b""
    if request.method == "POST":
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return problem(413, f"the request body is over {limit} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
    return HttpRequest(
        method=request.method,
        path=request.url.path,
        query_string=request.url.query,
        headers=combined_headers(request),
        body=body,
        client=request.client.host if request.client else "unknown",
    )


_EPOCH = datetime.fromtimestamp(0, UTC)


def _response(answer: Answer, method: str) -> Response:
    headers = {k: v for k, v in answer.headers if k.lower() != "content-type"}
    media_type = next((v for k, v in answer.headers if k.lower() == "content-type"), None)
    if answer.file is not None:
        # Streamed in chunks like an artefact; only path and media type matter to FileSlice.
        found = FoundFile("", media_type or "application/octet-stream", _EPOCH, 0, answer.file)
        return FileSlice(found, answer.status, answer.start, answer.length, headers)
    body = b"" if method == "HEAD" else answer.body
    response = Response(body, answer.status, headers, media_type=media_type)
    if method == "HEAD":
        response.headers["content-length"] = str(len(answer.body))
    return response


async def _answer(endpoint: Endpoint, request: Request) -> Response:
    incoming = await _http_request(request, endpoint.settings.max_query_bytes * 3 + 4096)
    if isinstance(incoming, Answer):
        return _response(incoming, request.method)
    return _response(await endpoint.sparql_async(incoming), request.method)


async def sparql(request: Request) -> Response:
    return await _answer(_endpoint(request), request)


def in_front(endpoint: Endpoint) -> ASGIApp:
    """``/_/sparql`` as an ASGI application of its own, which ``HotReads`` answers the path
    with before the framework: FastAPI's routing and middleware cost some 0.3 ms a request,
    more than a cheap query itself. The same handler answers, and a crash gets the same JSON
    500 as elsewhere."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await _answer(endpoint, request)
        except Exception:
            log.exception("error serving %s", scope["path"])
            response = problem_response(500, "internal error; the server log has the details")
        await response(scope, receive, send)

    return app


# Plain strings: the limits (10 KB of query, absolute IRIs, 8 KiB URLs) are checked by the
# endpoint and answered 400/413/414 with a message, and stated in the descriptions.
_QUERY_TEXT = {"type": "string", "description": "SPARQL 1.1 query text, at most 10 KB"}
_GRAPH_IRIS = {"type": "array", "items": {"type": "string", "description": "absolute IRI"}}
_GET_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": _QUERY_TEXT,
     "description": "SELECT, ASK, CONSTRUCT or DESCRIBE (without it: the page, or the "
                    "service description for RDF clients)"},
    {"name": "default-graph-uri", "in": "query", "required": False, "schema": _GRAPH_IRIS,
     "style": "form", "explode": True},
    {"name": "named-graph-uri", "in": "query", "required": False, "schema": _GRAPH_IRIS,
     "style": "form", "explode": True},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "A result format by name (json, xml, csv, tsv, turtle, …), over Accept"},
]  # fmt: skip
_POST_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["query"],
                "properties": {
                    "query": _QUERY_TEXT,
                    "default-graph-uri": _GRAPH_IRIS,
                    "named-graph-uri": _GRAPH_IRIS,
                },
            }
        },
        "application/sparql-query": {"schema": _QUERY_TEXT},
    },
}
for _method, _operation, _summary, _extra in (
    ("GET", "sparql", "SPARQL 1.1 query (?query=), or the endpoint's page and service description",
     {"parameters": _GET_PARAMETERS}),
    ("POST", "sparql_post", "SPARQL 1.1 query as a form or as application/sparql-query",
     {"requestBody": _POST_BODY}),
):  # fmt: skip
    router.add_api_route(
        "/_/sparql",
        sparql,
        methods=[_method],
        operation_id=_operation,
        summary=_summary,
        response_class=Response,
        responses={200: {"content": _QUERY_TYPES}, **_ERRORS},
        openapi_extra=_extra,
    )
router.add_api_route("/_/sparql", sparql, methods=["HEAD"], include_in_schema=False)


@router.get(
    "/_/void",
    operation_id="void",
    summary="VoID description of the dataset: counts, vocabularies, endpoint and dumps",
    response_class=Response,
    responses={200: {"content": {"text/turtle": {}, "application/ld+json": {}}}, 406: {}},
)
@router.head("/_/void", include_in_schema=False)
def void(request: Request) -> Response:
    incoming = HttpRequest(
        request.method,
        request.url.path,
        request.url.query,
        combined_headers(request),
    )
    return _response(_endpoint(request).void(incoming), request.method)


@router.get("/.well-known/void", include_in_schema=False)
def well_known_void() -> Response:
    return RedirectResponse("/_/void", status_code=301)


@router.get(
    "/_/dump/{name}",
    operation_id="dump",
    summary="Bulk dump of the whole catalogue graph (N-Triples or JSON-LD, gzip)",
    response_class=Response,
    responses={
        200: {"content": {"application/gzip": {}}},
        206: {"description": "The byte range asked for (Range, If-Range)"},
        304: {"description": "Not modified"},
        404: {"description": "No dump of that name"},
        412: {"description": "If-Match or If-Unmodified-Since did not hold"},
        416: {"description": "The byte range is outside the dump"},
        503: {"description": "The dump is being written"},
    },
)
@router.head("/_/dump/{name}", include_in_schema=False)
def dump(name: str, request: Request) -> Response:
    incoming = HttpRequest(
        request.method,
        request.url.path,
        request.url.query,
        combined_headers(request),
    )
    return _response(_endpoint(request).dump(name, incoming), request.method)
