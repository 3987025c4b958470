"""Which resource a GET path names, in which media type: the URL map of the read-only site.

``Resolver(store, base)(path, accept, query)`` returns a ``Resource`` (cache key, media type,
renderer), a ``Published`` document (built once per burst of writes, served from files), an
``Immediate`` answer (redirect to the canonical URL, 400, 406) or None for paths it does not
know. A renderer returns None, or raises ``NotFound`` with a message naming what
is missing, for a 404. It decides from the path and headers alone, without touching the store, so a
cache hit never waits on the database. Framework-free: the ASGI layer, the WSGI/CGI handler
and the static export all answer through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, quote

import orjson

from crosswalk.names import canonicalize_name, normalise_version
from publisher.cache import PAGES, QUERIES, CacheClass
from publisher.published import Built, Document, Publisher
from publisher.query import BadParameter, QueryNotFound, QueryRequest, QueryService
from publisher.query.environment import Environment, EnvironmentSpec, build_environment
from publisher.render import site
from publisher.render.pages import PageRenderer
from publisher.search import SearchQuery
from publisher.store import Store, default_published_dir

__all__ = ["Immediate", "NotFound", "Published", "Resolver", "Resource"]

HTML = "text/html; charset=utf-8"

# Names and versions as ingest admits them (publisher.ingest.metadata.check_publishable),
# before normalisation; any other path segment names nothing here (404).
_NAME = r"([A-Za-z0-9._-]+)"
_VERSION = r"([A-Za-z0-9._+!-]+?)"
_SIMPLE_PROJECT = re.compile(rf"^/simple/{_NAME}(/?)$")
_PROJECT = re.compile(rf"^/project/{_NAME}(/?)$")
_RELEASE = re.compile(
    rf"^/project/{_NAME}/{_VERSION}(/?)(codemeta\.json|citation\.bib|CITATION\.cff)?$"
)
# Documents beside a release page: name -> (cache key, media type, renderer kind).
RELEASE_DOCUMENTS = {
    "codemeta.json": ("codemeta", "application/ld+json"),
    "citation.bib": ("bibtex", "text/plain; charset=utf-8"),
    "CITATION.cff": ("cff", "text/plain; charset=utf-8"),
}
# /_/env/{interpreter}-{abi}-{platform}/simple/[{name}/]: a wheel tag triple; abi and
# platform may be compressed tag sets (``cp312.abi3``, ``manylinux_2_17_x86_64.linux_x86_64``).
_ENV_TRIPLE = r"^(/_/env/([a-z]+)(\d)(\d+)-([a-z0-9_.]+)-([a-z0-9_.]+)/simple)"
_ENV_INDEX = re.compile(rf"{_ENV_TRIPLE}(/?)$")
_ENV_PROJECT = re.compile(rf"{_ENV_TRIPLE}/{_NAME}(/?)$")
MAX_QUERY_STRING = 8192  # bytes of a GET /_/query; longer environments are POSTed


class NotFound(LookupError):
    """Raised by a renderer for a 404 whose message names what is missing."""


@dataclass(frozen=True, slots=True)
class Resource:
    """A cacheable response: its key, whose generation it follows, and how to render it.

    ``render`` returns the body, or None when the thing does not exist (answered with 404).
    ``cache`` names the response-cache partition it lives in: a resource whose key comes
    from client input (a search, a query) declares ``QUERIES`` so that it cannot evict pages.
    """

    key: tuple[str, str]
    media_type: str
    render: Callable[[], bytes | None]
    project: str | None = None
    vary_accept: bool = True
    cache: CacheClass = PAGES


@dataclass(frozen=True, slots=True)
class Published:
    """A large site-wide document served from files built once per burst of writes
    (``publisher.published``), with its compressed variants, ETag and Last-Modified."""

    key: tuple[str, str]
    media_type: str
    document: Document
    publisher: Publisher
    vary_accept: bool = True

    def current(self) -> Built:
        return self.publisher.current(self.document)


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
SEARCH_OFFERS = ("text/html", "application/json", "application/ld+json")
SEARCH_ALIASES = {
    "html": "text/html",
    "json": "application/json",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
}
PER_PAGE, MAX_PER_PAGE, MAX_PAGE = 20, 100, 50
_SITEMAP_FILE = re.compile(r"^/sitemap-([1-9][0-9]{0,5})\.xml$")
QUERY_OFFERS = ("application/json", "application/ld+json")
QUERY_ALIASES = {"json": "application/json", "jsonld": "application/ld+json",
                 "json-ld": "application/ld+json"}  # fmt: skip
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


def _bad_request(exc: BadParameter) -> Immediate:
    body = {"error": str(exc), "parameter": exc.parameter, "status": 400}
    return Immediate(400, orjson.dumps(body))


def _not_acceptable(offered: tuple[str, ...]) -> Immediate:
    message = f"none of the offered media types is acceptable: {', '.join(offered)}"
    return Immediate(406, orjson.dumps({"error": message, "status": 406}))


def _bounded(values: dict[str, list[str]], name: str, default: int, most: int) -> int:
    raw = values.get(name, [""])[0]
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= most:
        raise BadParameter(name, f"expected a whole number from 1 to {most}, got {raw[:20]!r}")
    return int(raw)


def search_parameters(query: str) -> tuple[SearchQuery, int, int]:
    """``q``, ``page`` and ``per_page`` of a search URL; ``BadParameter`` naming the
    parameter when one is malformed or out of bounds."""
    from publisher.search import QueryError

    try:
        values = parse_qs(query, keep_blank_values=True, errors="strict", max_num_fields=16)
    except UnicodeDecodeError:
        raise BadParameter("q", "the query string is not valid UTF-8") from None
    except ValueError as exc:
        raise BadParameter("query", str(exc)) from None
    try:
        parsed = SearchQuery.parse(values.get("q", [""])[0])
    except QueryError as exc:
        raise BadParameter("q", str(exc)) from None
    page = _bounded(values, "page", 1, MAX_PAGE)
    per_page = _bounded(values, "per_page", PER_PAGE, MAX_PER_PAGE)
    return parsed, page, per_page


class Resolver:
    """Map a GET request to the resource it names. One instance per application."""

    def __init__(self, store: Store, base: str, published_dir: Path | None = None) -> None:
        from publisher.render import listing, simple

        self.store = store
        self.base = base.rstrip("/")
        self.site = site.SiteRenderer(store, self.base)
        self.pages = PageRenderer(store, self.base)
        self.queries = QueryService(store, self.base)
        self.publisher = Publisher(store, published_dir or default_published_dir(store.url))
        base_url = self.base

        def simple_index(writer: Callable) -> Callable[[Store, Path], None]:
            def build(store: Store, path: Path) -> None:
                with path.open("wb") as out:
                    writer(((e.name, e.display_name) for e in store.iter_listing()), out)

            return build

        self.documents = {
            "listing.html": Document(
                "search-all.html", lambda s, p: listing.write_listing_html(s, base_url, p)
            ),
            "listing.json": Document(
                "search-all.json", lambda s, p: listing.write_listing_json(s, base_url, p)
            ),
            "simple.html": Document(
                "simple-index.html", simple_index(simple.write_index_html), ("gzip",)
            ),
            "simple.json": Document(
                "simple-index.json", simple_index(simple.write_index_json), ("gzip",)
            ),
            "catalogue": Document(
                "catalogue.sqlite", lambda s, p: s.snapshot_catalogue(p), ("gzip",)
            ),
        }

    def _published(
        self, path: str, chosen: str, content_type: str, document: str, vary: bool = True
    ) -> Published:
        return Published(
            (path, chosen), content_type, self.documents[document], self.publisher, vary
        )

    def __call__(
        self, path: str, accept: str, query: str
    ) -> Resource | Published | Immediate | None:
        if path == "/":
            return Resource(("/", HTML), HTML, self.site.landing, vary_accept=False)
        if path.startswith("/_/static/") and path[10:] in site.STATIC_FILES:
            name = path[10:]
            return Resource(
                (path, "static"),
                site.STATIC_FILES[name],
                partial(self.site.static, name),
                vary_accept=False,
            )
        if path == "/robots.txt":
            return Resource(
                (path, "text/plain"), "text/plain; charset=utf-8", self.site.robots, None, False
            )
        if path == "/sitemap.xml":
            return Resource(
                (path, "application/xml"), "application/xml", self.site.sitemap, None, False
            )
        if match := _SITEMAP_FILE.match(path):
            number = int(match[1])
            return Resource(
                (path, "application/xml"),
                "application/xml",
                lambda: self.site.sitemap_file(number),
                None,
                False,
            )
        if path == "/_/dump/catalogue.sqlite":
            return self._published(path, "sqlite", "application/vnd.sqlite3", "catalogue", False)
        if path.startswith("/_/search"):
            return self._search(path, accept, query)
        if path == "/_/query":
            return self._query(accept, query)
        if path.startswith("/_/env/"):
            return self._environment_simple(path, accept, query)
        if path == "/_/vocab":
            return self._vocab(accept, query)
        if path.startswith("/simple"):
            return self._simple(path, accept, query)
        if path.startswith("/project/"):
            return self._project(path, accept, query)
        return None

    def _search(
        self, path: str, accept: str, query: str
    ) -> Resource | Published | Immediate | None:
        from publisher.render import media
        from publisher.render.search_results import SearchPage

        if path == "/_/search":
            return _redirect("/_/search/", query)
        if path == "/_/search/all":
            offers = ("text/html", "application/json")
            chosen = media.negotiate(accept, _param(query, "format"), offers, SEARCH_ALIASES)
            if chosen is None:
                return _not_acceptable(offers)
            if chosen == "application/json":
                return self._published(path, chosen, chosen, "listing.json")
            return self._published(path, chosen, HTML, "listing.html")
        if path != "/_/search/":
            return None
        chosen = media.negotiate(accept, _param(query, "format"), SEARCH_OFFERS, SEARCH_ALIASES)
        if chosen is None:
            return _not_acceptable(SEARCH_OFFERS)
        try:
            parsed, page, per_page = search_parameters(query)
        except BadParameter as exc:
            return _bad_request(exc)

        def render() -> bytes:
            results = self.store.search(parsed, (page - 1) * per_page, per_page)
            rendered = SearchPage(self.base, parsed.terms, page, per_page, results)
            if chosen == "application/json":
                return rendered.json()
            if chosen == "application/ld+json":
                return rendered.jsonld()
            return rendered.html()

        content_type = HTML if chosen == "text/html" else chosen
        key = f"{path}?q={parsed.terms}&page={page}&per_page={per_page}"
        return Resource((key, chosen), content_type, render, cache=QUERIES)

    def _vocab(self, accept: str, query: str) -> Resource | Immediate:
        from publisher.render import media

        offers = ("text/html", "text/turtle", "application/ld+json", "application/n-triples")
        chosen = media.negotiate(accept, _param(query, "format"), offers, PAGE_ALIASES)
        if chosen is None:
            return _not_acceptable(offers)
        if chosen == "text/html":
            return Resource(("/_/vocab", chosen), HTML, self.site.vocab_html)
        content_type = f"{chosen}; charset=utf-8" if chosen.startswith("text/") else chosen
        fmt = PAGE_FORMATS[chosen]
        return Resource(("/_/vocab", chosen), content_type, partial(self.site.vocab_data, fmt))

    # -- /_/query and /_/env/…/simple/ ------------------------------------------------------

    def _query(self, accept: str, query: str) -> Resource | Immediate:
        from publisher.render import media

        chosen = media.negotiate(accept, _param(query, "format"), QUERY_OFFERS, QUERY_ALIASES)
        if chosen is None:
            return _not_acceptable(QUERY_OFFERS)
        if len(query) > MAX_QUERY_STRING:
            message = f"query: longer than {MAX_QUERY_STRING} bytes; POST the query as JSON"
            return Immediate(414, orjson.dumps({"error": message, "status": 414}))
        try:
            request = QueryRequest.from_query_string(query)
        except BadParameter as exc:
            return _bad_request(exc)
        return self.query_resource(request, chosen)

    def query_resource(self, request: QueryRequest, media_type: str) -> Resource | Immediate:
        """The resource answering a query (GET or POST) in ``media_type``, or a 400."""
        try:
            build_environment(request.environment)  # checked before the store is read
        except BadParameter as exc:
            return _bad_request(exc)
        produce = self.queries.json if media_type == "application/json" else self.queries.jsonld

        def render() -> bytes:
            try:
                return produce(request)
            except QueryNotFound as exc:
                raise NotFound(str(exc)) from None

        key = (f"/_/query?{request.canonical()}", media_type)
        return Resource(key, media_type, render, request.name, cache=QUERIES)

    def _environment_simple(
        self, path: str, accept: str, query: str
    ) -> Resource | Immediate | None:
        from publisher.render import media

        raw_name = None
        if match := _ENV_INDEX.match(path):
            prefix, impl, major, minor, abis, platforms, slash = match.groups()
            if not slash:
                return _redirect(f"{prefix}/", query)
        elif match := _ENV_PROJECT.match(path):
            prefix, impl, major, minor, abis, platforms, raw_name, slash = match.groups()
        else:
            return None
        spec = EnvironmentSpec(
            python=f"{major}.{minor}",
            implementation=impl,
            abis=tuple(abis.split(".")),
            platforms=tuple(platforms.split(".")),
        )
        try:
            env = build_environment(spec)
        except BadParameter as exc:
            message = f"no such environment: {exc}"
            return Immediate(404, orjson.dumps({"error": message, "status": 404}))
        chosen = media.negotiate(accept, _param(query, "format"))
        if chosen is None:
            return _not_acceptable(media.OFFERS)
        as_json = media.is_json(chosen)
        content_type = chosen if as_json else f"{chosen}; charset=utf-8"
        files_url = f"{self.base}/files"
        if raw_name is None:  # every project, as /simple/ lists them: the same document
            return self._published(
                path, chosen, content_type, "simple.json" if as_json else "simple.html"
            )
        name = canonicalize_name(raw_name)
        if raw_name != name or not slash:
            return _redirect(f"{prefix}/{name}/", query)
        return Resource(
            (path, chosen),
            content_type,
            partial(self._environment_project, name, env, files_url, as_json),
            name,
            cache=QUERIES,
        )

    def _environment_project(
        self, name: str, env: Environment, files_url: str, as_json: bool
    ) -> bytes | None:
        from publisher.render import simple

        found = self.queries.installable(name, env)
        if found is None:
            return None
        project, selection = found
        if as_json:
            return simple.project_json(project, files_url, selection)
        return simple.project_html(project, files_url, selection)

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
            return self._published(
                path, chosen, content_type, "simple.json" if as_json else "simple.html"
            )
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
                return _redirect(f"/project/{name}/{version}/{codemeta}", query)
            kind, media_type = RELEASE_DOCUMENTS[codemeta]
            if kind == "codemeta":
                render = partial(self.pages.release_data, name, version, kind)
            else:
                render = partial(self.pages.release_citation, name, version, kind)
            return Resource((path, kind), media_type, render, name, vary_accept=False)
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
