"""The SPARQL service of one running index: graph keeper, query host, client limits.

``SparqlService.run(request, client)`` is the whole query path, framework-free: admit the
client, make sure the graph has caught up with the writes the request could have seen, run
the query in a killable process holding that graph in memory, within the time limit, book
the time. The WSGI handler calls it; the ASGI route calls ``run_async``, the same path with
the answer awaited on the event loop instead of a thread.

Each snapshot the keeper publishes is loaded into the query host: the graphs of the projects
written since the host's generation are replaced, or, when there is no graph in memory yet
or a large part changed, the newest image is loaded and brought up to the snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.sparql.catalogue import graph_name
from publisher.sparql.image import read_image
from publisher.sparql.keeper import GraphKeeper
from publisher.sparql.limits import ClientLimits, Refusal, Ticket
from publisher.sparql.location import GraphLocation, Snapshot, default_graph_root
from publisher.sparql.pool import PoolBusy, QueryCrashed, QueryPool, QueryTimedOut
from publisher.sparql.protocol import QueryRequest
from publisher.sparql.settings import SparqlSettings
from publisher.store import Store

__all__ = ["Outcome", "SparqlService"]

log = logging.getLogger("ldindex.sparql")

# A load replaces graphs one by one while this part of the projects changed at most;
# beyond it, reading the image (or the whole snapshot) is faster.
DELTA_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Outcome:
    """A query's result (status 200) or the reason it has none."""

    status: int
    body: bytes = b""
    media_type: str = "application/json"
    error: str | None = None
    retry_after: int | None = None
    truncated: bool = False
    kind: str | None = None
    rows: int = 0
    snapshot: Snapshot | None = None


