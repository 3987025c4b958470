"""Keeping the catalogue graph in step with the database: incremental sync and full rebuild.

Both run under the location's lock, open ``primary/`` read-write, and end by publishing a
snapshot. A sync reads the database's write counter first, then replaces the named graph of
every project written since the generation ``primary/`` records, then records that counter:
a write landing meanwhile is applied now or by the next sync, never lost. A rebuild writes a
fresh store beside the old one and swaps it in, so an interrupted rebuild leaves the old graph
in service.
"""

from __future__ import annotations

import fcntl
import logging
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyoxigraph as ox

from crosswalk import vocab
from publisher.sparql.catalogue import graph_name, project_quads
from publisher.sparql.image import ImageWriter
from publisher.sparql.location import FORMAT, GraphLocation, Snapshot, write_json_atomically
from publisher.store import Store

__all__ = ["SyncReport", "rebuild", "sync"]

log = logging.getLogger("ldindex.sparql")

# Seconds a superseded snapshot stays on disk: longer than any query dispatched to it can run
# (timeouts are capped at 60 s), so no query loses its files.
SNAPSHOT_GRACE = 150.0

OnProject = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync or rebuild did."""

    generation: int
    projects: int
    rebuilt: bool
    seconds: float
    snapshot: Snapshot | None


def sync(
    store: Store,
    location: GraphLocation,
    on_project: OnProject | None = None,
    on_total: Callable[[int], None] | None = None,
) -> SyncReport:
    """Bring the graph up to the database's current generation, rebuilding if it has none."""
    started = time.perf_counter()
    with location.locked():
        state = location.read_state()
        current = location.current()
        if state is None:
            return _rebuild_locked(store, location, on_project, on_total, started)
        now = store.generation()
        changed = store.changed_since(state["generation"]) if now > state["generation"] else []
        if not changed and current is not None and current.generation == state["generation"]:
            if on_total is not None:
                on_total(0)
            return SyncReport(now, 0, False, time.perf_counter() - started, current)
        graph = ox.Store(str(location.primary))
        try:
            relinked = sorted(_relinked(graph, store, location.base, changed) - set(changed))
            if on_total is not None:
                on_total(len(changed) + len(relinked))
            for name in [*changed, *relinked]:
                _replace_project(graph, store, location.base, name)
                if on_project is not None:
                    on_project(name)
            graph.flush()
            if relinked:
                location.record_relinked(now, relinked)
            location.write_state(now)
            lineage = current.lineage if current is not None else _new_lineage()
            snapshot = _publish(graph, location, now, lineage)
        finally:
            del graph
    seconds = time.perf_counter() - started
    done = len(changed) + len(relinked)
    log.info("graph: %d changed projects applied in %.2f s (gen. %d)", done, seconds, now)
    return SyncReport(now, done, False, seconds, snapshot)


def rebuild(
    store: Store,
    location: GraphLocation,
    on_project: OnProject | None = None,
    on_total: Callable[[int], None] | None = None,
) -> SyncReport:
    """Build the graph from scratch from every project in the database."""
    started = time.perf_counter()
    with location.locked():
        return _rebuild_locked(store, location, on_project, on_total, started)


def _replace_project(graph: ox.Store, store: Store, base: str, name: str) -> None:
    target = graph_name(base, name)
    project = store.get_project(name)
    if graph.contains_named_graph(target):
        graph.remove_graph(target)
    if project is not None:
        graph.extend(project_quads(store, project, base))


_LINKED_FROM = "SELECT DISTINCT ?g ?target WHERE { GRAPH ?g { ?r ldx:requiredProject ?target } }"


def _relinked(graph: ox.Store, store: Store, base: str, changed: list[str]) -> set[str]:
    """Projects whose requirements must now link elsewhere: a requirement links to the page
    of a project the index holds, else to ``pkg:pypi/…``, so a project appearing (or going)
    changes the graphs of the projects that require it, though nothing was written to them."""
    found: set[str] = set()
    prefix, suffix = f"{base}/project/", "/#graph"
    for name in changed:
        exists = store.get_project(name) is not None
        if exists == graph.contains_named_graph(graph_name(base, name)):
            continue  # neither new nor gone: the links to it stand
        old = vocab.project_purl(name) if exists else vocab.project_iri(base, name)
        rows = graph.query(_LINKED_FROM, prefixes={"ldx": str(vocab.LDX)},
                           substitutions={ox.Variable("target"): ox.NamedNode(old)})  # fmt: skip
        for row in rows:
            iri = row["g"].value
            if iri.startswith(prefix) and iri.endswith(suffix):
                found.add(iri[len(prefix) : -len(suffix)])
    return found


