"""``/_/sparql``, ``/_/void`` and ``/_/dump/…`` as plain functions from request to answer.

Framework-free: the ASGI routes and the WSGI/CGI handler turn an ``HttpRequest`` into these
calls and send the ``Answer`` back, so both serve the same bytes (the ASGI route through
``sparql_async``, which awaits a query's answer on the event loop). ``GET /_/sparql``
without a query is the endpoint's page (a form, the prefixes, examples that run, the
limits) for browsers, and its SPARQL Service Description for RDF clients; with a query, the
results in the negotiated format, or an HTML page of them for a browser.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import orjson

from publisher.conditional import evaluate
from publisher.dumps import DumpFile, DumpNotFound, DumpNotReady, DumpSource, find_dump
from publisher.render import media
from publisher.render.environment import render
from publisher.sparql import description
from publisher.sparql.dumping import DUMP_FILES, read_manifest
from publisher.sparql.examples import examples
from publisher.sparql.guard import QueryRefused
from publisher.sparql.prefixes import PREFIXES
from publisher.sparql.protocol import QueryRequest, parse_request
from publisher.sparql.results import HTML
from publisher.sparql.service import Outcome, SparqlService

__all__ = ["Answer", "Endpoint", "HttpRequest"]

HTML_TYPE = "text/html; charset=utf-8"
PAGE_OFFERS = ("text/html", *description.RDF_FORMATS)
RDF_OFFERS = tuple(description.RDF_FORMATS)
RDF_ALIASES = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "html": "text/html",
}
NO_STORE = ("Cache-Control", "no-store")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What the endpoint reads of a request; header names lower-case."""

    method: str
    path: str
    query_string: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    client: str = "unknown"


