"""Trove classifiers: the parts after a family prefix, and Development Status as repostatus.

The official Codemeta crosswalk maps the ``Programming Language``, ``Topic``, ``Operating
System`` and ``Development Status`` families; ``crosswalk.csv`` names them. Development Status
becomes a repostatus.org IRI with codemetapy's table (the mapping is debatable; the
classifier itself is kept too, under ``ldx:classifier``).
"""

from __future__ import annotations

from rdflib import URIRef

from crosswalk.vocab import REPOSTATUS

__all__ = ["REPOSTATUS_MAP", "classifier_parts", "language_words", "repostatus"]

# codemetapy's REPOSTATUS_MAP (codemeta/common.py), keyed by the lower-cased status.
REPOSTATUS_MAP = {
    "1 - planning": "concept",
    "2 - pre-alpha": "concept",
    "3 - alpha": "wip",
    "4 - beta": "wip",
    "5 - production/stable": "active",
    "6 - mature": "active",
    "7 - inactive": "unsupported",
}


def classifier_parts(classifier: str, family: str) -> list[str] | None:
    """The parts after ``family ::`` (``["Python", "3.8"]``), or None for another family."""
    parts = [p.strip() for p in classifier.split("::")]
    if parts[0] != family:
        return None
    rest = [p for p in parts[1:] if p]
    return rest or None


def repostatus(status: str) -> URIRef | None:
    """The repostatus.org IRI of a Development Status (``5 - Production/Stable``)."""
    found = REPOSTATUS_MAP.get(status.strip().lower())
    return REPOSTATUS[found] if found else None


def language_words(parts: list[str]) -> str:
    """A ``Programming Language`` classifier's language and version: ``["Python", "3.8"]``
    is "Python 3.8"; ``["Python", "3", "Only"]`` is "Python 3"; an implementation or any
    other qualifier (``["Python", "Implementation", "PyPy"]``) is just the language."""
    if len(parts) > 1 and parts[1][:1].isdigit():
        return f"{parts[0]} {parts[1]}"
    return parts[0]
