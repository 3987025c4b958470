"""The shared ranking, on hand-made candidates."""

from __future__ import annotations

from publisher.search import Candidate, SearchQuery, rank


def names(query: str, candidates: list[Candidate]) -> list[str]:
    return [c.name for c in rank(SearchQuery.parse(query), candidates)]


def test_exact_name_first_even_when_obscure() -> None:
    found = names(
        "flask",
        [
            Candidate(1, "flask-cors", popularity=500, prefix=True),
            Candidate(2, "flask", exact=True),
        ],
    )
    assert found == ["flask", "flask-cors"]


def test_popular_typo_leads_when_the_query_is_no_known_word() -> None:
    found = names(
        "reqeusts",
        [
            Candidate(1, "reqeusts", exact=True),  # a literal, obscure match
            Candidate(2, "easy-reqeusts", text=True),
            Candidate(3, "requests", popularity=6, distance=2),
        ],
    )
    assert found[:2] == ["reqeusts", "requests"]


def test_typo_does_not_override_a_word_popular_projects_use() -> None:
    found = names(
        "yaml",
        [
            Candidate(1, "yarl", popularity=60, distance=1),
            Candidate(2, "pyyaml", popularity=15, text=True),
            Candidate(3, "yamllint", popularity=900, prefix=True),
        ],
    )
    assert found[0] == "pyyaml"
    assert found[-1] == "yarl"


def test_popularity_lifts_a_text_match_above_an_obscure_prefix() -> None:
    found = names(
        "http",
        [
            Candidate(1, "http-thing-of-mine", prefix=True),
            Candidate(2, "requests", popularity=6, text=True),
        ],
    )
    assert found == ["requests", "http-thing-of-mine"]


def test_prefix_beats_text_at_equal_popularity_and_ties_are_stable() -> None:
    found = names(
        "tool",
        [
            Candidate(1, "zz-tools", text=True),
            Candidate(2, "aa-tools", text=True),
            Candidate(3, "toolbox", prefix=True),
        ],
    )
    assert found == ["toolbox", "aa-tools", "zz-tools"]


def test_command_match_ranks_above_prefix() -> None:
    found = names(
        "normalizer",
        [
            Candidate(1, "normalizer-extra", prefix=True),
            Candidate(2, "charset-normalizer", popularity=8, command=True, name_words=True),
        ],
    )
    assert found[0] == "charset-normalizer"