class SparqlService:
    def __init__(
        self,
        store: Store,
        db_url: str,
        base: str,
        settings: SparqlSettings | None = None,
        graph_root: Path | None = None,
        read_url: str | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or SparqlSettings()
        self.base = base.rstrip("/")
        self.location = GraphLocation(graph_root or default_graph_root(db_url), self.base)
        self.keeper = GraphKeeper(
            store, db_url, self.location, self.settings, self._load, read_url=read_url
        )
        self.limits = ClientLimits(self.settings.client_concurrency, self.settings.client_seconds)
        self._pool: QueryPool | None = None
        self._pool_lock = threading.Lock()

    def start(self) -> None:
        """Start keeping the graph and dumps current, and warm the query processes."""
        if self.settings.enabled:
            self.keeper.start()
            self.pool()

    def close(self) -> None:
        self.keeper.close()
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    @property
    def queue_wait(self) -> float:
        """Seconds a query waits for a free process (one may be starting, or replacing a
        process killed at the time limit) before the answer is 503."""
        return max(5.0, 2 * self.settings.timeout)

    def pool(self) -> QueryPool:
        with self._pool_lock:
            if self._pool is None:
                settings = self.settings
                self._pool = QueryPool(settings.workers, settings.memory_mb, settings.recycle_mb)
            return self._pool

    def _load(self, snapshot: Snapshot) -> None:
        """Bring the query host up to ``snapshot`` (in the keeper's thread)."""
        pool = self.pool()
        if not pool.alive():
            log.error("the SPARQL query host exited; starting a new one")
            pool.restart()
        if pool.lineage == snapshot.lineage and (pool.generation or 0) >= snapshot.generation:
            return
        report = pool.load(self._load_request(pool, snapshot))
        log.info(
            "graph: %s load of generation %d: %d triples in %.2f s",
            "full" if report["full"] else "incremental",
            report["generation"],
            report["triples"],
            report["seconds"],
        )

    def _load_request(self, pool: QueryPool, snapshot: Snapshot) -> dict[str, Any]:
        """Replace the graphs written (or re-mapped) since what the host holds, or since the
        image; read the whole snapshot when neither is of this lineage or too much changed."""
        request: dict[str, Any] = {"snapshot": str(snapshot.path), "lineage": snapshot.lineage,
                                   "generation": snapshot.generation}  # fmt: skip
        limit = max(50, int(self.store.counts()["projects"] * DELTA_SHARE))
        last = pool.last_load
        worn = last is not None and last["replaced"] > last["triples"]  # reload to free memory
        if pool.generation is not None and pool.lineage == snapshot.lineage and not worn:
            changed = self._changed_since(pool.generation)
            if len(changed) <= limit:
                return {**request, "graphs": self._graphs(changed)}
        image = read_image(self.location)
        if (
            image is not None
            and image.lineage == snapshot.lineage
            and image.generation <= snapshot.generation
        ):
            changed = self._changed_since(image.generation)
            if len(changed) <= limit:
                return {**request, "image": str(image.path), "graphs": self._graphs(changed)}
        return {**request, "graphs": None}

    def _changed_since(self, generation: int) -> set[str]:
        """Projects whose graphs may differ from what they were at ``generation``."""
        return set(self.store.changed_since(generation)) | self.location.relinked_since(generation)

    def _graphs(self, names: set[str]) -> list[str]:
        return [graph_name(self.base, name).value for name in sorted(names)]

    def run(self, request: QueryRequest, client: str, accept: str) -> Outcome:
        def graph() -> Snapshot | None:
            return self.keeper.wait_for(self.store.generation(), self.settings.sync_wait)

        query = self._admit(request, client, accept, graph)
        if isinstance(query, Outcome):
            return query
        try:
            answer = query.pool.run(*query.arguments)
        except BaseException as exc:
            return query.failed(exc)
        return query.answered(answer)

    async def run_async(self, request: QueryRequest, client: str, accept: str) -> Outcome:
        """``run`` for an event loop: the answer is awaited on the loop, without a thread.
        A query that must wait for the graph to catch up with writes waits on a thread, as
        ``run`` does (and so does one that must wait for a free query process)."""
        generation = self.store.generation()
        snapshot = self.keeper.wait_for(generation, 0.0)
        if snapshot is None or snapshot.generation < generation:
            return await asyncio.to_thread(self.run, request, client, accept)
        query = self._admit(request, client, accept, lambda: snapshot)
        if isinstance(query, Outcome):
            return query
        try:
            answer = await query.pool.run_async(*query.arguments)
        except BaseException as exc:
            return query.failed(exc)
        return query.answered(answer)

    def _admit(
        self,
        request: QueryRequest,
        client: str,
        accept: str,
        graph: Callable[[], Snapshot | None],
    ) -> _Query | Outcome:
        """The query, admitted for ``client`` on the snapshot ``graph()`` finds; or the
        answer that it cannot run (turned off, over the client's limits, no graph yet)."""
        settings = self.settings
        if not settings.enabled:
            return Outcome(404, error="the SPARQL endpoint is turned off on this server")
        ticket = self.limits.admit(client)
        if isinstance(ticket, Refusal):
            return Outcome(429, error=ticket.message, retry_after=ticket.retry_after)
        try:
            snapshot = graph()
        except BaseException:
            ticket.done(0.0)
            raise
        if snapshot is None:
            ticket.done(0.0)
            if self.keeper.read_only:
                return Outcome(
                    503,
                    error=f"there is no catalogue graph to query: {self.keeper.read_only}; "
                    "build one where it can be written (ldindex graph rebuild --graph DIR) "
                    "and serve with --graph DIR",
                )
            detail = f" ({self.keeper.error})" if self.keeper.error else ""
            return Outcome(
                503,
                error=f"the catalogue graph is still being built{detail}; try again shortly",
                retry_after=10,
            )
        message = {
            "op": "query",
            "query": request.query,
            "accept": accept,
            "formats": list(request.formats),
            "max_rows": settings.max_rows,
            "base": self.base,
            "default_graphs": list(request.default_graphs),
            "named_graphs": list(request.named_graphs),
        }
        arguments = (message, settings.timeout, self.queue_wait, snapshot.generation)
        return _Query(settings, self.pool(), ticket, snapshot, arguments)


@dataclass(slots=True)
class _Query:
    """An admitted query on its way through the pool: its answer, or why it has none, and
    the time it took booked to its client either way."""

    settings: SparqlSettings
    pool: QueryPool
    ticket: Ticket
    snapshot: Snapshot
    arguments: tuple[dict[str, Any], float, float, int]
    started: float = field(default_factory=time.monotonic)

    def answered(self, answer: tuple[dict[str, Any], bytes]) -> Outcome:
        self.ticket.done(time.monotonic() - self.started)
        header, body = answer
        if header["status"] != 200:
            return Outcome(header["status"], error=header.get("error"), snapshot=self.snapshot)
        return Outcome(
            200,
            body,
            header["media_type"],
            truncated=header["truncated"],
            kind=header["kind"],
            rows=header["rows"],
            snapshot=self.snapshot,
        )

    def failed(self, exc: BaseException) -> Outcome:
        """The answer for a query the pool could not run; anything else is raised again."""
        settings, pool = self.settings, self.pool
        if isinstance(exc, PoolBusy):
            self.ticket.done(0.0)
            if pool.generation is None or pool.generation < self.snapshot.generation:
                return Outcome(
                    503,
                    error="the catalogue graph is being loaded into memory; try again shortly",
                    retry_after=5,
                )
            return Outcome(
                503, error="every query process is busy; try again in a moment", retry_after=1
            )
        if isinstance(exc, QueryTimedOut):
            self.ticket.done(settings.timeout)
            return Outcome(
                503,
                error=f"the query was stopped at the {settings.timeout:g} s time limit; "
                "narrow it (more specific patterns, LIMIT) and try again",
            )
        self.ticket.done(time.monotonic() - self.started)
        if isinstance(exc, QueryCrashed):
            return Outcome(
                503,
                error=f"the query was stopped: it needed more than the "
                f"{settings.memory_mb} MB a query may use, or crashed the engine",
            )
        raise exc
