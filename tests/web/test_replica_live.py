"""``ldindex serve --db PRIMARY --db-read REPLICA --workers 2``, ``ldindex build --db-read`` and
the SPARQL graph's maintainer against a real streaming replica: reads are answered from the
replica, writes go to the primary, and a write acknowledged by one worker is read by every
worker at once, even while the replica has not replayed it (those reads go to the primary
until it has)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest import (
    IndexedData,
    LiveServer,
    make_token,
    start_server,
    stop_server,
    writable_index,
)
from tests.pgcluster import Cluster, wait_replayed
from tests.workers import WorkerConnection, connect_every_worker

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@dataclass(frozen=True)
class Replicated:
    primary: Cluster
    standby: Cluster
    data: IndexedData
    replica_url: str
    server: LiveServer
    workers: list[WorkerConnection]


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicated]:
    primary = Cluster.start()
    standby = server = None
    try:
        standby = primary.standby()
        data = writable_index(tmp_path_factory.mktemp("replica"), primary.create_database())
        replica_url = data.db_url.replace(f":{primary.port}/", f":{standby.port}/")
        wait_replayed(data.db_url, replica_url)
        # the page tier: the SPARQL graph's maintainer is tested on its own below
        server = start_server(data, 2, "granian", "--db-read", replica_url, "--sparql-workers", "0")
        workers = connect_every_worker(server.url, server.process.pid, 2)
        yield Replicated(primary, standby, data, replica_url, server, workers)
        for worker in workers:
            worker.close()
    finally:
        if server is not None:
            stop_server(server)
        if standby is not None:
            standby.stop()
        primary.stop()


def _sessions(cluster: Cluster, database: str) -> dict[int, str]:
    """The last statement of each pooled ldindex session on ``cluster`` (listeners aside),
    by server process."""
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = %s AND application_name = "
            "'ldindex'",
            (database,),
        )
        return dict(rows.fetchall())


def _last_queries(cluster: Cluster, database: str) -> list[str]:
    return list(_sessions(cluster, database).values())


def test_reads_are_answered_from_the_replica(replicated: Replicated) -> None:
    """Each worker's replica connection ran the page's queries; no primary one did."""
    for worker in replicated.workers:
        assert worker.get("/project/requests/").status == 200
    database = replicated.data.db_url.rsplit("/", 1)[1]

    def page_read(query: str) -> bool:  # neither idle since connecting nor a generation check
        return bool(query.strip()) and "store_meta" not in query

    on_replica = _last_queries(replicated.standby, database)
    assert len(on_replica) == 2 and all(page_read(q) for q in on_replica), on_replica
    assert not any(page_read(q) for q in _last_queries(replicated.primary, database))


def test_a_write_is_read_by_every_worker_while_the_replica_lags(replicated: Replicated) -> None:
    admin = {"Authorization": f"Bearer {make_token(replicated.data, 'admin')}"}
    first, second = replicated.workers
    for worker in replicated.workers:
        assert '"yanked":false' in worker.get("/simple/idna/", JSON).text
    with psycopg.connect(replicated.standby.url(), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    try:
        yanked = first.request(
            "POST", "/_/api/projects/idna/releases/3.10/yank", {"reason": "lagging"}, admin
        )
        assert yanked.status == 200, yanked.body
        for worker in (second, first):
            assert '"yanked":"lagging"' in worker.get("/simple/idna/", JSON).text
    finally:
        with psycopg.connect(replicated.standby.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
    wait_replayed(replicated.data.db_url, replicated.replica_url)
    second.request("POST", "/_/api/projects/idna/releases/3.10/unyank", None, admin)
    for worker in replicated.workers:
        assert '"yanked":false' in worker.get("/simple/idna/", JSON).text


def test_build_reads_the_replica(replicated: Replicated, tmp_path: Path) -> None:
    wait_replayed(replicated.data.db_url, replicated.replica_url)
    command = [sys.executable, "-m", "publisher.cli", "--quiet", "build", str(tmp_path / "site"),
               "--db", replicated.data.db_url, "--db-read", replicated.replica_url,
               "--files", str(replicated.data.files_dir)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "site" / "simple" / "requests" / "index.html").read_text()
    assert "requests-2.32.3-py3-none-any.whl" in page


def test_the_graph_maintainer_reads_the_replica_and_shows_no_password(
    replicated: Replicated, tmp_path: Path
) -> None:
    from publisher.sparql.helpers import HelperProcess
    from publisher.sparql.worker import MAINTAIN_DB, MAINTAIN_DB_READ

    wait_replayed(replicated.data.db_url, replicated.replica_url)
    database = replicated.data.db_url.rsplit("/", 1)[1]
    before = set(_sessions(replicated.standby, database))
    env = {MAINTAIN_DB: replicated.data.db_url, MAINTAIN_DB_READ: replicated.replica_url}
    helper = HelperProcess("maintain", str(tmp_path / "graph"), "http://index.test", env=env)
    try:
        helper.wait_ready()
        arguments = Path(f"/proc/{helper.pid}/cmdline").read_bytes().decode()
        password = replicated.primary.password
        assert password not in arguments and "postgresql://" not in arguments
        header, _ = helper.ask({"op": "rebuild"}, timeout=120)
        assert header["status"] == 200 and header["projects"] == 3, (
            header
        )  # markupsafe, requests, idna
        its_own = {pid: q for pid, q in _sessions(replicated.standby, database).items()
                   if pid not in before}  # fmt: skip
        assert any(q.strip() and "store_meta" not in q for q in its_own.values()), its_own
    finally:
        helper.close()
