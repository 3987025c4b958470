"""Media types of the Simple Repository API (PEP 691) and the choice between them.

The types are data: ``OFFERS`` lists what the index can answer in the order it prefers when a
client rates several equally; ``negotiate`` applies an ``Accept`` header (or the ``?format=``
parameter, which takes precedence) with q-values and wildcards, RFC 9110 style.
"""

from __future__ import annotations

import math

__all__ = [
    "HTML",
    "JSON",
    "OFFERS",
    "TEXT_HTML",
    "is_json",
    "media_ranges",
    "negotiate",
]

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"

# Server preference on ties: plain HTML first, because clients that send only ``*/*``
# (curl, old installers) understand it; any client that asks for JSON by name gets JSON.
OFFERS: tuple[str, ...] = (TEXT_HTML, HTML, JSON)

# Names a client may use for an offer: the ``latest`` aliases of PEP 691 and the
# ``?format=`` shorthands.
ALIASES: dict[str, str] = {
    "application/vnd.pypi.simple.latest+json": JSON,
    "application/vnd.pypi.simple.latest+html": HTML,
    "json": JSON,
    "html": TEXT_HTML,
}


def is_json(media_type: str) -> bool:
    """Whether a type ``negotiate`` returned asks for the JSON form."""
    return media_type == JSON


def negotiate(
    accept: str | None,
    format_param: str | None = None,
    offers: tuple[str, ...] = OFFERS,
    aliases: dict[str, str] = ALIASES,
) -> str | None:
    """The media type to answer with, or None when the client accepts none of ``offers``
    (the simple API's by default; other URL families pass their own, with ``aliases``
    naming the ``?format=`` shorthands).

    ``format_param`` (the ``?format=`` query value) is read with the same rules as ``Accept``
    and wins over it. An ``Accept`` that is missing or names no media range means ``*/*``.
    """
    header = format_param if format_param else accept
    # No usable media range at all (absent, empty, garbage) reads as "anything".
    ranges = (_parse(header, aliases) if header else []) or [("*/*", 1.0)]
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for preference, offer in enumerate(offers):
        q, specificity = _quality(offer, ranges)
        if q <= 0:
            continue
        # Highest q wins; among equals, a type the client named beats one it reached by
        # wildcard; then the server's order.
        key = (q, specificity, -preference)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def media_ranges(accept: str) -> tuple[tuple[str, float], ...]:
    """The media ranges an Accept header names, with their q-values, in order: all that
    ``negotiate`` reads of it, so two headers with the same ranges negotiate alike."""
    return tuple(_parse(accept, {}, keep_bare=True))


def _parse(
    header: str, aliases: dict[str, str], keep_bare: bool = False
) -> list[tuple[str, float]]:
    """``(media range, q)`` pairs of an Accept header; malformed parts are skipped (bare
    words without "/" too, unless ``keep_bare``: aliases may name them)."""
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        if not media:
            continue
        media = aliases.get(media, media)
        if "/" not in media and not keep_bare:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                    q = min(max(q, 0.0), 1.0) if math.isfinite(q) else 0.0
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q the most specific matching range gives ``offer``, and that specificity
    (2 exact, 1 ``type/*``, 0 ``*/*``); ``(0, -1)`` when nothing matches."""
    kind = offer.split("/", 1)[0]
    found: tuple[int, float] | None = None
    for media, q in ranges:
        if media == offer:
            specificity = 2
        elif media == f"{kind}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if found is None or specificity > found[0]:
            found = (specificity, q)
    if found is None:
        return 0.0, -1
    return found[1], found[0]
