"""Which cacheable resource a GET path names, in which media type: the URL map of hot reads.

``Resolver(state)(path, accept, query)`` returns a ``Resource`` (cache key, media type,
renderer), an ``Immediate`` answer (redirect to the canonical URL, 406) or None for paths that
are not hot reads. It decides from the path and headers alone, without touching the store,
so a cache hit never waits on the database.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import orjson

from crosswalk.names import canonicalize_name
from publisher.render import site
from publisher.web.hot import Immediate, Resource
from publisher.web.state import AppState

__all__ = ["Resolver"]

HTML = "text/html; charset=utf-8"

_SIMPLE_PROJECT = re.compile(r"^/simple/([^/]+)(/?)$")
_PROJECT = re.compile(r"^/project/([^/]+)(/?)$")
_RELEASE = re.compile(r"^/project/([^/]+)/([^/]+)(/?)(codemeta\.json)?$")


def _redirect(location: str, query: str) -> Immediate:
    target = f"{location}?{query}" if query else location
    body = orjson.dumps({"error": "moved permanently", "location": target, "status": 301})
    return Immediate(301, body, headers=((b"location", target.encode()),))


def _not_acceptable(offered: tuple[str, ...]) -> Immediate:
    message = f"none of the offered media types is acceptable: {', '.join(offered)}"
    return Immediate(406, orjson.dumps({"error": message, "status": 406}))


class Resolver:
    """Map a GET request to the resource it names. One instance per application."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.site = site.SiteRenderer(state.store, state.settings.base)

    def __call__(self, path: str, accept: str, query: str) -> Resource | Immediate | None:
        if path == "/":
            return Resource(("/", HTML), HTML, self.site.landing, vary_accept=False)
        if path == "/robots.txt":
            return Resource(
                (path, "text/plain"), "text/plain; charset=utf-8", self.site.robots, None, False
            )
        if path == "/sitemap.xml":
            return Resource(
                (path, "application/xml"), "application/xml", self.site.sitemap, None, False
            )
        if path.startswith("/simple"):
            return self._simple(path, accept, query)
        if path.startswith("/project/"):
            return self._project(path, accept, query)
        return None

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
        store, files_url = self.state.store, f"{self.state.settings.base}/files"
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
        return None


def _param(query: str, name: str) -> str | None:
    if not query:
        return None
    values = parse_qs(query).get(name)
    return values[0] if values else None
