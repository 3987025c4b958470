"""Reading queries: words, squashed names, FTS expressions that user text cannot break."""

from __future__ import annotations

import sqlite3

import pytest

from publisher.search import MAX_QUERY, QueryError, SearchQuery, typo_keys
from publisher.search.ranking import max_typo_distance, typo_distance


def test_words_are_folded_and_squashed() -> None:
    query = SearchQuery.parse("  Flask_SQLAlchemy  Café ")
    assert query.words == ("flask", "sqlalchemy", "cafe")
    assert query.squashed == "flasksqlalchemycafe"
    assert query.terms == "flask sqlalchemy cafe"


def test_separators_and_case_meet_in_one_squashed_name() -> None:
    spellings = ["scikit-learn", "Scikit_Learn", "scikit learn", "SCIKIT.learn"]
    assert {SearchQuery.parse(s).squashed for s in spellings} == {"scikitlearn"}


def test_over_long_query_is_refused_with_its_length() -> None:
    SearchQuery.parse("x" * MAX_QUERY)
    with pytest.raises(QueryError, match=f"at most {MAX_QUERY} characters, got 257"):
        SearchQuery.parse("x" * (MAX_QUERY + 1))


def test_punctuation_only_is_an_empty_query() -> None:
    assert SearchQuery.parse('"*-:()^').empty


@pytest.mark.parametrize(
    "text",
    ['c++', '"', '"unbalanced', "*", "-", ":", "a:b", "AND", "x OR", "NEAR(a b)", "(*)",
     "'", "^x", "{words}", "col : x", "\x00", "a\"b\"c", "NOT -x"],
)  # fmt: skip
def test_every_expression_is_valid_fts5(text: str) -> None:
    """Each expression the query builds parses as FTS5 whatever the user typed."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(words, summary, keywords, commands)")
    db.execute("INSERT INTO t VALUES ('c', 'and or near not', 'x', 'b')")
    query = SearchQuery.parse(text)
    for expression in (query.name_words(), query.all_words(), query.any_word(), query.commands()):
        if expression is not None:
            db.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()


def test_typo_keys_meet_for_one_edit() -> None:
    for typo in ("reqeusts", "requets", "requestss", "rrequests"):
        assert typo_keys("requests") & typo_keys(typo), typo
    assert not typo_keys("requests") & typo_keys("django")


def test_typo_distance_bounds_grow_with_length() -> None:
    assert max_typo_distance("six") == 0
    assert max_typo_distance("numpy") == 1
    assert max_typo_distance("requests") == 2
    assert typo_distance(SearchQuery.parse("djnago"), "django") == 1  # a transposition
    assert typo_distance(SearchQuery.parse("djnago"), "flask") is None
    assert typo_distance(SearchQuery.parse("nmpy"), "numpy") == 1
