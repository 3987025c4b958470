"""The prefixes every query may use without declaring them, and that Turtle results use.

Plain strings, so query processes start without loading rdflib; a test checks they match
``crosswalk.vocab``.
"""

from __future__ import annotations

__all__ = ["PREFIXES"]

PREFIXES: dict[str, str] = {
    "schema": "http://schema.org/",
    "codemeta": "https://codemeta.github.io/terms/",
    "ldx": "https://w3id.org/ldindex/vocab#",
    "spdx": "http://spdx.org/rdf/terms#",
    "license": "https://spdx.org/licenses/",
    "repostatus": "https://www.repostatus.org/#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
    "stype": "https://w3id.org/software-types#",
}
