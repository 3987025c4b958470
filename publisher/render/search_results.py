"""A page of search results: HTML5 table with RDFa, the same list as JSON-LD, and plain JSON.

Each ``tbody > tr`` is one project, its first ``td`` the name (a link to the project page)
and its second the summary, and nothing else, so the minimal client reading
``td[0], td[1]`` of each row works. The RDFa on those rows states a schema.org ``ItemList`` of
``ListItem``s, each pointing at the project's ``SoftwareSourceCode`` node with its name and
description; the embedded JSON-LD (and the ``application/ld+json`` answer) states the same
triples.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import orjson

from crosswalk import vocab
from publisher.render.environment import render
from publisher.render.pages import script_json
from publisher.store import ListingEntry, SearchResults

__all__ = ["SearchPage"]

SCHEMA = "http://schema.org/"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results for a query, under one base URL."""

    base: str
    query: str
    page: int
    per_page: int
    results: SearchResults

    @property
    def iri(self) -> str:
        """The canonical IRI of this page of results (the ItemList's identifier)."""
        if not self.query:
            return f"{self.base}/_/search/"
        params = {"q": self.query}
        if self.page != 1:
            params["page"] = str(self.page)
        if self.per_page != 20:
            params["per_page"] = str(self.per_page)
        return f"{self.base}/_/search/?{urlencode(params)}"

    @property
    def first_position(self) -> int:
        return (self.page - 1) * self.per_page + 1

    def _project_iri(self, entry: ListingEntry) -> str:
        return str(vocab.project_iri(self.base, entry.name))

    def jsonld_document(self) -> dict:
        """The result list as JSON-LD: the triples the page's RDFa states."""
        items = []
        for position, entry in enumerate(self.results.hits, start=self.first_position):
            item: dict = {
                "@id": self._project_iri(entry),
                "@type": "SoftwareSourceCode",
                "name": entry.display_name,
            }
            if entry.summary:
                item["description"] = entry.summary
            items.append({"@type": "ListItem", "position": position, "item": item})
        return {
            "@context": {"@vocab": SCHEMA},
            "@id": self.iri,
            "@type": "ItemList",
            "numberOfItems": self.results.total,
            "itemListElement": items,
        }

    def html(self) -> bytes:
        pages = max(1, -(-self.results.total // self.per_page))
        return render(
            "search.html",
            canonical=self.iri,
            query=self.query,
            hits=[
                (position, entry, self._project_iri(entry))
                for position, entry in enumerate(self.results.hits, start=self.first_position)
            ],
            total=self.results.total,
            more=self.results.more,
            page=self.page,
            pages=pages,
            previous_url=self._page_url(self.page - 1) if self.page > 1 else None,
            next_url=self._page_url(self.page + 1) if self.page < pages else None,
            xsd_integer=XSD_INTEGER,
            jsonld=script_json(self.jsonld_document()) if self.query else None,
        )

    def _page_url(self, page: int) -> str:
        params = {"q": self.query, "page": str(page)}
        if self.per_page != 20:
            params["per_page"] = str(self.per_page)
        return f"/_/search/?{urlencode(params)}"

    def jsonld(self) -> bytes:
        return orjson.dumps(self.jsonld_document())

    def json(self) -> bytes:
        return orjson.dumps(
            {
                "query": self.query,
                "page": self.page,
                "per_page": self.per_page,
                "total": self.results.total,
                "more": self.results.more,
                "results": [
                    {
                        "name": e.name,
                        "display_name": e.display_name,
                        "summary": e.summary,
                        "latest_version": e.latest_version,
                        "url": self._project_iri(e),
                    }
                    for e in self.results.hits
                ],
            }
        )
