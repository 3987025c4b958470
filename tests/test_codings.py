"""Content coding by Accept-Encoding (RFC 9110 §12.5.3)."""

from __future__ import annotations

import pytest

from publisher.codings import choose_coding

BOTH = ("br", "gzip")


@pytest.mark.parametrize(
    ("header", "available", "chosen"),
    [
        ("gzip, deflate, br", BOTH, "br"),
        ("gzip", BOTH, "gzip"),
        ("GZip", BOTH, "gzip"),
        ("br;q=0, gzip", BOTH, "gzip"),
        ("br;q=0.1, gzip;q=0.9", BOTH, "gzip"),
        ("gzip;q=0", BOTH, None),
        ("gzip;Q=0", BOTH, None),
        ("*", BOTH, "br"),
        ("*;q=0", BOTH, None),
        ("*, br;q=0", BOTH, "gzip"),
        ("identity", BOTH, None),
        ("identity;q=0", BOTH, None),  # nothing acceptable: sent as it is, never 406
        ("identity;q=0.9, gzip", BOTH, "gzip"),
        ("identity;q=1, gzip;q=0.5", BOTH, None),
        ("gzip;q=abc", BOTH, None),
        ("gzip;q=nan, br;q=inf", BOTH, None),
        ("br", ("gzip",), None),
        ("", BOTH, None),
        (" , ;q=1, gzip ; q=0.5 ", BOTH, "gzip"),
        ("x-" + "a" * 500 + ", gzip", BOTH, "gzip"),  # long headers are parsed, not remembered
    ],
)
def test_choose_coding(header: str, available: tuple[str, ...], chosen: str | None) -> None:
    assert choose_coding(header, available) == chosen
