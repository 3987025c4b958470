"""The helper processes behind ``/_/sparql``: query runners and the graph maintainer.

``python -m publisher.sparql.worker query`` answers queries against a snapshot it opens
read-only. It can be killed at any moment (that is how a query past its time limit is
stopped), so it holds nothing that needs a clean shutdown. Its address space is capped, so
a query that would exhaust memory ends its own process instead of the machine's.

``python -m publisher.sparql.worker maintain DB_URL GRAPH_ROOT BASE`` syncs the graph,
rebuilds it and writes dumps, one request at a time. It is never killed for taking long.

Both read requests as frames on stdin and answer on stdout (``publisher.sparql.framing``).
"""

from __future__ import annotations

import logging
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.sparql import results
from publisher.sparql.framing import HelperDied, read_frame, write_frame
from publisher.sparql.guard import QueryRefused, check_query, explain
from publisher.sparql.prefixes import PREFIXES

log = logging.getLogger("ldindex.sparql")

Answer = tuple[dict[str, Any], bytes]


class QueryRunner:
    """Runs queries against the snapshot each request names, keeping the last one open."""

    def __init__(self) -> None:
        self._path: str | None = None
        self._store: ox.Store | None = None

    def _open(self, path: str) -> ox.Store:
        if path != self._path or self._store is None:
            self._store = None  # close the old snapshot before opening the new
            self._store = ox.Store.read_only(path)
            self._path = path
        return self._store

    def __call__(self, request: dict[str, Any]) -> Answer:
        started = time.perf_counter()
        text = request["query"]
        try:
            check_query(text)
            store = self._open(request["snapshot"])
            result = store.query(text, **_dataset(request), base_iri=f"{request['base']}/",
                                 prefixes=PREFIXES)  # fmt: skip
        except QueryRefused as exc:
            return {"status": exc.status, "error": str(exc)}, b""
        except SyntaxError as exc:
            refusal = explain(text, str(exc))
            return {"status": refusal.status, "error": str(refusal)}, b""
        except ValueError as exc:
            return {"status": 400, "error": f"the dataset is not valid: {exc}"}, b""
        kind = results.kind_of(result)
        media_type = results.choose(kind, request["accept"], request["formats"])
        if media_type is None:
            offers = results.GRAPH_OFFERS if kind == "graph" else results.SOLUTION_OFFERS
            return {
                "status": 406,
                "error": f"a {kind} result can be sent as: {', '.join(offers)}",
            }, b""
        try:
            written = results.write(result, media_type, request["max_rows"], PREFIXES)
        except (OSError, SyntaxError, ValueError, TypeError) as exc:
            return {"status": 400, "error": f"the query failed while running: {exc}"}, b""
        header = {
            "status": 200,
            "kind": kind,
            "media_type": written.media_type,
            "rows": written.rows,
            "truncated": written.truncated,
            "seconds": time.perf_counter() - started,
        }
        return header, written.body


def _dataset(request: dict[str, Any]) -> dict[str, Any]:
    """The query's dataset: the union of every project graph unless the protocol's
    ``default-graph-uri``/``named-graph-uri`` name graphs (FROM clauses override both)."""
    default, named = request.get("default_graphs"), request.get("named_graphs")
    options: dict[str, Any] = {"use_default_graph_as_union": not default}
    if default:
        options["default_graph"] = [ox.NamedNode(g) for g in default]
    if named:
        options["named_graphs"] = [ox.NamedNode(g) for g in named]
    return options


class Maintainer:
    """Sync, rebuild and dump jobs for one database and base URL."""

    def __init__(self, db_url: str, graph_root: str, base: str) -> None:
        from publisher.sparql.location import GraphLocation
        from publisher.store import open_store

        self.store = open_store(db_url)
        self.location = GraphLocation(Path(graph_root), base)

    def __call__(self, request: dict[str, Any]) -> Answer:
        from publisher.sparql import dumping, maintenance

        op = request["op"]
        if op in ("sync", "rebuild"):
            run = maintenance.sync if op == "sync" else maintenance.rebuild
            report = run(self.store, self.location)
            return {"status": 200, "generation": report.generation, "projects": report.projects,
                    "seconds": report.seconds}, b""  # fmt: skip
        if op == "dump":
            manifest = dumping.write_dumps(self.location)
            return {"status": 200, "generation": manifest["generation"]}, b""
        return {"status": 400, "error": f"unknown operation {op!r}"}, b""


def _limit_memory(megabytes: int) -> None:
    limit = megabytes << 20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def serve(handler: Any) -> None:
    """Say ready, then answer frames from stdin until it closes. Frames go to a private copy
    of stdout; anything else printed lands on stderr and cannot corrupt them."""
    stdin = sys.stdin.buffer.fileno()
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    write_frame(stdout, {"status": 200, "ready": True})
    while True:
        try:
            request, _body = read_frame(stdin)
        except HelperDied:
            return
        try:
            header, body = handler(request)
        except Exception as exc:  # a bug, not the client's doing: report it, keep serving
            log.exception("sparql helper failed on %s", request.get("op"))
            header, body = {"status": 500, "error": f"internal error: {type(exc).__name__}"}, b""
        write_frame(stdout, header, body)


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    role = argv[0] if argv else ""
    if role == "query":
        _limit_memory(int(argv[1]) if len(argv) > 1 else 2048)
        serve(QueryRunner())
    elif role == "maintain":
        serve(Maintainer(*argv[1:4]))
    else:
        sys.exit("usage: python -m publisher.sparql.worker query [MEMORY_MB] | "
                 "maintain DB_URL GRAPH_ROOT BASE")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