@dataclass(frozen=True, slots=True)
class Answer:
    """Status, headers (Content-Type included) and either a body or ``length`` bytes of a
    file from ``start`` (a dump, whole or one range) to send."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    file: Path | None = None
    start: int = 0
    length: int = 0


def problem(
    status: int, message: str, retry_after: int | None = None, allow: str | None = None
) -> Answer:
    headers = [("Content-Type", "application/json"), NO_STORE]
    if retry_after is not None:
        headers.append(("Retry-After", str(retry_after)))
    if allow is not None:
        headers.append(("Allow", allow))
    return Answer(status, orjson.dumps({"error": message, "status": status}), tuple(headers))


class Endpoint:
    """Answers the SPARQL, VoID and dump paths for one ``SparqlService``."""

    def __init__(self, service: SparqlService) -> None:
        self.service = service
        self.settings = service.settings
        self.base = service.base

    # -- /_/sparql ------------------------------------------------------------------------

    def sparql(self, request: HttpRequest) -> Answer:
        parsed = self._parse(request)
        if isinstance(parsed, Answer):
            return parsed
        query, accept = parsed
        if query is None:
            return self._describe_service(accept, request.query_string)
        return self._answer(query, accept, self.service.run(query, request.client, accept))

    async def sparql_async(self, request: HttpRequest) -> Answer:
        """``sparql`` for an event loop: a query for data has its answer awaited on the
        loop; the page, the service description and results shown as HTML, which take
        milliseconds to render, are answered on a thread."""
        parsed = self._parse(request)
        if isinstance(parsed, Answer):
            return parsed
        query, accept = parsed
        if query is None or _prefers_html(accept) or _names_html(query.formats):
            return await asyncio.to_thread(self.sparql, request)
        outcome = await self.service.run_async(query, request.client, accept)
        return self._answer(query, accept, outcome)

    def _parse(self, request: HttpRequest) -> tuple[QueryRequest | None, str] | Answer:
        """The query asked for (None: the page) and the Accept header, or the refusal."""
        if request.method not in ("GET", "HEAD", "POST"):
            return problem(405, f"{request.method} is not supported here", allow="GET, HEAD, POST")
        try:
            query = parse_request(
                request.method,
                request.query_string,
                request.headers.get("content-type", ""),
                request.body,
                self.settings.max_query_bytes,
            )
        except QueryRefused as exc:
            return problem(exc.status, str(exc))
        return query, request.headers.get("accept", "")

    def _answer(self, query: QueryRequest, accept: str, outcome: Outcome) -> Answer:
        if outcome.status != 200:
            if _prefers_html(accept) and outcome.status in (400, 406):
                return self._page(query, outcome, status=outcome.status)
            return problem(outcome.status, outcome.error or "error", outcome.retry_after)
        if outcome.media_type == HTML:
            return self._page(query, outcome)
        headers = [("Content-Type", _content_type(outcome.media_type)), ("Vary", "Accept"),
                   NO_STORE]  # fmt: skip
        if outcome.truncated:
            headers.append(("X-SPARQL-MaxRows", str(self.settings.max_rows)))
        return Answer(200, outcome.body, tuple(headers))

    def _describe_service(self, accept: str, query_string: str) -> Answer:
        chosen = media.negotiate(accept, _param(query_string, "format"), PAGE_OFFERS, RDF_ALIASES)
        if chosen is None:
            return problem(406, f"this page is available as: {', '.join(PAGE_OFFERS)}")
        if chosen == "text/html":
            return self._page(None, None)
        graph = description.service_description(
            self.base, self.settings, read_manifest(self.service.location)
        )
        body = description.serialise(graph, chosen)
        return Answer(200, body, (("Content-Type", _content_type(chosen)), ("Vary", "Accept")))

    def _page(
        self, query: QueryRequest | None, outcome: Outcome | None, status: int = 200
    ) -> Answer:
        result = _html_result(outcome, self.base) if outcome and outcome.status == 200 else None
        body = render(
            "sparql.html",
            canonical=f"{self.base}/_/sparql",
            query=query.query if query else examples()[0].query,
            result=result,
            error=outcome.error if outcome and outcome.status != 200 else None,
            settings=self.settings,
            prefixes=PREFIXES,
            examples=[(e, f"/_/sparql?query={quote(e.query)}") for e in examples()],
            dumps=DUMP_FILES,
        )
        headers = (("Content-Type", HTML_TYPE), ("Vary", "Accept"))
        return Answer(status, body, headers + ((NO_STORE,) if query else ()))

    # -- /_/void --------------------------------------------------------------------------

    def void(self, request: HttpRequest) -> Answer:
        if request.method not in ("GET", "HEAD"):
            return problem(405, f"{request.method} is not supported here", allow="GET, HEAD")
        chosen = media.negotiate(
            request.headers.get("accept", ""),
            _param(request.query_string, "format"),
            RDF_OFFERS,
            RDF_ALIASES,
        )
        if chosen is None:
            return problem(406, f"the VoID description is available as: {', '.join(RDF_OFFERS)}")
        graph = description.void_description(self.base, read_manifest(self.service.location))
        body = description.serialise(graph, chosen)
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        headers = (("Content-Type", _content_type(chosen)), ("Vary", "Accept"), ("ETag", etag))
        decision = evaluate(request.method, request.headers, etag, None, len(body), ranges=False)
        if decision.status == 304:
            return Answer(304, b"", headers[1:])
        if decision.status == 412:
            return problem(412, f"precondition failed: /_/void is {etag}")
        return Answer(200, body, headers)

    # -- /_/dump/{name} -------------------------------------------------------------------

    def dump(self, name: str, request: HttpRequest) -> Answer:
        if request.method not in ("GET", "HEAD"):
            return problem(405, f"{request.method} is not supported here", allow="GET, HEAD")
        try:
            found = find_dump(name, DumpSource(self.service.location))
        except DumpNotFound as exc:
            return problem(404, str(exc))
        except DumpNotReady as exc:
            if self.service.keeper.read_only:
                return problem(503, f"{name} was never written: {self.service.keeper.read_only}")
            return problem(503, str(exc), retry_after=30)
        headers = _dump_validators(found)
        decision = evaluate(request.method, request.headers, found.etag, found.modified,
                            found.size)  # fmt: skip
        if decision.status == 304:
            return Answer(304, b"", headers)
        if decision.status == 412:
            return problem(412, f"precondition failed: /_/dump/{name} is {found.etag}")
        if decision.status == 416:
            answer = problem(416, f"range not satisfiable: the dump has {found.size} bytes")
            extra = (("Content-Range", f"bytes */{found.size}"),)
            return Answer(416, answer.body, answer.headers + extra)
        meta = [("Content-Type", found.media_type), *headers]
        meta.append(("Content-Disposition", f'attachment; filename="{name}"'))
        if decision.status == 206:
            meta.append(("Content-Range", f"bytes {decision.start}-{decision.end}/{found.size}"))
        return Answer(decision.status, b"", tuple(meta), found.path, decision.start,
                      decision.length)  # fmt: skip


def _dump_validators(found: DumpFile) -> tuple[tuple[str, str], ...]:
    return (
        ("ETag", found.etag),
        ("Last-Modified", found.last_modified),
        ("Cache-Control", "public, max-age=300"),
        ("Accept-Ranges", "bytes"),
    )


def _content_type(media_type: str) -> str:
    if media_type.startswith("text/"):
        return f"{media_type}; charset=utf-8"
    return media_type


def _prefers_html(accept: str) -> bool:
    return media.negotiate(accept, None, ("application/json", "text/html")) == "text/html"


def _names_html(formats: tuple[str, ...]) -> bool:
    return any(value.strip().lower() in ("html", HTML) for value in formats)


def _param(query_string: str, name: str) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(query_string).get(name)
    return values[0] if values else None


def _html_result(outcome: Outcome, base: str) -> dict:
    """What the page shows of a result: a table, a yes/no, or the Turtle of a graph."""
    if outcome.kind == "graph":
        return {"kind": "graph", "text": outcome.body.decode("utf-8"), "rows": outcome.rows,
                "truncated": outcome.truncated}  # fmt: skip
    data = orjson.loads(outcome.body)
    if outcome.kind == "boolean":
        return {"kind": "boolean", "value": data["boolean"]}
    names = data["head"]["vars"]
    rows = [[_cell(binding.get(name)) for name in names] for binding in data["results"]["bindings"]]
    return {"kind": "solutions", "vars": names, "rows": rows, "truncated": outcome.truncated}


def _cell(term: dict | None) -> dict:
    """A table cell: the text shown and, for http(s) IRIs only, a link."""
    if term is None:
        return {"text": "", "href": None, "note": None}
    value = term["value"]
    if term["type"] == "uri":
        href = value if value.startswith(("http://", "https://")) else None
        return {"text": value, "href": href, "note": None}
    if term["type"] == "bnode":
        return {"text": f"_:{value}", "href": None, "note": None}
    note = term.get("xml:lang") and f"@{term['xml:lang']}"
    if not note and term.get("datatype"):
        note = _short(term["datatype"])
    return {"text": value, "href": None, "note": note}


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"
