"""Which resource a GET path names, in which media type: the URL map of the read-only site.

``Resolver(store, base)(path, accept, query)`` returns a ``Resource`` (cache key, media type,
renderer), an ``Immediate`` answer (redirect to the canonical URL, 406) or None for paths it
does not know. It decides from the path and headers alone, without touching the store, so a
cache hit never waits on the database. Framework-free: the ASGI layer, the WSGI/CGI handler
and the static export all answer through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import parse_qs, quote

import orjson

from crosswalk.names import canonicalize_name, normalise_version
from publisher.render import site
from publisher.render.pages import PageRenderer
from publisher.search import MAX_QUERY, SearchIndex, search_terms
from publisher.store import Store

__all__ = ["Immediate", "Resolver", "Resource"]

HTML = "text/html; charset=utf-8"

# Names and versions as ingest admits them (publisher.ingest.metadata.check_publishable),
# before normalisation; any other path segment names nothing here (404).
_NAME = r"([A-Za-z0-9._-]+)"
_VERSION = r"([A-Za-z0-9._+!-]+?)"
_SIMPLE_PROJECT = re.compile(rf"^/simple/{_NAME}(/?)$")
_PROJECT = re.compile(rf"^/project/{_NAME}(/?)$")
_RELEASE = re.compile(rf"^/project/{_NAME}/{_VERSION}(/?)(codemeta\.json)?$")


@dataclass(frozen=True, slots=True)
class Resource:
    """A cacheable response: its key, whose generation it follows, and how to render it.

    ``render`` returns the body, or None when the thing does not exist (answered with 404).
    """

    key: tuple[str, str]
    media_type: str
    render: Callable[[], bytes | None]
    project: str | None = None
    vary_accept: bool = True


@dataclass(frozen=True, slots=True)
class Immediate:
    """An uncached answer decided from the request alone: a redirect, a 406."""

    status: int
    body: bytes = b""
    media_type: str = "application/json"
    headers: tuple[tuple[bytes, bytes], ...] = field(default=())


# Linked-data pages: HTML for people, the same graph as JSON-LD, Turtle or N-Triples.
PAGE_FORMATS = {
    "text/html": "html",
    "application/ld+json": "jsonld",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
}
PAGE_OFFERS = tuple(PAGE_FORMATS)
SEARCH_LIMIT = 100
SEARCH_ALIASES = {"html": "text/html", "json": "application/json"}
PAGE_ALIASES = {
    "html": "text/html",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "application/json": "application/ld+json",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
}


def _redirect(location: str, query: str) -> Immediate:
    target = f"{quote(location)}?{quote(query, safe='=&%+:/;,')}" if query else quote(location)
    body = orjson.dumps({"error": "moved permanently", "location": target, "status": 301})
    return Immediate(301, body, headers=((b"location", target.encode()),))


def _not_acceptable(offered: tuple[str, ...]) -> Immediate:
    message = f"none of the offered media types is acceptable: {', '.join(offered)}"
    return Immediate(406, orjson.dumps({"error": message, "status": 406}))


class Resolver:
    """Map a GET request to the resource it names. One instance per application."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base.rstrip("/")
        self.site = site.SiteRenderer(store, self.base)
        self.pages = PageRenderer(store, self.base)
        self.search = SearchIndex(store)

    def __call__(self, path: str, accept: str, query: str) -> Resource | Immediate | None:
        if path == "/":
            return Resource(("/", HTML), HTML, self.site.landing, vary_accept=False)
        if path == "/_/static/style.css":
            return Resource((path, "text/css"), "text/css; charset=utf-8", self.site.stylesheet)
        if path == "/robots.txt":
            return Resource(
                (path, "text/plain"), "text/plain; charset=utf-8", self.site.robots, None, False
            )
        if path == "/sitemap.xml":
            return Resource(
                (path, "application/xml"), "application/xml", self.site.sitemap, None, False
            )
        if path.startswith("/_/search"):
            return self._search(path, accept, query)
        if path == "/_/vocab":
            return self._vocab(accept, query)
        if path.startswith("/simple"):
            return self._simple(path, accept, query)
        if path.startswith("/project/"):
            return self._project(path, accept, query)
        return None

    def _search(self, path: str, accept: str, query: str) -> Resource | Immediate | None:
        from publisher.render import media

        if path == "/_/search":
            return _redirect("/_/search/", query)
        if path == "/_/search/all":
            return Resource(
                (path, "application/json"),
                "application/json",
                lambda: self.site.listing_json(self.search.listing()),
                vary_accept=False,
            )
        if path != "/_/search/":
            return None
        offers = ("text/html", "application/json")
        chosen = media.negotiate(accept, _param(query, "format"), offers, SEARCH_ALIASES)
        if chosen is None:
            return _not_acceptable(offers)
        terms = " ".join(search_terms((_param(query, "q") or "")[:MAX_QUERY]))
        limit = SEARCH_LIMIT

        def render() -> bytes:
            hits = self.search.search(terms, limit)
            if chosen == "application/json":
                return self.site.search_json(terms, hits)
            return self.site.search_html(terms, hits, limit)

        content_type = HTML if chosen == "text/html" else chosen
        return Resource((f"{path}?q={terms}", chosen), content_type, render)

    def _vocab(self, accept: str, query: str) -> Resource | Immediate:
        from publisher.render import media

        offers = ("text/html", "text/turtle")
        chosen = media.negotiate(accept, _param(query, "format"), offers, PAGE_ALIASES)
        if chosen is None:
            return _not_acceptable(offers)
        if chosen == "text/turtle":
            return Resource(
                ("/_/vocab", chosen), "text/turtle; charset=utf-8", self.site.vocab_turtle
            )
        return Resource(("/_/vocab", chosen), HTML, self.site.vocab_html)

    # -- /simple/ ---------------------------------------------------------------------------

    def _simple(self, path: str, accept: str, query: str) -> Resource | Immediate | None:
        from publisher.render import media, simple

        if path == "/simple":
            return _redirect("/simple/", query)
        chosen = media.negotiate(accept, _param(query, "format"))
        if chosen is None:
            return _not_acceptable(media.OFFERS)
        as_json = media.is_json(chosen)
        content_type = chosen if as_json else f"{chosen}; charset=utf-8"
        store, files_url = self.store, f"{self.base}/files"
        if path == "/simple/":

            def render_index() -> bytes:
                names = [(p.name, p.display_name) for p in store.project_listing()]
                return simple.index_json(names) if as_json else simple.index_html(names)

            return Resource((path, chosen), content_type, render_index)
        match = _SIMPLE_PROJECT.match(path)
        if not match:
            return None
        name = canonicalize_name(match[1])
        if match[1] != name or not match[2]:
            return _redirect(f"/simple/{name}/", query)

        def render_project() -> bytes | None:
            project = store.get_project(name)
            if project is None:
                return None
            if as_json:
                return simple.project_json(project, files_url)
            return simple.project_html(project, files_url)

        return Resource((path, chosen), content_type, render_project, name)

    # -- /project/ --------------------------------------------------------------------------

    def _project(self, path: str, accept: str, query: str) -> Resource | Immediate | None:
        from publisher.render import media

        if match := _PROJECT.match(path):
            raw_name, slash, raw_version, codemeta = match[1], match[2], None, None
        elif match := _RELEASE.match(path):
            raw_name, raw_version, slash, codemeta = match[1], match[2], match[3], match[4]
        else:
            return None
        name = canonicalize_name(raw_name)
        version = normalise_version(raw_version) if raw_version else None
        if codemeta:
            if raw_name != name or raw_version != version or not slash:
                return _redirect(f"/project/{name}/{version}/codemeta.json", query)
            return Resource(
                (path, "codemeta"),
                "application/ld+json",
                lambda: self.pages.release_data(name, version, "codemeta"),
                name,
                vary_accept=False,
            )
        if raw_name != name or raw_version != version or not slash:
            canonical = f"/project/{name}/{version}/" if version else f"/project/{name}/"
            return _redirect(canonical, query)
        chosen = media.negotiate(accept, _param(query, "format"), PAGE_OFFERS, PAGE_ALIASES)
        if chosen is None:
            return _not_acceptable(PAGE_OFFERS)
        fmt = PAGE_FORMATS[chosen]
        content_type = f"{chosen}; charset=utf-8" if chosen.startswith("text/") else chosen
        if version is None:
            if fmt == "html":
                render = partial(self.pages.project_html, name)
            else:
                render = partial(self.pages.project_data, name, fmt)
        elif fmt == "html":
            render = partial(self.pages.release_html, name, version)
        else:
            render = partial(self.pages.release_data, name, version, fmt)
        return Resource((path, chosen), content_type, render, name)


def _param(query: str, name: str) -> str | None:
    if not query:
        return None
    values = parse_qs(query).get(name)
    return values[0] if values else None
