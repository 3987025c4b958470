"""The JSON-LD contexts ldindex ships in ``contexts/``, and the URLs they stand for.

``https://w3id.org/codemeta/3.0`` is a verbatim copy of ``codemeta.jsonld`` at the codemeta
repository's ``3.0`` tag. ``ldindex.jsonld`` defines every other term ldindex emits (its own
``ldx:`` terms, the SPDX checksum terms and a few schema.org terms Codemeta lacks); documents
carry it inline, so the only remote context a consumer resolves is Codemeta's.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "CODEMETA_CONTEXT_URL",
    "CONTEXTS_DIR",
    "LDINDEX_CONTEXT_URL",
    "LOCAL_CONTEXTS",
    "codemeta_context",
    "ldindex_context",
    "merged_context",
]


def _contexts_dir() -> Path:
    """``contexts/`` at the top of a checkout; in a built wheel the build hook (``setup.py``)
    ships it as package data beside this module, under ``context-files/``."""
    here = Path(__file__).resolve().parent
    shipped = here / "context-files"
    return shipped if shipped.is_dir() else here.parent / "contexts"


CONTEXTS_DIR = _contexts_dir()
CODEMETA_CONTEXT_URL = "https://w3id.org/codemeta/3.0"
LDINDEX_CONTEXT_URL = "https://w3id.org/ldindex/context.jsonld"

# Remote URL -> local file. The Codemeta context is also known by its older and
# redirect-target spellings, which documents in the wild use.
LOCAL_CONTEXTS = {
    CODEMETA_CONTEXT_URL: "codemeta-3.0.jsonld",
    "https://w3id.org/codemeta/v3.0": "codemeta-3.0.jsonld",
    "https://raw.githubusercontent.com/codemeta/codemeta/3.0/codemeta.jsonld": (
        "codemeta-3.0.jsonld"
    ),
    LDINDEX_CONTEXT_URL: "ldindex.jsonld",
}


@cache
def load_context_document(filename: str) -> dict[str, Any]:
    """A context file as a JSON document (``{"@context": {...}}``)."""
    return json.loads((CONTEXTS_DIR / filename).read_text(encoding="utf-8"))


def codemeta_context() -> dict[str, Any]:
    """The term definitions of the Codemeta 3.0 context."""
    return load_context_document("codemeta-3.0.jsonld")["@context"]


def ldindex_context() -> dict[str, Any]:
    """ldindex's own term definitions (inline in every document)."""
    return load_context_document("ldindex.jsonld")["@context"]


@cache
def merged_context() -> dict[str, Any]:
    """Codemeta's definitions overlaid with ldindex's: what a document's context amounts to."""
    return {**codemeta_context(), **ldindex_context()}
