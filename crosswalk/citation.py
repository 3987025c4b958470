"""A release's citation file (``CITATION.cff`` or ``codemeta.json``) merged into its graph.

What the file says is stated on a node of its own, ``{release}#citation`` (an
``ldx:CitationMetadata``, ``prov:wasDerivedFrom`` the file node ``{release}#citation-file``,
which is ``schema:isPartOf`` the artefact it was read from): its title, its ordered author
list, version, date and keywords. So where the file and the core metadata disagree (another
author list), both stay, each traceable to its source.

What core metadata cannot say is stated on the release itself: DOIs as
``schema:identifier`` and ``schema:sameAs`` (``https://doi.org/…``), the preferred citation
as ``schema:citation`` (a ``schema:ScholarlyArticle`` for an article, itself derived from the
file), funding, and the file's keywords beside the metadata's. When the core metadata names
no author, the file's authors are the release's ``schema:author``. People with an ORCID iD
are the ORCID IRI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import Literal, URIRef

from crosswalk.builder import NodeBuilder
from crosswalk.records import Citation
from crosswalk.vocab import (
    CODEMETA,
    LDX,
    PROV,
    SCHEMA,
    XSD,
    doi_iri,
    orcid_iri,
)

__all__ = ["WORK_TYPES", "add_citation", "person_name"]

# CFF reference types -> schema.org classes (anything else is a schema:CreativeWork).
WORK_TYPES = {
    "article": SCHEMA.ScholarlyArticle,
    "conference-paper": SCHEMA.ScholarlyArticle,
    "magazine-article": SCHEMA.Article,
    "newspaper-article": SCHEMA.NewsArticle,
    "book": SCHEMA.Book,
    "thesis": SCHEMA.Thesis,
    "report": SCHEMA.Report,
    "software": SCHEMA.SoftwareSourceCode,
    "software-code": SCHEMA.SoftwareSourceCode,
    "data": SCHEMA.Dataset,
    "dataset": SCHEMA.Dataset,
    "website": SCHEMA.WebSite,
}
MEDIA_TYPES = {"cff": "application/yaml", "codemeta": "application/ld+json"}


def person_name(person: Mapping[str, Any]) -> str | None:
    """A CFF person's or entity's display name: "Given van Family Jr." or the entity name."""
    if isinstance(person.get("name"), str):
        return person["name"]
    parts = [person.get(k) for k in ("given-names", "name-particle", "family-names")]
    name = " ".join(p for p in parts if isinstance(p, str) and p)
    suffix = person.get("name-suffix")
    if name and isinstance(suffix, str) and suffix:
        name = f"{name} {suffix}"
    return name or None


class _People:
    """Person and organisation nodes of one graph, one per ORCID or per name and e-mail."""

    def __init__(self, release: NodeBuilder) -> None:
        self.release = release
        self.seen: dict[tuple[str, ...], URIRef] = {}
        self.organisations: dict[str, URIRef] = {}

    def node(self, person: Mapping[str, Any]) -> URIRef | None:
        name = person_name(person)
        orcid = orcid_iri(person.get("orcid"))
        if name is None and orcid is None:
            return None
        key = (str(orcid),) if orcid else (name or "", str(person.get("email") or ""))
        if key in self.seen:
            return self.seen[key]
        is_entity = "name" in person and "family-names" not in person
        cls = SCHEMA.Organization if is_entity else SCHEMA.Person
        if orcid is not None:
            node = self.release.node_at(None, orcid, cls)
        else:
            node = self.release.child(None, "cited-person", cls)
        node.text(SCHEMA.name, name)
        if not is_entity:
            node.text(SCHEMA.givenName, person.get("given-names"))
            node.text(SCHEMA.familyName, person.get("family-names"))
        node.text(SCHEMA.email, person.get("email"))
        affiliation = person.get("affiliation")
        if isinstance(affiliation, str) and affiliation.strip():
            node.add(SCHEMA.affiliation, self.organisation(affiliation.strip()))
        self.seen[key] = node.subject
        return node.subject

    def organisation(self, name: str) -> URIRef:
        if name not in self.organisations:
            node = self.release.child(None, "organisation", SCHEMA.Organization)
            node.text(SCHEMA.name, name)
            self.organisations[name] = node.subject
        return self.organisations[name]

    def nodes(self, people: object) -> list[URIRef]:
        if not isinstance(people, list):
            return []
        found = (self.node(p) for p in people if isinstance(p, Mapping))
        return list(dict.fromkeys(n for n in found if n is not None))


def _dois(data: Mapping[str, Any]) -> list[URIRef]:
    values = [data.get("doi")]
    for identifier in data.get("identifiers") or ():
        if isinstance(identifier, Mapping) and identifier.get("type") == "doi":
            values.append(identifier.get("value"))
    return list(dict.fromkeys(d for d in map(doi_iri, values) if d is not None))


def _date(node: NodeBuilder, prop: URIRef, value: object) -> None:
    text = str(value).strip() if isinstance(value, str | int) else ""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        node.add(prop, Literal(text, datatype=XSD.date))
    elif len(text) == 4 and text.isdigit():
        node.add(prop, Literal(text, datatype=XSD.gYear))


def _work(
    release: NodeBuilder, people: _People, work: Mapping[str, Any], source: URIRef
) -> NodeBuilder:
    cls = WORK_TYPES.get(str(work.get("type", "")), SCHEMA.CreativeWork)
    node = release.node_at(SCHEMA.citation, URIRef(f"{release.subject}#preferred-citation"), cls)
    node.add(PROV.wasDerivedFrom, source)
    node.text(SCHEMA.name, work.get("title"))
    node.ordered(SCHEMA.author, people.nodes(work.get("authors")))
    for doi in _dois(work):
        node.add(SCHEMA.identifier, doi)
        node.add(SCHEMA.sameAs, doi)
    node.iri(SCHEMA.url, work.get("url"), "preferred-citation url")
    _date(node, SCHEMA.datePublished, work.get("year"))
    journal = work.get("journal") or work.get("collection-title")
    if isinstance(journal, str) and journal.strip():
        venue = URIRef(f"{release.subject}#preferred-citation-venue")
        node.node_at(SCHEMA.isPartOf, venue, SCHEMA.Periodical).text(SCHEMA.name, journal)
    for key, prop in (
        ("volume", SCHEMA.volumeNumber),
        ("issue", SCHEMA.issueNumber),
        ("start", SCHEMA.pageStart),
        ("end", SCHEMA.pageEnd),
        ("publisher", LDX.publisherName),
    ):
        value = work.get(key)
        if isinstance(value, Mapping):
            value = value.get("name")
        if isinstance(value, str | int) and not isinstance(value, bool):
            node.text(prop, value)
    return node


def add_citation(
    release: NodeBuilder, citation: Citation, file_iri: URIRef | None, has_authors: bool
) -> None:
    """State a release's citation file: the file, what it says, and what it adds."""
    data = citation.data
    base = str(release.subject)
    source = release.node_at(None, URIRef(f"{base}#citation-file"), LDX.CitationFile)
    source.types(SCHEMA.DigitalDocument)
    source.text(SCHEMA.name, citation.member)
    source.text(SCHEMA.encodingFormat, MEDIA_TYPES.get(citation.format, citation.format))
    if file_iri is not None:
        source.add(SCHEMA.isPartOf, file_iri)

    people = _People(release)
    cited = release.node_at(LDX.citationMetadata, URIRef(f"{base}#citation"), LDX.CitationMetadata)
    cited.add(PROV.wasDerivedFrom, source.subject)
    cited.text(SCHEMA.name, data.get("title"))
    authors = people.nodes(data.get("authors"))
    cited.ordered(SCHEMA.author, authors)
    cited.text(SCHEMA.version, data.get("version"))
    _date(cited, SCHEMA.datePublished, data.get("date-released"))
    cited.text(SCHEMA.abstract, data.get("abstract"))
    cited.text(LDX.citationMessage, data.get("message"))
    cited.iri(SCHEMA.codeRepository, data.get("repository-code"), "repository-code")
    cited.iri(SCHEMA.url, data.get("url"), "url")
    for keyword in data.get("keywords") or ():
        cited.text(SCHEMA.keywords, keyword)
        release.text(SCHEMA.keywords, keyword)
    if not has_authors and authors:
        release.ordered(SCHEMA.author, authors)

    for doi in _dois(data):
        release.add(SCHEMA.identifier, doi)
        release.add(SCHEMA.sameAs, doi)
        cited.add(SCHEMA.identifier, doi)
    preferred = data.get("preferred-citation")
    if isinstance(preferred, Mapping):
        _work(release, people, preferred, source.subject)
    for funding in data.get("funding") or ():
        release.text(CODEMETA.funding, funding)
    for funder in data.get("funders") or ():
        if isinstance(funder, str) and funder.strip():
            release.add(SCHEMA.funder, people.organisation(funder.strip()))
