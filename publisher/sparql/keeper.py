"""The server's graph keeper: a thread that keeps the graph and the dumps in step with writes.

It watches the store's write counter (a memory read) and, when it moves, has the maintenance
process sync the graph; each new snapshot goes to ``on_snapshot`` (the service loads it into
the query host's memory). Once writes pause for ``dump_quiet`` seconds (or have gone on for
``dump_max_age``), a second maintenance process rewrites the dumps, on a thread of its own:
dumping a large catalogue takes minutes, and syncs must not wait for it. The CPU-heavy work
(crosswalk, RDF writing, compression) happens in those processes, never on the server's own
threads. A query asks the keeper to catch up with the write counter it saw, and waits a
bounded time for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from publisher.sparql.dumping import read_manifest
from publisher.sparql.framing import HelperDied, HelperTimeout
from publisher.sparql.helpers import HelperProcess
from publisher.sparql.location import GraphLocation, Snapshot
from publisher.sparql.settings import SparqlSettings
from publisher.sparql.worker import MAINTAIN_DB, MAINTAIN_DB_READ
from publisher.store import Store

__all__ = ["GraphKeeper"]

log = logging.getLogger("ldindex.sparql")

POLL = 0.5  # seconds between looks at the write counter
RETRY = 5.0  # seconds before retrying a failed job


class GraphKeeper:
    def __init__(
        self,
        store: Store,
        db_url: str,
        location: GraphLocation,
        settings: SparqlSettings,
        on_snapshot: Callable[[Snapshot], None] | None = None,
        read_url: str | None = None,
    ) -> None:
        self.store = store
        self.on_snapshot = on_snapshot
        self.db_url = db_url
        self.read_url = read_url  # a read replica the maintainer reads while it is current
        self.location = location
        self.settings = settings
        self._wake = threading.Event()
        self._changed = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._dumping: threading.Thread | None = None
        self._helpers: dict[str, HelperProcess] = {}  # "sync" and "dump", each its own
        self._last_write_seen = 0.0
        self._seen_generation = -1
        self._failed_until = 0.0
        self._dump_failed_until = 0.0
        self.error: str | None = None
        # Why the graph cannot be written here (a read-only index), once a job found out:
        # the graph found there is served as it is, and no sync or dump is tried again.
        self.read_only: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sparql-keeper", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for helper in list(self._helpers.values()):
            helper.close()
        self._helpers.clear()
        if self._dumping is not None:
            self._dumping.join(timeout=5)

    def wait_for(self, generation: int, timeout: float) -> Snapshot | None:
        """The current snapshot, after waiting up to ``timeout`` s for it to reach
        ``generation`` (it may still be older, or None when no graph exists yet)."""
        snapshot = self.location.current()
        if snapshot is not None and snapshot.generation >= generation:
            return snapshot
        self.start()
        self._wake.set()
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                snapshot = self.location.current()
                left = deadline - time.monotonic()
                current = snapshot is not None and snapshot.generation >= generation
                if current or left <= 0 or self.read_only:
                    return snapshot
                self._changed.wait(min(left, POLL))

    def _run(self) -> None:
        while not self._stop:
            try:
                self._step()
            except Exception:
                log.exception("graph keeper step failed; retrying in %.0f s", RETRY)
                self._failed_until = time.monotonic() + RETRY
            self._wake.wait(POLL)
            self._wake.clear()

    def _step(self) -> None:
        now = time.monotonic()
        if now < self._failed_until:
            return
        generation = self.store.generation()
        if generation != self._seen_generation:
            self._seen_generation = generation
            self._last_write_seen = now
        snapshot = self.location.current()
        if not self.read_only and (snapshot is None or snapshot.generation < generation):
            self._job("sync")
            with self._changed:
                self._changed.notify_all()
            snapshot = self.location.current()
        if snapshot is not None and self.on_snapshot is not None:
            self.on_snapshot(snapshot)
        dumping = self._dumping is not None and self._dumping.is_alive()
        due = not self.read_only and not dumping
        if snapshot is not None and due and self._dumps_due(snapshot, now):
            self._dumping = threading.Thread(target=self._dump, name="sparql-dumps", daemon=True)
            self._dumping.start()

    def _dump(self) -> None:
        try:
            self._job("dump")
        except Exception:
            if not self._stop:
                log.exception("writing the dumps failed; retrying in %.0f s", RETRY)
            self._dump_failed_until = time.monotonic() + RETRY

    def _dumps_due(self, snapshot: Snapshot, now: float) -> bool:
        if now < self._dump_failed_until:
            return False
        manifest = read_manifest(self.location)
        if manifest is None:
            return True
        if manifest.get("generation", -1) >= snapshot.generation:
            return False
        quiet = now - self._last_write_seen >= self.settings.dump_quiet
        stale = time.time() - manifest.get("written", 0) >= self.settings.dump_max_age
        return quiet or stale

    def _job(self, op: str) -> None:
        slot = "dump" if op == "dump" else "sync"
        helper = self._helpers.get(slot)
        if helper is None or helper.process.poll() is not None:
            if self._stop:
                return
            helper = HelperProcess(
                "maintain",
                str(self.location.dir.parent),
                self.location.base,
                env={MAINTAIN_DB: self.db_url, MAINTAIN_DB_READ: self.read_url or ""},
            )
            self._helpers[slot] = helper
            helper.wait_ready()
        try:
            header, _ = helper.ask({"op": op}, timeout=None)
        except (HelperDied, HelperTimeout):
            helper.kill()
            self._helpers.pop(slot, None)
            raise RuntimeError(f"the graph maintenance process died during {op}") from None
        if header.get("status") == 403 and not self.read_only:
            self.read_only = header.get("error", "the graph's directory is read-only")
            log.warning("%s: the graph is served as found there and not kept current",
                        self.read_only)  # fmt: skip
            return
        if header.get("status") != 200:
            self.error = header.get("error", "unknown error")
            raise RuntimeError(f"graph {op} failed: {self.error}")
        self.error = None
