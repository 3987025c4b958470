"""The SPARQL Protocol's query operation: every way to send a query, and every bad request."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from publisher.sparql.guard import QueryRefused
from publisher.sparql.protocol import QueryRequest, parse_request

LIMIT = 10 * 1024
Q = "SELECT * { ?s ?p ?o } LIMIT 1"


def parse(method="GET", qs="", ctype="", body=b"") -> QueryRequest | None:
    return parse_request(method, qs, ctype, body, LIMIT)


def test_get_form_and_direct_post_carry_the_same_query() -> None:
    graphs = [("default-graph-uri", "http://g/1"), ("named-graph-uri", "http://g/2")]
    got = parse(qs=urlencode([("query", Q), *graphs]))
    form = parse("POST", "", "application/x-www-form-urlencoded; charset=UTF-8",
                 urlencode([("query", Q), *graphs]).encode())  # fmt: skip
    direct = parse("POST", urlencode(graphs), "application/sparql-query", Q.encode())
    assert got == form == direct
    assert got == QueryRequest(Q, ("http://g/1",), ("http://g/2",), ())


def test_a_get_without_query_is_the_page() -> None:
    assert parse(qs="format=turtle") is None


def test_format_parameters_as_sparqlwrapper_sends_them() -> None:
    sent = [("query", Q), ("format", "json"), ("output", "json"), ("results", "json-ld"),
            ("results", "application/ld+json")]  # fmt: skip
    got = parse(qs=urlencode(sent))
    assert got is not None
    assert got.formats == ("json", "json", "json-ld", "application/ld+json")


@pytest.mark.parametrize(
    ("method", "qs", "ctype", "body", "status", "words"),
    [
        ("POST", "", "text/plain", Q.encode(), 415, "Content-Type"),
        ("POST", "", "application/sparql-update", b"CLEAR ALL", 415, "application/sparql-query"),
        ("POST", "query=x", "application/sparql-query", Q.encode(), 400, "ambiguous"),
        ("POST", "", "application/x-www-form-urlencoded", b"update=CLEAR+ALL", 400, "read-only"),
        ("GET", "update=CLEAR+ALL", "", b"", 400, "read-only"),
        ("POST", "", "application/x-www-form-urlencoded", b"other=1", 400, "'query'"),
        ("GET", "query=a&query=b", "", b"", 400, "exactly one"),
        ("GET", "query=", "", b"", 400, "empty"),
        ("GET", "query=" + "x" * (LIMIT + 1), "", b"", 413, "limit"),
        ("GET", urlencode({"query": Q, "default-graph-uri": "relative"}), "", b"", 400,
         "default-graph-uri"),
        ("GET", urlencode({"query": Q, "named-graph-uri": "http://a b"}), "", b"", 400,
         "named-graph-uri"),
        ("POST", "", "application/sparql-query", b"\xff\xfe", 400, "UTF-8"),
        ("GET", "query=%ff", "", b"", 400, "UTF-8"),
    ],
)  # fmt: skip
def test_bad_requests_are_refused_with_a_reason(method, qs, ctype, body, status, words) -> None:
    with pytest.raises(QueryRefused) as refused:
        parse(method, qs, ctype, body)
    assert refused.value.status == status
    assert words in str(refused.value)
