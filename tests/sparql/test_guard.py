"""What may run: SERVICE refused however it is spelt; updates explained, never run."""

from __future__ import annotations

import pytest

from publisher.sparql.guard import QueryRefused, check_query, explain


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "select * { service silent <http://x/> { ?s ?p ?o } }",
        "SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
        "SELECT * { \\U00000053ervice <http://x/> { ?s ?p ?o } }",
        "SELECT * { ?a ?b ?c OPTIONAL { { SERVICE ?endpoint { ?s ?p ?o } } UNION { } } }",
        "SELECT * { SERVICE <http://x/> { SERVICE <http://y/> { ?s ?p ?o } } }",
        "ASK { FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
    ],
)
def test_service_is_refused(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(query)


def test_the_word_service_elsewhere_is_fine() -> None:
    check_query('SELECT ?service { ?service ?p "a SERVICE" } # service')
    check_query("SELECT * { ?s <http://example.org/service> ?o }")


def test_unparseable_text_mentioning_service_is_refused_not_guessed() -> None:
    with pytest.raises(QueryRefused, match="could not be checked"):
        check_query("SELECT * { SERVICE <http://x/> { ?s ?p ")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT DATA"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
        ("CLEAR ALL", "CLEAR"),
        ("DROP GRAPH <http://g>", "DROP"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD"),
        ("LOAD SILENT <http://x/> INTO GRAPH <http://g>", "never fetches"),
    ],
)
def test_updates_are_explained(text: str, words: str) -> None:
    refusal = explain(text, "syntax error at 1:1")
    assert refusal.status == 400
    assert words in str(refusal)
    assert "read-only" in str(refusal)


def test_other_syntax_errors_keep_the_parser_message() -> None:
    refusal = explain("SELECT * WHERE { ?s ?p }", "error at 1:23: expected term")
    assert str(refusal) == "the query is not valid SPARQL 1.1: error at 1:23: expected term"
