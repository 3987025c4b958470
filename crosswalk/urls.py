"""Project-URL labels, normalised as PEP 753 says, and the property each well-known label maps to.

PEP 753: remove ASCII punctuation and whitespace, then lower-case; ``Bug Tracker`` and
``bug-tracker`` are both ``bugtracker``. The aliases below are the PEP's list of well-known
labels (plus forge names such as ``GitLab`` and ``Code``); any other label keeps only its
label/URL pair under ``ldx:projectUrl``.
"""

from __future__ import annotations

import string

from rdflib import URIRef

from crosswalk.vocab import CODEMETA, SCHEMA

__all__ = ["WELL_KNOWN", "normalise_label", "property_for_label"]

_DROP = str.maketrans("", "", string.punctuation + string.whitespace)

# PEP 753 "Well-known labels": normalised label -> (well-known name, property).
WELL_KNOWN: dict[str, tuple[str, URIRef]] = {}
for _name, _aliases, _prop in (
    ("homepage", ("homepage",), SCHEMA.url),
    # PEP 753's aliases, plus the forge names and "code" that real metadata uses as often.
    (
        "source",
        ("source", "repository", "sourcecode", "github", "code", "gitlab", "codeberg", "git"),
        SCHEMA.codeRepository,
    ),
    ("download", ("download",), SCHEMA.downloadUrl),
    ("changelog", ("changelog", "changes", "whatsnew", "history"), SCHEMA.releaseNotes),
    ("releasenotes", ("releasenotes",), SCHEMA.releaseNotes),
    ("documentation", ("documentation", "docs"), SCHEMA.softwareHelp),
    (
        "issues",
        ("issues", "bugs", "issue", "tracker", "issuetracker", "bugtracker"),
        CODEMETA.issueTracker,
    ),
    ("funding", ("funding", "sponsor", "donate", "donation"), CODEMETA.funding),
):
    for _alias in _aliases:
        WELL_KNOWN[_alias] = (_name, _prop)


def normalise_label(label: str) -> str:
    """PEP 753 label normalisation."""
    return label.translate(_DROP).lower()


def property_for_label(label: str) -> URIRef | None:
    """The schema.org/Codemeta property a well-known label maps to, or None."""
    known = WELL_KNOWN.get(normalise_label(label))
    return known[1] if known else None
