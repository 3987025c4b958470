"""Site-wide pages: the landing page, ``robots.txt``, the sitemap and the vocabulary.

No page for people lists the whole catalogue (at PyPI's size that is a page of about 100 MB):
the landing page shows counts, the latest releases and the search box. The sitemap is one
``urlset`` while the site has at most ``SITEMAP_URLS`` pages, and beyond that a sitemap index
over numbered files of that many URLs each, as the sitemaps protocol requires.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import islice

import orjson
from rdflib import Graph

from crosswalk import serialise
from crosswalk.contexts import CONTEXTS_DIR
from publisher.render.environment import render, templates_dir
from publisher.render.rdfa import curie, node_views, prefix_attribute
from publisher.store import Store

__all__ = ["SITEMAP_URLS", "SiteRenderer"]

LATEST_RELEASES = 20
SITEMAP_URLS = 50_000  # the sitemaps protocol's limit per file
VOCAB_FILE = "ldindex-vocab.ttl"
# Files served under /_/static/ from the templates directory: name -> media type.
STATIC_FILES = {
    "style.css": "text/css; charset=utf-8",
    "site.js": "text/javascript; charset=utf-8",
}


class SiteRenderer:
    """Renders the pages that describe the whole index, for one store and base URL."""

    def __init__(self, store: Store, base: str, sitemap_urls: int = SITEMAP_URLS) -> None:
        self.store = store
        self.base = base.rstrip("/")
        self.sitemap_urls = sitemap_urls

    def landing(self) -> bytes:
        """Counts, the latest releases and the search box."""
        counts = self.store.counts()
        return render(
            "landing.html",
            canonical=f"{self.base}/",
            project_count=counts["projects"],
            release_count=counts["releases"],
            file_count=counts["files"],
            latest=self.store.latest_releases(LATEST_RELEASES),
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

    def sitemap_files(self) -> int:
        """How many ``urlset`` files the sitemap needs (0: ``/sitemap.xml`` is the urlset)."""
        counts = self.store.counts()
        total = counts["projects"] + counts["releases"]
        return 0 if total <= self.sitemap_urls else -(-total // self.sitemap_urls)

    def sitemap(self) -> bytes:
        """``/sitemap.xml``: every page, or an index of the numbered sitemap files."""
        files = self.sitemap_files()
        if not files:
            return render("sitemap.xml", urls=list(self._sitemap_urls()))
        return render(
            "sitemap-index.xml",
            sitemaps=[f"{self.base}/sitemap-{n}.xml" for n in range(1, files + 1)],
        )

    def sitemap_file(self, number: int) -> bytes | None:
        """``/sitemap-{number}.xml`` (from 1), or None past the last."""
        if not 1 <= number <= self.sitemap_files():
            return None
        start = (number - 1) * self.sitemap_urls
        urls = list(islice(self._sitemap_urls(), start, start + self.sitemap_urls))
        return render("sitemap.xml", urls=urls)

    def _sitemap_urls(self) -> Iterator[tuple[str, str | None]]:
        """Project pages in name order, each followed by its release pages; projects known
        only from a listing have a page too, dated by their latest upload."""
        releases: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for project, version, when in self.store.release_dates():
            releases[project].append((version, when.date().isoformat()))
        for entry in self.store.iter_listing():
            held = releases.get(entry.name, [])
            newest = max((day for _, day in held), default=None)
            yield f"{self.base}/project/{entry.name}/", newest or _lastmod(entry.latest_upload)
            for version, day in held:
                yield f"{self.base}/project/{entry.name}/{version}/", day

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


def _lastmod(moment: str | None) -> str | None:
    """A W3C datetime for the sitemap: the day of a timestamp, or a month as it is."""
    if not moment:
        return None
    return moment[:10]
