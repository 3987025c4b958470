"""Content negotiation for the simple API: Accept with q-values, wildcards and ?format=."""

from __future__ import annotations

import pytest

from publisher.render.media import HTML, JSON, TEXT_HTML, is_json, negotiate

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
UV_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
FIREFOX_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (PIP_ACCEPT, JSON),
        (UV_ACCEPT, JSON),
        (FIREFOX_ACCEPT, TEXT_HTML),
        (None, TEXT_HTML),
        ("", TEXT_HTML),
        ("*/*", TEXT_HTML),
        ("text/html", TEXT_HTML),
        ("text/*", TEXT_HTML),
        (HTML, HTML),
        (JSON, JSON),
        ("APPLICATION/VND.PYPI.SIMPLE.V1+JSON", JSON),
        ("application/vnd.pypi.simple.latest+json", JSON),
        ("application/vnd.pypi.simple.latest+html", HTML),
        # q-values decide; equal q: a named type beats a wildcard, then HTML first
        ("text/html;q=0.5, application/vnd.pypi.simple.v1+json;q=0.9", JSON),
        ("text/html, application/vnd.pypi.simple.v1+json", TEXT_HTML),
        ("*/*, application/vnd.pypi.simple.v1+json", JSON),
        ("application/*", HTML),
        ("*/*;q=0.9, text/html;q=0.1", HTML),
        # q=0 means "not this", also against a wildcard that would allow it
        ("application/vnd.pypi.simple.v1+json;q=0, */*", TEXT_HTML),
        ("text/html;q=0, application/*;q=0, */*", None),
        ("text/html;q=0", None),
        ("*/*;q=0", None),
        ("application/*, application/vnd.pypi.simple.v1+html;q=0", JSON),
        # types the index cannot produce
        ("application/json", None),
        ("image/png, application/xml", None),
        ("text/plain", None),
        # malformed parts are skipped or count as q=0
        ("garbage, ,;q=1", TEXT_HTML),
        ("text/html;q=abc, application/vnd.pypi.simple.v1+json;q=0.3", JSON),
        ("text/html;q=7", TEXT_HTML),
    ],
)
def test_accept(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept, None) == expected


@pytest.mark.parametrize(
    ("fmt", "accept", "expected"),
    [
        ("application/vnd.pypi.simple.v1+json", "text/html", JSON),
        ("application/vnd.pypi.simple.latest+json", None, JSON),
        ("json", "text/html", JSON),
        ("html", PIP_ACCEPT, TEXT_HTML),
        ("application/vnd.pypi.simple.v1+html", PIP_ACCEPT, HTML),
        ("text/html", PIP_ACCEPT, TEXT_HTML),
        ("application/xml", PIP_ACCEPT, None),
        ("", PIP_ACCEPT, JSON),
        (None, PIP_ACCEPT, JSON),
    ],
)
def test_format_parameter_wins(fmt: str | None, accept: str | None, expected: str | None) -> None:
    assert negotiate(accept, fmt) == expected


def test_is_json() -> None:
    assert is_json(JSON)
    assert not is_json(HTML) and not is_json(TEXT_HTML)


def test_other_offers() -> None:
    """Other URL families negotiate over their own offers and shorthands."""
    offers = ("text/html", "application/ld+json", "text/turtle")
    aliases = {"jsonld": "application/ld+json"}
    assert negotiate("application/ld+json", None, offers, aliases) == "application/ld+json"
    assert negotiate(None, "jsonld", offers, aliases) == "application/ld+json"
    assert negotiate("text/turtle;q=0.5, */*;q=0.1", None, offers, aliases) == "text/turtle"
    assert negotiate(JSON, None, offers, aliases) is None
