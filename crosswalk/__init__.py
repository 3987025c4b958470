"""The Codemeta crosswalk: artefact records to an RDF graph and JSON-LD. Pure: no I/O.

``release_graph``/``project_graph`` build graphs from records (``crosswalk.mapping``);
``to_jsonld`` writes the Codemeta-shaped document (``crosswalk.jsonld``); ``serialise`` gives
bytes in JSON-LD, Turtle or N-Triples. They are loaded on first use, so code that needs only
the records (``crosswalk.records``, ``crosswalk.plain``) does not pay for rdflib and pyld.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "document_loader",
    "project_graph",
    "release_graph",
    "serialise",
    "to_jsonld",
]

_HOMES = {
    "FORMATS": "crosswalk.formats",
    "MEDIA_TYPES": "crosswalk.formats",
    "serialise": "crosswalk.formats",
    "document_loader": "crosswalk.jsonld",
    "to_jsonld": "crosswalk.jsonld",
    "project_graph": "crosswalk.mapping",
    "release_graph": "crosswalk.mapping",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'crosswalk' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later lookups skip this hook
    return value
