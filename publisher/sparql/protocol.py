"""The SPARQL 1.1 Protocol's query operation: from an HTTP request to what to run.

Three ways to send a query (GET ``?query=``, POST a form, POST ``application/sparql-query``),
``default-graph-uri`` / ``named-graph-uri`` as many times as wanted, and the ``format`` /
``output`` / ``results`` parameters that clients such as SPARQLWrapper add, read as format
names. Anything malformed is a ``QueryRefused`` naming the parameter and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs

from publisher.sparql.guard import QueryRefused, screen

__all__ = ["FORMAT_PARAMS", "QueryRequest", "parse_request"]

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
FORMAT_PARAMS = ("format", "output", "results")


@dataclass(frozen=True, slots=True)
class QueryRequest:
    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    formats: tuple[str, ...] = field(default=())


def _params(text: str, where: str) -> dict[str, list[str]]:
    try:
        return parse_qs(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise QueryRefused(f"the {where} is not valid UTF-8 once percent-decoded") from None


def parse_request(
    method: str, query_string: str, content_type: str, body: bytes, max_bytes: int
) -> QueryRequest | None:
    """What a request asks to run, or None for a GET without a query (the page itself)."""
    params = _params(query_string, "query string")
    media = content_type.split(";", 1)[0].strip().lower()
    if method == "POST":
        if media == FORM:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise QueryRefused("the form body is not valid UTF-8") from None
            for key, values in _params(text, "form body").items():
                params.setdefault(key, []).extend(values)
        elif media == SPARQL_QUERY:
            if "query" in params:
                raise QueryRefused(
                    "with Content-Type application/sparql-query the query is the body; "
                    "a 'query' parameter as well is ambiguous"
                )
            try:
                params["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                raise QueryRefused("the query body is not valid UTF-8") from None
        else:
            raise QueryRefused(
                f"POST a query as {FORM} (a 'query' field) or as {SPARQL_QUERY}; "
                f"got Content-Type {content_type or 'none'!r}",
                415,
            )
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise QueryRefused(
            "SPARQL Update is not accepted: this endpoint is read-only (the 'update' "
            "operation and its graph parameters are refused)"
        )
    queries = params.get("query")
    if queries is None:
        if method == "POST":
            raise QueryRefused("the request has no 'query' parameter")
        return None
    if len(queries) != 1:
        raise QueryRefused(f"give exactly one 'query' parameter, not {len(queries)}")
    screen(queries[0], max_bytes)
    return QueryRequest(
        query=queries[0],
        default_graphs=_graphs(params, "default-graph-uri"),
        named_graphs=_graphs(params, "named-graph-uri"),
        formats=tuple(v for key in FORMAT_PARAMS for v in params.get(key, ()) if v),
    )


def _graphs(params: dict[str, list[str]], key: str) -> tuple[str, ...]:
    """Graph IRIs are names in this store's dataset (never fetched); they must be absolute."""
    values = tuple(params.get(key, ()))
    for value in values:
        scheme, colon, rest = value.partition(":")
        if not colon or not scheme.isascii() or not scheme[:1].isalpha() or not rest:
            raise QueryRefused(f"{key}: {value!r} is not an absolute IRI")
        if any(c in value for c in ' <>"{}|\\^`') or any(ord(c) < 0x21 for c in value):
            raise QueryRefused(f"{key}: {value!r} holds characters an IRI cannot")
    return values
