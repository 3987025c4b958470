"""The crosswalk table (``crosswalk.csv``) read into rows: field -> property, kind, transform.

Columns: ``source`` (``metadata``: a core-metadata field in RawMetadata shape; ``release`` or
``file``: an attribute of the record), ``field`` (``a+b`` for fields read together,
``classifiers:Family`` for one classifier family), ``property`` (a CURIE), ``kind`` of value,
the named ``transform``, ``codemeta`` (the official crosswalk's source field(s) a row
implements, `` / ``-separated) and ``note``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import URIRef

from crosswalk.vocab import PREFIXES

__all__ = ["TABLE_PATH", "Row", "expand_curie", "load_table"]

TABLE_PATH = Path(__file__).with_name("crosswalk.csv")
KINDS = frozenset({"literal", "iri", "node", "list", "integer", "boolean", "datetime"})


@dataclass(frozen=True, slots=True)
class Row:
    source: str
    field: str
    property: URIRef
    kind: str
    transform: str
    codemeta: tuple[str, ...]
    note: str

    @property
    def fields(self) -> tuple[str, ...]:
        """The record fields the row reads (``author+author_email`` -> two)."""
        return tuple(self.field.split(":", 1)[0].split("+"))

    @property
    def selector(self) -> str | None:
        """The classifier family of a ``classifiers:Family`` row."""
        return self.field.split(":", 1)[1] if ":" in self.field else None


def expand_curie(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    try:
        return URIRef(PREFIXES[prefix] + local)
    except KeyError:
        raise ValueError(f"crosswalk.csv: unknown prefix in {curie!r}") from None


@cache
def load_table(path: Path = TABLE_PATH) -> tuple[Row, ...]:
    """The rows of the table, checked: known kinds, prefixes and sources."""
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, rec in enumerate(csv.DictReader(fh), start=2):
            if rec["kind"] not in KINDS or rec["source"] not in ("metadata", "release", "file"):
                raise ValueError(f"{path.name}:{n}: bad kind or source in {rec}")
            rows.append(
                Row(
                    source=rec["source"],
                    field=rec["field"],
                    property=expand_curie(rec["property"]),
                    kind=rec["kind"],
                    transform=rec["transform"],
                    codemeta=tuple(s.strip() for s in rec["codemeta"].split(" / ") if s.strip()),
                    note=rec["note"],
                )
            )
    return tuple(rows)
