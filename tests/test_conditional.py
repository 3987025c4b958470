"""Conditional and range requests as RFC 9110 §13.2.2 orders them, framework-free."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publisher.conditional import etag_matches, evaluate, parse_http_date

ETAG = '"abc"'
MODIFIED = datetime(2024, 5, 1, 12, 0, 0, 500_000, tzinfo=UTC)  # sub-seconds are dropped
DATE = "Wed, 01 May 2024 12:00:00 GMT"
EARLIER = "Wed, 01 May 2024 11:59:59 GMT"
SIZE = 100


def status(headers: dict[str, str], method: str = "GET") -> int:
    return evaluate(method, headers, ETAG, MODIFIED, SIZE).status


def test_etags_compare_exactly() -> None:
    assert etag_matches('"abc"', ETAG)
    assert etag_matches('"x", W/"abc"', ETAG)
    assert not etag_matches('"abc-anything"', ETAG)
    assert not etag_matches('"ab"', ETAG)
    assert not etag_matches("abc", ETAG)  # not an entity tag
    assert etag_matches("*", ETAG)
    assert not etag_matches('W/"abc"', ETAG, strong=True)
    assert etag_matches('"abc-gzip"', ETAG, '"abc-gzip"')


def test_http_dates() -> None:
    assert parse_http_date(DATE) == int(MODIFIED.timestamp())
    assert parse_http_date("Wednesday, 01-May-24 12:00:00 GMT") == int(MODIFIED.timestamp())
    assert parse_http_date("yesterday") is None
    assert parse_http_date("") is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 200),
        ({"if-match": '"other"'}, 412),
        ({"if-match": '"other"', "if-none-match": ETAG}, 412),  # If-Match first
        ({"if-match": ETAG, "if-unmodified-since": EARLIER}, 200),  # IUS ignored with If-Match
        ({"if-unmodified-since": EARLIER}, 412),
        ({"if-unmodified-since": DATE}, 200),
        ({"if-unmodified-since": "garbage"}, 200),
        ({"if-none-match": ETAG}, 304),
        ({"if-none-match": ETAG, "if-modified-since": EARLIER}, 304),
        ({"if-none-match": '"other"', "if-modified-since": DATE}, 200),  # IMS ignored with INM
        ({"if-modified-since": DATE}, 304),
        ({"if-modified-since": EARLIER}, 200),
        ({"if-modified-since": "garbage"}, 200),
    ],
)
def test_precondition_order(headers: dict[str, str], expected: int) -> None:
    assert status(headers) == expected


def test_if_none_match_on_other_methods_is_412() -> None:
    assert status({"if-none-match": ETAG}, "POST") == 412
    assert status({"if-modified-since": DATE}, "POST") == 200


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("bytes=0-9", (206, 0, 9)),
        ("bytes=90-", (206, 90, 99)),
        ("bytes=90-1000", (206, 90, 99)),
        ("bytes=-10", (206, 90, 99)),
        ("bytes=-1000", (206, 0, 99)),
        ("BYTES=0-0", (206, 0, 0)),
        ("bytes=100-", (416,)),
        ("bytes=-0", (416,)),
        ("bytes=5-1", (416,)),
        ("bytes=x-y", (416,)),
        ("bytes=", (416,)),
        ("bytes=0-1,3-4", (200, 0, 99)),
        ("bytes=0-1,200-300", (206, 0, 1)),
        ("items=0-9", (200, 0, 99)),
    ],
)
def test_ranges(spec: str, expected: tuple[int, ...]) -> None:
    decision = evaluate("GET", {"range": spec}, ETAG, MODIFIED, SIZE)
    assert (decision.status, decision.start, decision.end)[: len(expected)] == expected


def test_if_range() -> None:
    ranged = {"range": "bytes=0-9"}
    assert evaluate("GET", {**ranged, "if-range": ETAG}, ETAG, MODIFIED, SIZE).status == 206
    assert evaluate("GET", {**ranged, "if-range": '"old"'}, ETAG, MODIFIED, SIZE).status == 200
    assert evaluate("GET", {**ranged, "if-range": f"W/{ETAG}"}, ETAG, MODIFIED, SIZE).status == 200
    assert evaluate("GET", {**ranged, "if-range": DATE}, ETAG, MODIFIED, SIZE).status == 206
    assert evaluate("GET", {**ranged, "if-range": EARLIER}, ETAG, MODIFIED, SIZE).status == 200
    assert evaluate("HEAD", ranged, ETAG, MODIFIED, SIZE).status == 200
    assert evaluate("GET", ranged, ETAG, MODIFIED, SIZE, ranges=False).status == 200
