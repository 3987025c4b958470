"""The catalogue graph in the query host's memory: loaded whole, then kept current graph by graph.

Oxigraph answers these queries two to four times faster from its in-memory store than from
its on-disk one, so the query host holds the whole graph in memory and the processes it
forks share it. A full load reads the image (``image``) and then replaces the graphs of the
projects written since; an update replaces the graphs of the projects written since the
last load. Both read a published snapshot, never the maintainer's working store.

Snapshots are read in a short-lived child process that streams N-Quads through a pipe: the
on-disk store starts background threads that would live on in this process, and a process
with threads must not fork (the query processes are forked from this one).
"""

from __future__ import annotations

import gzip
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.sparql.location import pinned

__all__ = ["LoadFailed", "MemoryGraph"]

N_QUADS = ox.RdfFormat.N_QUADS


class LoadFailed(Exception):
    """The snapshot or the image could not be read."""


class MemoryGraph:
    """The in-memory store, the generation it reflects, and how much of it was replaced."""

    def __init__(self) -> None:
        self.store: ox.Store | None = None
        self.generation: int | None = None
        self.replaced = 0  # quads replaced since the last full load

    def load(
        self,
        snapshot: str,
        generation: int,
        graphs: Sequence[str] | None,
        image: str | None = None,
    ) -> dict[str, Any]:
        """Bring the store to ``snapshot`` (database ``generation``).

        ``graphs`` names the named graphs that may differ from what the store (or, on a full
        load, the image) holds; None reads the whole snapshot. A full load (no store yet, or
        ``image`` given) builds a fresh store and swaps it in only once complete.
        """
        started = time.perf_counter()
        if self.store is None and image is None:
            graphs = None  # nothing to replace graphs in (a failed load): read it all
        full = self.store is None or image is not None or graphs is None
        store = ox.Store() if full else self.store
        assert store is not None
        before = len(store)
        if full and image is not None:
            with gzip.open(image, "rb") as stream:
                store.bulk_load(stream, format=N_QUADS, lenient=True)
        try:
            if graphs is None:
                _stream_snapshot(snapshot, None, store)
            elif graphs:
                removed = 0
                for iri in graphs:
                    name = ox.NamedNode(iri)
                    if store.contains_named_graph(name):
                        removed += sum(1 for _ in store.quads_for_pattern(None, None, None, name))
                        store.remove_graph(name)
                _stream_snapshot(snapshot, graphs, store)
                if not full:
                    self.replaced += removed
        except BaseException:
            if not full:  # half replaced: only a full load can be trusted now
                self.store = self.generation = None
            raise
        self.store = store
        self.generation = generation
        if full:
            self.replaced = 0
        return {
            "generation": generation,
            "triples": len(store),
            "full": full,
            "graphs": None if graphs is None else len(graphs),
            "added": len(store) - (0 if full else before),
            "replaced": self.replaced,
            "seconds": time.perf_counter() - started,
        }


def _stream_snapshot(path: str, graphs: Sequence[str] | None, into: ox.Store) -> None:
    """Load the quads of ``graphs`` (None: all) of the snapshot at ``path`` into ``into``,
    read by a forked child so that no on-disk store is ever opened in this process."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the reader: write N-Quads, exit without running any parent cleanup
        status = 0
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb", buffering=1 << 20) as out, pinned(Path(path)):
                snapshot = ox.Store.read_only(path)
                if graphs is None:
                    snapshot.dump(out, format=N_QUADS)
                else:
                    for iri in graphs:
                        quads = snapshot.quads_for_pattern(None, None, None, ox.NamedNode(iri))
                        ox.serialize(quads, out, format=N_QUADS)
        except BaseException as exc:  # reported through the exit status
            print(f"ldindex sparql: reading {path} failed: {exc}", file=sys.stderr)
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb", buffering=1 << 20) as stream:
            into.bulk_load(stream, format=N_QUADS, lenient=True)
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # it may be blocked writing to a pipe nobody reads
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise LoadFailed(f"could not read the snapshot {path}")
