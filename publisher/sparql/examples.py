"""The example queries the endpoint's page offers: ``queries/*.rq``, each headed by its title
and a description in ``#`` comment lines. Data, not code: add a file to add an example."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["Example", "examples"]

QUERIES_DIR = Path(__file__).resolve().parent / "queries"


@dataclass(frozen=True, slots=True)
class Example:
    slug: str
    title: str
    description: str
    query: str


@cache
def examples() -> tuple[Example, ...]:
    found = []
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = []
        while lines and lines[0].startswith("#"):
            header.append(lines.pop(0).lstrip("#").strip())
        if not header:
            raise ValueError(f"{path}: an example query starts with a '# title' line")
        slug = path.stem.split("-", 1)[-1]
        found.append(Example(slug, header[0], " ".join(header[1:]), "\n".join(lines).strip()))
    return tuple(found)
