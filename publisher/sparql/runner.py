"""One query against the in-memory catalogue graph, answered as a header and bytes.

Runs in a query process forked by the query host. The query is checked by the guard first
(SERVICE never reaches the engine), run with the prefixes every query may use, and its
result written in the negotiated format, cut at the row limit.
"""

from __future__ import annotations

import time
from typing import Any

import pyoxigraph as ox

from publisher.sparql import results
from publisher.sparql.guard import QueryRefused, check_query, explain
from publisher.sparql.prefixes import PREFIXES

__all__ = ["Answer", "QueryRunner"]

Answer = tuple[dict[str, Any], bytes]


class QueryRunner:
    """Answers query requests against one store."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def __call__(self, request: dict[str, Any]) -> Answer:
        started = time.perf_counter()
        text = request["query"]
        try:
            check_query(text)
            result = self.store.query(text, **_dataset(request), base_iri=f"{request['base']}/",
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
