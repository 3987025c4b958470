"""Search over a sample of the real PyPI listing (every ranked project and a spread of others),
with the shared artefacts ingested beside it: what people type, and what they expect, on
SQLite and on PostgreSQL (the same catalogue copied over by ``ldindex migrate``'s copy), and
the same results from both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.search import SearchQuery
from publisher.search.ranking import typo_distance
from publisher.store import ListingEntry, Store, open_store
from tests.conftest import IndexedData


@pytest.fixture(scope="module")
def pg_catalogue(catalogue: IndexedData, pg_cluster) -> str:
    """The catalogue copied into a PostgreSQL database; its URL."""
    from publisher.store.copy import copy_index

    url = pg_cluster.create_database()
    source, target = open_store(catalogue.db_url, read_only=True), open_store(url)
    try:
        copy_index(source, target)
    finally:
        source.close()
        target.close()
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, catalogue: IndexedData) -> Iterator[Store]:
    url = catalogue.db_url if request.param == "sqlite" else request.getfixturevalue("pg_catalogue")
    opened = open_store(url, read_only=True)
    yield opened
    opened.close()


def top(store: Store, text: str, limit: int = 10) -> list[str]:
    return [e.name for e in store.search(SearchQuery.parse(text), 0, limit).hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Flask_SQLAlchemy", "flask-sqlalchemy"),
        ("flask.sqlalchemy", "flask-sqlalchemy"),
        ("scikit learn", "scikit-learn"),
        ("django rest framework", "djangorestframework"),
        ("requests", "requests"),
        ("PyYAML", "pyyaml"),
        ("typing_extensions", "typing-extensions"),
    ],
)
def test_names_however_spelled_come_first(store: Store, query: str, expected: str) -> None:
    assert top(store, query)[0] == expected


# Real misspellings of top projects: each must reach the first three results.
TYPOS = {
    "reqeusts": "requests",
    "requets": "requests",
    "numpyy": "numpy",
    "nmupy": "numpy",
    "djnago": "django",
    "pandsa": "pandas",
    "botto3": "boto3",
    "cryptograpy": "cryptography",
    "urlib3": "urllib3",
    "pydntic": "pydantic",
    "matplotlb": "matplotlib",
    "sqlalchmey": "sqlalchemy",
    "beautifulsop4": "beautifulsoup4",
    "tensorflwo": "tensorflow",
    "pytset": "pytest",
    "flaks": "flask",
    "pilow": "pillow",
    "setuptoosl": "setuptools",
}


@pytest.mark.parametrize(("typo", "meant"), sorted(TYPOS.items()))
def test_popular_project_a_typo_away_is_in_the_top_three(
    store: Store, typo: str, meant: str
) -> None:
    assert meant in top(store, typo, 3)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("yaml parser", "pyyaml"),
        ("http client", "httpx"),
        ("aws sdk", "boto3"),
        ("colored terminal text", "colorama"),
        ("syntax highlighting", "pygments"),
    ],
)
def test_summary_words_find_popular_projects(store: Store, query: str, expected: str) -> None:
    assert expected in top(store, query, 5)


def test_prefix_finds_popular_extensions_first(store: Store) -> None:
    found = top(store, "flask-", 10)
    assert found[0] == "flask"
    assert {"flask-cors", "flask-sqlalchemy", "flask-login"} <= set(top(store, "flask-", 20))


@pytest.mark.parametrize(
    "text", ["c++", '"', '"unbalanced', "*", "-", ":", "a:b", "AND OR NEAR(", "(*)", "^", "\x00"]
)
def test_syntax_characters_never_raise(store: Store, text: str) -> None:
    store.search(SearchQuery.parse(text), 0, 20)


def test_pages_partition_the_results(store: Store) -> None:
    query = SearchQuery.parse("django")
    whole = store.search(query, 0, 40)
    first, second = store.search(query, 0, 20), store.search(query, 20, 20)
    assert first.total == whole.total >= 40
    assert [e.name for e in first.hits + second.hits] == [e.name for e in whole.hits]
    assert whole.more  # a common word matches more than a search ranks


def test_results_carry_listing_facts(store: Store) -> None:
    hit = store.search(SearchQuery.parse("boto3"), 0, 1).hits[0]
    assert (hit.name, hit.popularity) == ("boto3", 1)
    assert hit.summary and hit.latest_version and hit.latest_upload


def test_ingested_project_keeps_its_own_facts_and_takes_the_rank(store: Store) -> None:
    hit = store.search(SearchQuery.parse("requests"), 0, 1).hits[0]
    assert hit.latest_version == "2.32.3"  # the release held here, not the listing's
    assert hit.popularity == 6
    assert hit.latest_upload and "T" in hit.latest_upload


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'small.db'}"


def small_store(url: str, entries: list[ListingEntry]) -> Store:
    store = open_store(url)
    store.import_listing(entries)
    return store


def test_misspelt_famous_name_beats_obscure_literal_matches(empty_url: str) -> None:
    store = small_store(
        empty_url,
        [
            ListingEntry("reqeusts", "reqeusts", "typosquat"),
            ListingEntry("reqeusts-helper", "reqeusts-helper", "reqeusts helper"),
            ListingEntry("easy-reqeusts", "easy-reqeusts", "reqeusts made easy"),
            ListingEntry("requests", "requests", "Python HTTP for Humans.", popularity=6),
        ],
    )
    assert top(store, "reqeusts", 2) == ["reqeusts", "requests"]
    store.close()


def test_command_name_finds_the_project_providing_it(empty_url: str) -> None:
    store = small_store(
        empty_url,
        [
            ListingEntry(
                "charset-normalizer",
                "charset-normalizer",
                "The Real First Universal Charset Detector.",
                popularity=8,
                commands=("normalizer",),
            ),
            ListingEntry("normalizer-tools", "normalizer-tools", "Tools"),
            ListingEntry("text-normalizer", "text-normalizer", "Normalizes text"),
        ],
    )
    assert top(store, "normalizer", 1) == ["charset-normalizer"]
    store.close()


QUERIES = [
    *TYPOS, "requests", "flask", "django rest", "http client", "yaml parser", "aws sdk",
    "numpy", "test", "pytest plugin", "async", "web framework", "json", "orm", "cli",
    "machine learning", "image", "scikit learn", "typing_extensions", "normalizer", "zzzz",
]  # fmt: skip


def test_both_backends_give_the_same_results(catalogue: IndexedData, pg_catalogue: str) -> None:
    """The same catalogue, searched on SQLite and on PostgreSQL: the same results in the same
    order, for names, typos, summary words and common words alike, except that PostgreSQL
    also finds names a typo away that SQLite's one-deletion keys cannot reach (its trigram
    index): each of those is within the edit distance the shared ranking allows."""
    lite, pg = open_store(catalogue.db_url, read_only=True), open_store(pg_catalogue)
    try:
        for text in QUERIES:
            query = SearchQuery.parse(text)
            a, b = lite.search(query, 0, 200), pg.search(query, 0, 200)
            found = {e.name for e in a.hits}
            extra = [e for e in b.hits if e.name not in found]
            assert [e for e in b.hits if e.name in found] == list(a.hits), text
            assert all(typo_distance(query, e.name) is not None for e in extra), text
            assert b.total == a.total + len(extra) and a.more == b.more, text
            if not extra:
                assert pg.search(query, 0, 10) == lite.search(query, 0, 10), text
    finally:
        lite.close()
        pg.close()
