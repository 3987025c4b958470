"""Namespaces and the IRIs ldindex mints: resources under the base URL, PURLs, SPDX, repostatus.

Every IRI a graph holds is built here, so the page renderer, the JSON-LD writer and the SPARQL
endpoint agree on them byte for byte.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import Namespace, URIRef

from crosswalk.names import canonicalize_name

__all__ = [
    "CODEMETA",
    "DOI",
    "LDX",
    "ORCID",
    "PROV",
    "REPOSTATUS",
    "SCHEMA",
    "SPDX",
    "SPDX_LICENSE",
    "STYPE",
    "XSD",
    "doi_iri",
    "file_iri",
    "item_iri",
    "license_iri",
    "orcid_iri",
    "project_iri",
    "project_purl",
    "release_iri",
    "release_purl",
]

SCHEMA = Namespace("http://schema.org/")
CODEMETA = Namespace("https://codemeta.github.io/terms/")
LDX = Namespace("https://w3id.org/ldindex/vocab#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SPDX_LICENSE = Namespace("https://spdx.org/licenses/")
REPOSTATUS = Namespace("https://www.repostatus.org/#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
PROV = Namespace("http://www.w3.org/ns/prov#")
STYPE = Namespace("https://w3id.org/software-types#")
DOI = "https://doi.org/"
ORCID = "https://orcid.org/"

PREFIXES = {
    "schema": SCHEMA,
    "codemeta": CODEMETA,
    "ldx": LDX,
    "spdx": SPDX,
    "xsd": XSD,
    "prov": PROV,
    "stype": STYPE,
}

# Characters left as they are in a path segment: RFC 3986 unreserved plus sub-delims that
# PEP 440 versions and wheel filenames use.
_SEGMENT_SAFE = "!+,;=@~"


def _segment(text: str) -> str:
    return quote(text, safe=_SEGMENT_SAFE, errors="replace")


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def project_iri(base_url: str, name: str) -> URIRef:
    """``{base}/project/{name}/`` with the name normalised per PEP 503."""
    return URIRef(f"{_base(base_url)}/project/{_segment(canonicalize_name(name))}/")


def release_iri(base_url: str, name: str, version: str) -> URIRef:
    """``{base}/project/{name}/{version}/``."""
    return URIRef(f"{project_iri(base_url, name)}{_segment(version)}/")


def file_iri(base_url: str, url_path: str) -> URIRef:
    """``{base}/files/{url_path}``, each path segment percent-encoded where needed."""
    path = "/".join(_segment(part) for part in url_path.split("/"))
    return URIRef(f"{_base(base_url)}/files/{path}")


def item_iri(base_url: str, item_id: str) -> URIRef:
    """``{base}/_/api/items/{id}``: an extrinsic item, dereferenceable as JSON."""
    return URIRef(f"{_base(base_url)}/_/api/items/{_segment(item_id)}")


def project_purl(name: str) -> URIRef:
    """The package URL of a project: ``pkg:pypi/{name}`` (purl-spec: PyPI names lower-cased,
    ``_`` as ``-``)."""
    return URIRef(f"pkg:pypi/{_segment(canonicalize_name(name))}")


def release_purl(name: str, version: str) -> URIRef:
    """``pkg:pypi/{name}@{version}``."""
    return URIRef(f"{project_purl(name)}@{_segment(version)}")


def license_iri(spdx_id: str) -> URIRef:
    """The SPDX License List IRI of a license identifier (``https://spdx.org/licenses/MIT``)."""
    return SPDX_LICENSE[_segment(spdx_id)]


_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])/?$")


def doi_iri(value: object) -> URIRef | None:
    """``https://doi.org/10.x/y`` for a DOI given bare, as ``doi:`` or as a resolver URL."""
    if not isinstance(value, str):
        return None
    match = _DOI.match(value.strip())
    if not match:
        return None
    return URIRef(DOI + quote(match[1], safe="/:;()._-~!$&'*+,=@"))


def orcid_iri(value: object) -> URIRef | None:
    """``https://orcid.org/0000-0002-1825-0097`` for an ORCID iD with a valid checksum."""
    if not isinstance(value, str):
        return None
    match = _ORCID.match(value.strip())
    if not match:
        return None
    digits = match[1].replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return URIRef(ORCID + match[1]) if digits[-1] == expected else None
