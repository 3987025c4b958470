"""Bulk dumps of the whole catalogue graph, written from one snapshot, after bursts of writes.

``catalogue.nt.gz`` holds every triple once (N-Triples, gzip); ``catalogue.jsonld.gz`` the
same triples as one JSON-LD document with both contexts embedded (readable offline), each
project a node tree shaped like its page's JSON-LD. Both come from the same snapshot, so they
describe the same generation, and so do the dataset statistics VoID publishes
(``manifest.json``). Files are written aside and renamed into place: a download in progress
keeps reading the file it opened. The same job brings the catalogue image (``image``) up to
that snapshot, so a restarted server loads it with few graphs left to replace.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import time
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyoxigraph as ox

from publisher.sparql.image import write_image
from publisher.sparql.location import GraphLocation, Snapshot, pinned, write_json_atomically

__all__ = ["DUMP_FILES", "read_manifest", "write_dumps"]

NT_DUMP = "catalogue.nt.gz"
JSONLD_DUMP = "catalogue.jsonld.gz"
DUMP_FILES = (NT_DUMP, JSONLD_DUMP)
MANIFEST = "manifest.json"


class _Hashing:
    """A binary sink that hashes and counts what passes through to ``inner``."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.inner.write(data)

    def flush(self) -> None:
        self.inner.flush()


def read_manifest(location: GraphLocation) -> dict[str, Any] | None:
    try:
        return orjson.loads((location.dump_dir / MANIFEST).read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return None


def write_dumps(location: GraphLocation) -> dict[str, Any]:
    """Write both dumps and the manifest from the current snapshot; return the manifest."""
    snapshot = location.current()
    if snapshot is None:
        raise FileNotFoundError(f"{location.dir}: no graph yet; run `ldindex graph rebuild`")
    location.ensure()
    with location.writing(), (location.dump_dir / "lock").open("a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = read_manifest(location)
        if manifest is not None and manifest.get("snapshot") == snapshot.path.name:
            return manifest  # another process wrote these very dumps meanwhile
        for left in location.dump_dir.glob(".*.tmp"):  # from a writer killed mid-way
            left.unlink(missing_ok=True)
        with pinned(snapshot.path):
            return _write_all(location, snapshot)


def _write_all(location: GraphLocation, snapshot: Snapshot) -> dict[str, Any]:
    store = ox.Store.read_only(str(snapshot.path))
    write_image(location, store, snapshot)
    files = {
        NT_DUMP: _write(location.dump_dir / NT_DUMP, lambda out: _ntriples(store, out)),
        JSONLD_DUMP: _write(
            location.dump_dir / JSONLD_DUMP, lambda out: _jsonld(store, location.base, out)
        ),
    }
    manifest = {
        "generation": snapshot.generation,
        "snapshot": snapshot.path.name,
        "written": time.time(),
        "files": files,
        "statistics": statistics(store),
    }
    write_json_atomically(location.dump_dir / MANIFEST, manifest)
    return manifest


def _write(path: Path, fill: Any) -> dict[str, Any]:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as raw:
        hashing = _Hashing(raw)
        with gzip.GzipFile(fileobj=hashing, mode="wb", compresslevel=6, mtime=0) as out:
            fill(out)
        raw.flush()
        os.fsync(raw.fileno())
    tmp.replace(path)
    return {"sha256": hashing.sha256.hexdigest(), "size": hashing.size}


_UNION = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def _ntriples(store: ox.Store, out: BinaryIO) -> None:
    store.query(_UNION).serialize(out, ox.RdfFormat.N_TRIPLES)


def _jsonld(store: ox.Store, base: str, out: BinaryIO) -> None:
    from crosswalk.jsonld import document_context, to_jsonld

    out.write(b'{"@context":' + orjson.dumps(document_context(embed_context=True)))
    out.write(b',"@graph":[')
    first = True
    for name in sorted(store.named_graphs(), key=lambda g: g.value):
        graph = _rdflib_graph(store, name)
        root = name.value.removesuffix("#graph")
        document = to_jsonld(graph, frame_root=root)
        document.pop("@context", None)
        for node in document.pop("@graph", None) or [document]:
            out.write(b"" if first else b",")
            out.write(orjson.dumps(node))
            first = False
    out.write(b"]}")


def _rdflib_graph(store: ox.Store, name: ox.NamedNode):
    from rdflib import BNode, Graph, Literal, URIRef

    def term(t: Any):
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        if t.language:
            return Literal(t.value, lang=t.language)
        return Literal(t.value, datatype=URIRef(t.datatype.value))

    graph = Graph(store="SimpleMemory", identifier=URIRef(name.value.removesuffix("#graph")))
    for quad in store.quads_for_pattern(None, None, None, name):
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    return graph


_STATISTICS = {
    "triples": "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { GRAPH ?g { ?s ?p ?o } } }",
    "subjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) { GRAPH ?g { ?s ?p ?o } }",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) { GRAPH ?g { ?s ?p ?o } FILTER isIRI(?s) }",
    "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) { GRAPH ?g { ?s ?p ?o } }",
    "objects": "SELECT (COUNT(DISTINCT ?o) AS ?n) { GRAPH ?g { ?s ?p ?o } }",
    "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) { GRAPH ?g { ?s a ?c } }",
    "graphs": "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { } }",
}


def statistics(store: ox.Store) -> dict[str, Any]:
    """The VoID figures of the dataset: counts, and the entities of each class."""
    found: dict[str, Any] = {}
    for key, query in _STATISTICS.items():
        (row,) = list(store.query(query))
        found[key] = int(row["n"].value)
    classes = store.query(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c"
    )
    found["class_partitions"] = {row["c"].value: int(row["n"].value) for row in classes}
    return found
