"""Licence fields as SPDX License List IRIs where they name SPDX licences, else as names.

``License-Expression`` (PEP 639) is validated and canonicalised by ``packaging.licenses``;
each licence identifier in it becomes ``https://spdx.org/licenses/{id}``. ``LicenseRef-``
identifiers and exceptions (after ``WITH``) name no SPDX licence and get no IRI; the whole
expression is kept as a literal beside the IRIs.

Older metadata names its licence with a free-text ``License`` field or Trove classifiers.
``license_classifiers.csv`` maps each licence classifier that names exactly one SPDX licence
(PEP 639's appendix "Mapping License Classifiers to SPDX Identifiers": every single-licence
classifier except the ambiguous ones it lists); a classifier it does not map ("BSD License",
"Public Domain") names a licence without saying which version, so it stays a name.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

__all__ = ["CLASSIFIERS_PATH", "LicenseStatement", "classifier_licenses", "license_ids", "resolve"]

CLASSIFIERS_PATH = Path(__file__).with_name("license-classifiers.csv")
LICENSE_FAMILY = "License"
# Free text longer than this, or spanning lines, is a licence file pasted into the field.
MAX_NAME = 120

_TOKEN = re.compile(r"[^\s()]+")
_OPERATORS = frozenset({"AND", "OR", "WITH"})
_PLACEHOLDERS = frozenset({"", "UNKNOWN", "NONE", "N/A", "LICENSE", "SEE LICENSE", "OTHER"})
# Classifiers that name no licence at all (PEP 639: "do not map to any license expression").
_NO_LICENCE = frozenset({"License :: OSI Approved", "License :: DFSG approved"})


def license_ids(expression: str) -> tuple[str | None, tuple[str, ...]]:
    """The canonical expression and its SPDX licence identifiers, or (None, ()) if invalid."""
    try:
        canonical = canonicalize_license_expression(expression)
    except (InvalidLicenseExpression, ValueError, TypeError):
        return None, ()
    ids: list[str] = []
    after_with = False
    for token in _TOKEN.findall(canonical):
        if token in _OPERATORS:
            after_with = token == "WITH"
            continue
        if not after_with and not token.startswith(("LicenseRef-", "DocumentRef-")):
            ids.append(token.removesuffix("+"))
        after_with = False
    return canonical, tuple(dict.fromkeys(ids))


@cache
def _classifier_table() -> dict[str, str]:
    with CLASSIFIERS_PATH.open(encoding="utf-8", newline="") as fh:
        return {row["classifier"]: row["spdx"] for row in csv.DictReader(fh)}


def classifier_licenses(classifiers: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(SPDX ids, licence names) the licence classifiers state: an unambiguous classifier
    gives its SPDX id, an ambiguous one the name it spells ("BSD License")."""
    ids: list[str] = []
    names: list[str] = []
    if not isinstance(classifiers, list | tuple):
        return (), ()
    for item in classifiers:
        if not isinstance(item, str):
            continue
        text = " :: ".join(p.strip() for p in item.split("::"))
        if not text.startswith(f"{LICENSE_FAMILY} :: ") or text in _NO_LICENCE:
            continue
        spdx_id = _classifier_table().get(text)
        if spdx_id:
            ids.append(spdx_id)
        else:
            names.append(text.rsplit(" :: ", 1)[-1])
    return tuple(dict.fromkeys(ids)), tuple(dict.fromkeys(names))


def license_name(text: object) -> str | None:
    """A free-text License field as a licence name, or None when it names none: a
    placeholder (``UNKNOWN``) or a whole licence text pasted into the field."""
    if not isinstance(text, str):
        return None
    name = text.strip()
    if name.upper() in _PLACEHOLDERS or len(name) > MAX_NAME or "\n" in name:
        return None
    return name


@dataclass(frozen=True, slots=True)
class LicenseStatement:
    """What a release's metadata says its licence is, by the first source that says it:
    ``spdx_ids`` (IRIs), ``expression`` (the SPDX expression relating them, when there is
    one), or ``names`` (licences named without an SPDX identifier)."""

    spdx_ids: tuple[str, ...] = ()
    expression: str | None = None
    names: tuple[str, ...] = ()
    source: str | None = None


def resolve(expression: object, text: object, classifiers: object) -> LicenseStatement:
    """License-Expression, else a License field that is an SPDX expression, else licence
    classifiers with one SPDX id each, else the free text or ambiguous classifiers as names.
    Never a guessed version: "BSD" stays "BSD"."""
    if isinstance(expression, str) and expression.strip().upper() not in _PLACEHOLDERS:
        canonical, ids = license_ids(expression)
        if canonical is not None:
            return LicenseStatement(ids, canonical, source="License-Expression")
    name = license_name(text)
    if name is not None:
        canonical, ids = license_ids(name)
        if canonical is not None:
            return LicenseStatement(ids, canonical, source="License")
    ids, ambiguous = classifier_licenses(classifiers)
    if ids:
        return LicenseStatement(ids, source="Classifier")
    if name is not None:
        return LicenseStatement(names=(name,), source="License")
    if ambiguous:
        return LicenseStatement(names=ambiguous, source="Classifier")
    return LicenseStatement()
