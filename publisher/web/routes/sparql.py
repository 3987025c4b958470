"""``/_/sparql`` (GET and POST), ``/_/void`` and ``/_/dump/{name}``: thin framework wrappers
around ``publisher.sparql.endpoint``, which the WSGI handler calls as well."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from publisher.sparql.endpoint import Answer, Endpoint, HttpRequest, problem
from publisher.web.state import state_of

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
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        client=request.client.host if request.client else "unknown",
    )


def _response(answer: Answer, method: str) -> Response:
    headers = {k: v for k, v in answer.headers if k.lower() != "content-type"}
    media_type = next((v for k, v in answer.headers if k.lower() == "content-type"), None)
    if answer.file is not None:
        return FileResponse(answer.file, headers=headers, media_type=media_type)
    body = b"" if method == "HEAD" else answer.body
    response = Response(body, answer.status, headers, media_type=media_type)
    if method == "HEAD":
        response.headers["content-length"] = str(len(answer.body))
    return response


async def sparql(request: Request) -> Response:
    endpoint = _endpoint(request)
    incoming = await _http_request(request, endpoint.settings.max_query_bytes * 3 + 4096)
    if isinstance(incoming, Answer):
        return _response(incoming, request.method)
    answer = await run_in_threadpool(endpoint.sparql, incoming)
    return _response(answer, request.method)


for _method, _operation, _summary in (
    ("GET", "sparql", "SPARQL 1.1 query (?query=), or the endpoint's page and service description"),
    ("POST", "sparql_post", "SPARQL 1.1 query as a form or as application/sparql-query"),
):
    router.add_api_route(
        "/_/sparql",
        sparql,
        methods=[_method],
        operation_id=_operation,
        summary=_summary,
        response_class=Response,
        responses={200: {"content": _QUERY_TYPES}, **_ERRORS},
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
        {k.lower(): v for k, v in request.headers.items()},
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
    responses={200: {"content": {"application/gzip": {}}}, 304: {}, 404: {}, 503: {}},
)
@router.head("/_/dump/{name}", include_in_schema=False)
def dump(name: str, request: Request) -> Response:
    incoming = HttpRequest(
        request.method,
        request.url.path,
        request.url.query,
        {k.lower(): v for k, v in request.headers.items()},
    )
    return _response(_endpoint(request).dump(name, incoming), request.method)
