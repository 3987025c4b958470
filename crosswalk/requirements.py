"""Requires-Dist entries as structured values: name, specifier, extras and marker apart.

Parsed with ``packaging.requirements``; an entry it refuses is kept whole as its original
string, so a requirement is never lost, only left unstructured.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from packaging.requirements import InvalidRequirement, Requirement

__all__ = ["ParsedRequirement", "parse_requirement"]


@dataclass(frozen=True, slots=True)
class ParsedRequirement:
    original: str
    name: str | None = None
    specifier: str | None = None
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None


@lru_cache(maxsize=8192)
def parse_requirement(text: str) -> ParsedRequirement:
    """The parts of one requirement string, or only the string if it does not parse.

    Cached: the same strings recur in every release of a project and across projects.
    """
    original = text.strip()
    try:
        req = Requirement(original)
    except InvalidRequirement:
        return ParsedRequirement(original)
    return ParsedRequirement(
        original=original,
        name=req.name,
        specifier=str(req.specifier) or None,
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker is not None else None,
        url=req.url,
    )
