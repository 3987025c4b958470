"""Site-wide pages: the landing page, ``robots.txt`` and ``sitemap.xml``."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from rdflib import Graph

from crosswalk import serialise
from crosswalk.contexts import CONTEXTS_DIR
from publisher.render.environment import render, templates_dir
from publisher.render.rdfa import curie, node_views, prefix_attribute
from publisher.search import SearchHit
from publisher.store import ProjectSummary, Store

__all__ = ["SiteRenderer"]

LANDING_LIMIT = 500
VOCAB_FILE = "ldindex-vocab.ttl"
# Files served under /_/static/ from the templates directory: name -> media type.
STATIC_FILES = {
    "style.css": "text/css; charset=utf-8",
    "site.js": "text/javascript; charset=utf-8",
}


class SiteRenderer:
    """Renders the pages that describe the whole index, for one store and base URL."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base.rstrip("/")

    def landing(self) -> bytes:
        counts = self.store.counts()
        projects = self.store.project_listing()
        return render(
            "landing.html",
            canonical=f"{self.base}/",
            project_count=counts["projects"],
            release_count=counts["releases"],
            file_count=counts["files"],
            projects=projects[:LANDING_LIMIT],
            truncated=len(projects) > LANDING_LIMIT,
        )

    def static(self, name: str) -> bytes:
        """A static file: the stylesheet, the copy-button script (kept out of the pages, so
        browsers cache them once)."""
        return (templates_dir() / name).read_bytes()

    def stylesheet(self) -> bytes:
        return self.static("style.css")

    def robots(self) -> bytes:
        """Crawlers may read every page, the vocabulary and the stylesheet; the search,
        query and API endpoints under ``/_/`` are not for them. The specific rules come first,
        so crawlers that take the first match (Python's robotparser) agree with those that take
        the longest (RFC 9309)."""
        return (
            "User-agent: *\nAllow: /_/vocab\nAllow: /_/static/\nDisallow: /_/\n"
            f"Sitemap: {self.base}/sitemap.xml\n"
        ).encode()

    def sitemap(self) -> bytes:
        urls: list[tuple[str, str | None]] = []
        newest: dict[str, str] = {}
        releases = self.store.release_dates()
        for project, _version, when in releases:
            day = when.date().isoformat()
            newest[project] = max(newest.get(project, day), day)
        seen: set[str] = set()
        for project, version, when in releases:
            if project not in seen:
                seen.add(project)
                urls.append((f"{self.base}/project/{project}/", newest[project]))
            urls.append((f"{self.base}/project/{project}/{version}/", when.date().isoformat()))
        return render("sitemap.xml", urls=urls)

    def vocab_turtle(self) -> bytes:
        """The ldindex vocabulary as shipped (Turtle)."""
        return (CONTEXTS_DIR / VOCAB_FILE).read_bytes()

    def vocab_data(self, fmt: str) -> bytes:
        """The vocabulary as ``turtle`` (the shipped file), ``jsonld`` or ``nt``."""
        if fmt == "turtle":
            return self.vocab_turtle()
        graph = Graph(bind_namespaces="none").parse(data=self.vocab_turtle(), format="turtle")
        if fmt == "jsonld":
            context = {p: str(ns) for p, ns in graph.namespaces() if p}
            document = orjson.loads(graph.serialize(format="json-ld", context=context))
            nodes = document.get("@graph", [])
            nodes.sort(key=lambda node: node.get("@id", ""))
            for node in nodes:  # values of one key in a fixed order, whatever the hash seed
                for value in node.values():
                    if isinstance(value, list):
                        value.sort(key=lambda v: orjson.dumps(v, option=orjson.OPT_SORT_KEYS))
            return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        return serialise(graph, fmt)

    def vocab_html(self) -> bytes:
        """The vocabulary as a page, each term a block carrying its triples as RDFa."""
        graph = Graph().parse(data=self.vocab_turtle(), format="turtle")
        views = node_views(graph)
        return render(
            "vocab.html",
            canonical=f"{self.base}/_/vocab",
            nodes=views,
            labels={v.about: curie(v.about) for v in views},
            prefixes=prefix_attribute(),
        )

    def search_html(self, query: str, hits: Sequence[SearchHit], limit: int) -> bytes:
        """Search results as an HTML5 table: one ``tbody > tr`` per project, name and summary."""
        return render(
            "search.html",
            canonical=f"{self.base}/_/search/",
            query=query,
            hits=hits,
            limit=limit,
        )

    def search_json(self, query: str, hits: Sequence[SearchHit]) -> bytes:
        return orjson.dumps({"query": query, "results": [self._entry(h.project) for h in hits]})

    def listing_json(self, projects: Sequence[ProjectSummary]) -> bytes:
        """Every project's name and summary, for client-side search."""
        return orjson.dumps({"projects": [self._entry(p) for p in projects]})

    def _entry(self, p: ProjectSummary) -> dict[str, str | None]:
        return {
            "name": p.name,
            "display_name": p.display_name,
            "summary": p.summary,
            "latest_version": p.latest_version,
            "url": f"{self.base}/project/{p.name}/",
        }