def _rebuild_locked(
    store: Store,
    location: GraphLocation,
    on_project: OnProject | None,
    on_total: Callable[[int], None] | None,
    started: float,
) -> SyncReport:
    location.ensure()
    now = store.generation()  # before the data: later writes are picked up by the next sync
    names = store.project_names()
    if on_total is not None:
        on_total(len(names))
    fresh = location.dir / "primary.building"
    shutil.rmtree(fresh, ignore_errors=True)
    graph = ox.Store(str(fresh))
    image = ImageWriter(location)  # the same quads, for query hosts to load into memory
    try:

        def quads():
            for project in store.iter_projects():
                found = project_quads(store, project, location.base)
                image.add(found)
                yield from found
                if on_project is not None:
                    on_project(project.name)

        graph.bulk_extend(quads())
        graph.flush()
    except BaseException:
        image.abort()
        raise
    finally:
        del graph
    location.write_state(None)  # from here until the swap, primary/ is not to be trusted
    old = location.dir / "primary.old"
    shutil.rmtree(old, ignore_errors=True)
    if location.primary.exists():
        location.primary.rename(old)
    fresh.rename(location.primary)
    shutil.rmtree(old, ignore_errors=True)
    location.forget_relinked()
    location.write_state(now)
    graph = ox.Store(str(location.primary))
    try:
        snapshot = _publish(graph, location, now, _new_lineage())
    except BaseException:
        image.abort()
        raise
    finally:
        del graph
    image.commit(snapshot)
    seconds = time.perf_counter() - started
    log.info("graph: rebuilt %d projects in %.2f s (generation %d)", len(names), seconds, now)
    return SyncReport(now, len(names), True, seconds, snapshot)


def _new_lineage() -> str:
    return secrets.token_hex(8)


def _publish(graph: ox.Store, location: GraphLocation, generation: int, lineage: str) -> Snapshot:
    """Checkpoint ``primary/`` as a new snapshot, point ``current.json`` at it, and prune
    snapshots superseded long enough ago that no query can still be reading them."""
    location.ensure()
    previous = location.current()
    number = 1 + max((int(p.name) for p in _snapshot_dirs(location.snapshots)), default=0)
    path = location.snapshots / f"{number:08d}"
    graph.backup(str(path))
    now = time.time()
    data = {
        "format": FORMAT,
        "base": location.base,
        "name": path.name,
        "generation": generation,
        "triples": len(graph),
        "published": now,
        "lineage": lineage,
    }
    write_json_atomically(location.snapshots / f"{path.name}.json", data)
    write_json_atomically(location.current_file, data)
    if previous is not None:
        _mark_superseded(previous.path, now)
    _prune(location.snapshots, keep=path, now=now)
    return Snapshot.from_json(location.snapshots, data)


def _snapshot_dirs(root: Path) -> list[Path]:
    return [p for p in root.iterdir() if p.is_dir() and p.name.isdigit()] if root.is_dir() else []


def _mark_superseded(path: Path, when: float) -> None:
    meta = path.with_name(f"{path.name}.json")
    try:
        data = orjson.loads(meta.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        data = {}
    data["superseded"] = when
    write_json_atomically(meta, data)


def _prune(root: Path, keep: Path, now: float) -> None:
    for path in _snapshot_dirs(root):
        if path == keep:
            continue
        meta = path.with_name(f"{path.name}.json")
        try:
            superseded = orjson.loads(meta.read_bytes()).get("superseded", meta.stat().st_mtime)
        except (FileNotFoundError, orjson.JSONDecodeError):
            superseded = 0.0  # no record: left over from a crash, nobody reads it
        if now - superseded >= SNAPSHOT_GRACE:
            _remove_unless_pinned(path, meta)


def _remove_unless_pinned(path: Path, meta: Path) -> None:
    """Delete a snapshot nobody reads: a dump or a load in progress pins it (``pinned``)."""
    pin_path = path.with_name(f"{path.name}.pin")
    with pin_path.open("a+b") as pin:
        try:
            fcntl.flock(pin, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        shutil.rmtree(path, ignore_errors=True)
        meta.unlink(missing_ok=True)
        pin_path.unlink(missing_ok=True)
