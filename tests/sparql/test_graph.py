"""The catalogue graph kept in step with the database: incremental sync, rebuild, snapshots."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from crosswalk import vocab
from crosswalk.records import Target
from publisher.extrinsic.writes import create
from publisher.sparql import dumping, maintenance
from publisher.sparql.catalogue import project_graphs
from publisher.sparql.image import read_image
from publisher.sparql.location import GraphLocation, base_key, pinned
from publisher.sparql.prefixes import PREFIXES
from publisher.store import Author, NewFile, Store, open_store
from tests.sparql.conftest import as_stored
from tests.store.test_contract import new_file

BASE = "http://index.example/"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(f"sqlite:///{tmp_path / 'index.db'}")
    opened.add_file(new_file("demo-1.0-py3-none-any.whl", "demo", "1.0", sha256="a" * 64))
    yield opened
    opened.close()


def location(tmp_path: Path, base: str = BASE) -> GraphLocation:
    return GraphLocation(tmp_path / "graph", base)


def query(loc: GraphLocation, text: str) -> list[ox.QuerySolution]:
    snapshot = loc.current()
    assert snapshot is not None
    store = ox.Store.read_only(str(snapshot.path))
    return list(store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES))


def as_rdflib(loc: GraphLocation) -> Graph:
    snapshot = loc.current()
    assert snapshot is not None
    data = ox.Store.read_only(str(snapshot.path)).query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    return Graph().parse(data=data.serialize(format=ox.RdfFormat.N_TRIPLES), format="nt")


def test_the_graph_is_what_the_pages_publish(store: Store, tmp_path: Path) -> None:
    advisory = {"kind": "advisory", "data": {"id": "GHSA-demo-0001", "summary": "Bad",
                "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
                              "versions": ["1.0"]}]}}  # fmt: skip
    create(store, Target("demo"), advisory, Author("curator"))
    create(store, Target("demo", "1.0"), {"kind": "hardware-capability",
           "data": {"key": "gpu", "value": "cuda>=12"}}, Author("curator"))  # fmt: skip
    loc = location(tmp_path)
    report = maintenance.sync(store, loc)
    assert report.rebuilt and report.projects == 1
    project = store.get_project("demo")
    assert project is not None
    expected = Graph()
    for graph in project_graphs(store, project, BASE.rstrip("/")):  # as the pages build them
        expected += graph
    assert isomorphic(as_rdflib(loc), as_stored(expected))
    (row,) = query(loc, "SELECT ?id WHERE { ?r ldx:affectedBy/schema:identifier ?id }")
    assert row["id"].value == "GHSA-demo-0001"
    (row,) = query(loc, "SELECT ?g WHERE { GRAPH ?g { ?p a ldx:Project } }")
    assert row["g"].value == "http://index.example/project/demo/#graph"


def test_sync_applies_only_what_changed(store: Store, tmp_path: Path) -> None:
    loc = location(tmp_path)
    first = maintenance.sync(store, loc)
    assert maintenance.sync(store, loc).projects == 0  # nothing written since
    store.add_file(new_file("other-2.0-py3-none-any.whl", "other", "2.0", sha256="b" * 64))
    store.add_file(new_file("demo-1.1-py3-none-any.whl", "demo", "1.1", sha256="c" * 64))
    second = maintenance.sync(store, loc)
    assert (second.rebuilt, second.projects) == (False, 2)
    assert second.generation == store.generation() > first.generation
    assert second.snapshot is not None and second.snapshot.path != first.snapshot.path
    rows = query(loc, "SELECT ?v WHERE { <project/demo/> ldx:latestRelease/schema:version ?v }"
                      .replace("<project/", f"<{BASE}project/"))  # fmt: skip
    assert [r["v"].value for r in rows] == ["1.1"]  # the old "latest" triple was replaced
    names = {r["n"].value for r in query(loc, "SELECT ?n { ?p a ldx:Project ; schema:name ?n }")}
    assert names == {"Demo", "Other"}
    old = ox.Store.read_only(str(first.snapshot.path))  # an earlier snapshot is unchanged
    assert not bool(old.query("ASK { ?s ?p 'other' }", use_default_graph_as_union=True))


def needy_file() -> NewFile:
    """A release requiring ``other``, a project the index does not hold yet."""
    found = new_file("needy-1.0-py3-none-any.whl", "needy", "1.0", sha256="9" * 64)
    metadata = {**found.metadata, "requires_dist": ["other>=1"]}
    return replace(found, metadata=metadata)


def test_a_project_appearing_relinks_the_projects_requiring_it(store: Store, tmp_path: Path):
    store.add_file(needy_file())
    loc = location(tmp_path)
    first = maintenance.sync(store, loc)
    linked = "SELECT ?p WHERE { ?r schema:softwareRequirements/ldx:requiredProject ?p }"
    assert [r["p"].value for r in query(loc, linked)] == ["pkg:pypi/other"]
    store.add_file(new_file("other-2.0-py3-none-any.whl", "other", "2.0", sha256="b" * 64))
    second = maintenance.sync(store, loc)
    assert second.projects == 2  # other, written; needy, re-mapped though nothing was written
    assert [r["p"].value for r in query(loc, linked)] == [f"{BASE}project/other/"]
    assert loc.relinked_since(first.generation) == {"needy"}
    assert loc.relinked_since(second.generation) == set()
    project = store.get_project("needy")
    assert project is not None
    expected = Graph()
    for graph in project_graphs(store, project, BASE.rstrip("/")):  # the pages say the same
        expected += graph
    served = ox.Store.read_only(str(second.snapshot.path)).query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <http://index.example/project/needy/#graph> "
        "{ ?s ?p ?o } }"
    )
    data = served.serialize(format=ox.RdfFormat.N_TRIPLES)
    assert isomorphic(Graph().parse(data=data, format="nt"), as_stored(expected))
    rebuilt = maintenance.rebuild(store, loc)
    assert loc.relinked_since(0) == set()  # a rebuild maps everything anew
    assert rebuilt.snapshot is not None and second.snapshot is not None
    assert rebuilt.snapshot.lineage != second.snapshot.lineage == first.snapshot.lineage


def test_a_damaged_state_rebuilds_and_a_rebuild_swaps_cleanly(store: Store, tmp_path: Path):
    loc = location(tmp_path)
    maintenance.sync(store, loc)
    loc.state_file.write_text("{not json")
    assert maintenance.sync(store, loc).rebuilt
    report = maintenance.rebuild(store, loc)
    assert report.rebuilt and report.snapshot is not None and report.snapshot.triples > 20
    assert sorted(p.name for p in loc.dir.iterdir() if p.name.startswith("primary")) == ["primary"]


def test_each_base_url_has_its_own_graph(store: Store, tmp_path: Path) -> None:
    one, two = location(tmp_path, "http://one.example"), location(tmp_path, "https://two/x/")
    maintenance.sync(store, one)
    maintenance.sync(store, two)
    assert one.dir != two.dir and base_key("https://two/x") == two.dir.name
    for loc in (one, two):
        (row,) = query(loc, "SELECT ?p { ?p a ldx:Project }")
        assert row["p"].value == f"{loc.base}/project/demo/"


def test_superseded_snapshots_are_pruned_after_the_grace(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loc = location(tmp_path)
    maintenance.sync(store, loc)
    store.add_file(new_file("demo-2.0-py3-none-any.whl", "demo", "2.0", sha256="d" * 64))
    maintenance.sync(store, loc)
    assert len([p for p in loc.snapshots.iterdir() if p.is_dir()]) == 2  # within the grace
    monkeypatch.setattr(maintenance, "SNAPSHOT_GRACE", 0.0)
    read = loc.current().path
    with pinned(read):  # a dump or a load reading it: kept past the grace
        store.add_file(new_file("demo-3.0-py3-none-any.whl", "demo", "3.0", sha256="e" * 64))
        maintenance.sync(store, loc)
        assert read.is_dir() and len([p for p in loc.snapshots.iterdir() if p.is_dir()]) == 2
    store.add_file(new_file("demo-4.0-py3-none-any.whl", "demo", "4.0", sha256="f" * 64))
    maintenance.sync(store, loc)
    kept = [p.name for p in loc.snapshots.iterdir() if p.is_dir()]
    assert kept == [loc.current().path.name]
    assert sorted(p.name for p in loc.snapshots.iterdir()) == [kept[0], f"{kept[0]}.json"]


def test_rebuilds_and_dumps_write_the_image_of_their_snapshot(store: Store, tmp_path: Path):
    loc = location(tmp_path)
    built = maintenance.rebuild(store, loc)
    assert built.snapshot is not None
    image = read_image(loc)
    assert image is not None and image.generation == built.generation
    assert image.snapshot == built.snapshot.path.name and image.triples == built.snapshot.triples
    assert _image_quads(image) == _snapshot_quads(built.snapshot.path)
    store.add_file(new_file("other-2.0-py3-none-any.whl", "other", "2.0", sha256="b" * 64))
    synced = maintenance.sync(store, loc)
    assert synced.snapshot is not None
    assert read_image(loc).generation == built.generation  # a sync leaves the image be
    killed = [loc.dump_dir / ".catalogue.nt.gz.99999.tmp", loc.dir / ".image.nq.gz.99999.tmp"]
    for left in killed:  # what writers killed mid-way leave
        left.write_bytes(b"half")
    dumping.write_dumps(loc)
    assert not any(left.exists() for left in killed)
    image = read_image(loc)
    assert image is not None and image.generation == synced.generation
    assert _image_quads(image) == _snapshot_quads(synced.snapshot.path)
    loc.image_meta.write_text("{not json")
    assert read_image(loc) is None  # a damaged description: no image, a full read instead


def _image_quads(image) -> set[ox.Quad]:
    """The image as a store holds it (typed literals in their canonical form)."""
    loaded = ox.Store()
    with gzip.open(image.path, "rb") as stream:
        loaded.load(stream, format=ox.RdfFormat.N_QUADS)
    return set(loaded.quads_for_pattern(None, None, None, None))


def _snapshot_quads(path: Path) -> set[ox.Quad]:
    return set(ox.Store.read_only(str(path)).quads_for_pattern(None, None, None, None))


def test_query_prefixes_are_the_crosswalks() -> None:
    for prefix, namespace in vocab.PREFIXES.items():
        assert PREFIXES[prefix] == str(namespace)
    assert PREFIXES["license"] == str(vocab.SPDX_LICENSE)
    assert PREFIXES["repostatus"] == str(vocab.REPOSTATUS)
