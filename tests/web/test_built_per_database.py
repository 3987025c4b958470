"""What a server builds from a whole catalogue (the /simple/ root, the search listing, the
SPARQL graph) goes to a directory of its own per database: two indexes on database servers,
served from one working directory under one base URL, never answer with each other's
build."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from publisher.sparql.location import default_graph_root
from publisher.store import default_published_dir
from tests.conftest import SHARED_ARTEFACTS, build_index, start_server, stop_server
from tests.web.conftest import client_for


def test_the_directory_names_the_database_not_the_user() -> None:
    one = default_published_dir("postgresql://alice:secret@db1:5432/index")
    assert one == default_published_dir("postgresql://bob:other@db1:5432/index")
    assert one.parent == Path("ldindex-published") and one.name.startswith("index-")
    assert "secret" not in str(one)
    assert one != default_published_dir("postgresql://alice:secret@db1:5432/staging")
    assert one != default_published_dir("postgresql://alice:secret@db2:5432/index")
    assert default_published_dir("sqlite:////srv/x.db") == Path("/srv/x-published")
    graph = default_graph_root("postgresql://alice:secret@db1:5432/index")
    assert graph == Path("ldindex-graph") / one.name
    assert graph != default_graph_root("postgresql://alice:secret@db1:5432/staging")


def test_two_databases_served_from_one_directory_keep_their_own_listing(
    pg_cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    six = build_index(tmp_path / "a", SHARED_ARTEFACTS / "six-1.16.0.tar.gz",
                      db_url=pg_cluster.create_database())  # fmt: skip
    idna = build_index(tmp_path / "b", SHARED_ARTEFACTS / "idna-3.10.tar.gz",
                       db_url=pg_cluster.create_database())  # fmt: skip
    for data, own, other in ((six, "six", "idna"), (idna, "idna", "six"), (six, "six", "idna")):
        with client_for(data) as client:
            for path in ("/simple/", "/_/search/all"):
                page = client.get(path).text
                assert f">{own}<" in page and f">{other}<" not in page, path


def test_two_databases_served_from_one_directory_keep_their_own_graph(
    pg_cluster, tmp_path: Path
) -> None:
    base = "http://index.test"
    indexes = {
        name: build_index(tmp_path / name, SHARED_ARTEFACTS / artefact,
                          db_url=pg_cluster.create_database())
        for name, artefact in (("six", "six-1.16.0.tar.gz"), ("idna", "idna-3.10.tar.gz"))
    }  # fmt: skip
    for own, other in (("six", "idna"), ("idna", "six")):
        server = start_server(indexes[own], 1, "granian", "--base-url", base, cwd=tmp_path)
        try:
            for name, expected in ((own, True), (other, False)):
                query = f"ASK {{ <{base}/project/{name}/> ?p ?o }}"
                reply = httpx.get(f"{server.url}/_/sparql", params={"query": query},
                                  headers={"Accept": "application/sparql-results+json"},
                                  timeout=60)  # fmt: skip
                assert reply.status_code == 200, reply.text
                assert reply.json()["boolean"] is expected, (own, name)
        finally:
            stop_server(server)
