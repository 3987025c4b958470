"""Licence fields as SPDX License List IRIs where they name SPDX licences.

``License-Expression`` (PEP 639) is validated and canonicalised by ``packaging.licenses``;
each licence identifier in it becomes ``https://spdx.org/licenses/{id}``. ``LicenseRef-``
identifiers and exceptions (after ``WITH``) name no SPDX licence and get no IRI; the whole
expression is kept as a literal beside the IRIs.
"""

from __future__ import annotations

import re

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

__all__ = ["license_ids"]

_TOKEN = re.compile(r"[^\s()]+")
_OPERATORS = frozenset({"AND", "OR", "WITH"})


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
