"""The Codemeta crosswalk: artefact records to an RDF graph and JSON-LD. Pure: no I/O.

``release_graph``/``project_graph`` build graphs from records (``crosswalk.mapping``);
``to_jsonld`` writes the Codemeta-shaped document (``crosswalk.jsonld``); ``serialise`` gives
bytes in JSON-LD, Turtle or N-Triples.
"""

from crosswalk.jsonld import document_loader, to_jsonld
from crosswalk.mapping import project_graph, release_graph
from crosswalk.serialise import FORMATS, MEDIA_TYPES, serialise

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "document_loader",
    "project_graph",
    "release_graph",
    "serialise",
    "to_jsonld",
]
