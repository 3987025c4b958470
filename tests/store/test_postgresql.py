"""What is PostgreSQL's own in the store, against a real server: the schema made on the first
write, migrated, refused when newer; read-only opening; the generation learnt by LISTEN
without a query, across a lost connection; writes that wait for every listener; a streaming
replica that is read only while current. Behaviour both backends share, concurrent writers
included, is in test_contract.py."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest

from crosswalk.records import Target
from publisher.search import SearchQuery
from publisher.store import (
    Author,
    StoreError,
    StoreMissing,
    open_store,
    redact_url,
)
from publisher.store.base import SCHEMA_VERSION
from publisher.store.postgresql import PostgreSQLStore
from publisher.store.postgresql_changes import await_listeners
from publisher.store.postgresql_sql import to_psycopg
from publisher.store.schema import statements
from tests.pgcluster import Cluster, wait_replayed
from tests.store.test_contract import WHEEL, new_file

ALICE = Author("alice")


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r[0] for r in rows}


def test_first_write_creates_schema_extension_and_notify_trigger(pg_url: str) -> None:
    store = open_store(pg_url)
    store.close()
    assert {"projects", "files", "extrinsic_revisions", "schema_version"} <= _tables(pg_url)
    with psycopg.connect(pg_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
        assert "pg_trgm" in extensions
        conn.execute("LISTEN ldindex_changes")
        conn.commit()
        with psycopg.connect(pg_url, autocommit=True) as other:
            other.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
        notes = list(conn.notifies(timeout=5, stop_after=1))
        assert [(n.channel, n.payload) for n in notes] == [("ldindex_changes", "1")]


def test_names_sort_byte_wise_as_in_sqlite(pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        for name in ("zope-interface", "z3c", "zope", "a-b", "ab", "a"):
            store.add_file(new_file(f"{name}-1.0.tar.gz", name, "1.0", "sdist", name[:1] * 64, 2))
        # canonical names, ordered as Python (and SQLite) order strings
        assert store.project_names() == sorted(store.project_names())
        assert store.project_names() == ["a", "a-b", "ab", "z3c", "zope", "zope-interface"]
    finally:
        store.close()


def test_a_newer_schema_is_refused_by_writers_and_readers(pg_url: str) -> None:
    open_store(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version VALUES (%s)", (SCHEMA_VERSION + 1,))
    for options in ({}, {"read_only": True}):
        with pytest.raises(StoreError, match="newer than this ldindex understands"):
            open_store(pg_url, **options)


def test_an_older_schema_is_migrated_and_keeps_its_rows(pg_url: str) -> None:
    """A database an older ldindex left at version 4 (items tied to projects by a foreign
    key) is brought to the newest version, every row kept; items then outlive a project."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version BIGINT NOT NULL)")
        for version in range(1, 5):
            for statement in statements(version, "postgresql"):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        conn.execute(
            "INSERT INTO projects (name, display_name, created) VALUES ('demo', 'Demo', 't')"
        )
        conn.execute(
            "INSERT INTO extrinsic_items VALUES ('i1', 'advisory', 'demo', NULL, NULL, 1, 0, '{}')"
        )
        conn.execute(
            "INSERT INTO extrinsic_revisions VALUES ('i1', 1, 'create', 'alice', NULL, "
            "'2025-01-01T00:00:00+00:00', NULL, NULL, '{}')"
        )
    with pytest.raises(StoreError, match="needs upgrading"):
        open_store(pg_url, read_only=True)  # reading never migrates
    store = open_store(pg_url)
    try:
        assert [r.change.author for r in store.item_history("i1")] == ["alice"]
        # the project it held is in the search index built by the upgrade
        assert [e.name for e in store.search(SearchQuery.parse("demo")).hits] == ["demo"]
    finally:
        store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == (
            SCHEMA_VERSION
        )
        conn.execute("DELETE FROM projects WHERE name = 'demo'")  # no foreign key left
        assert conn.execute("SELECT count(*) FROM extrinsic_items").fetchone()[0] == 1


def test_processes_opening_an_empty_database_together_migrate_once(pg_url: str) -> None:
    opened, failures = [], []

    def open_it() -> None:
        try:
            opened.append(open_store(pg_url))
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in opened:
        store.close()
    assert failures == [] and len(opened) == 4
    with psycopg.connect(pg_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_history_and_events_cannot_be_rewritten(pg_url: str) -> None:
    store = open_store(pg_url)
    store.add_file(new_file(WHEEL))
    item = store.create_item("advisory", Target("demo", "1.0"), {"id": "A"}, ALICE, None)
    store.set_yanked(Target("demo", "1.0"), True, "bad", ALICE)
    store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in (
            "UPDATE extrinsic_revisions SET author = 'mallory'",
            "DELETE FROM extrinsic_revisions",
            "TRUNCATE extrinsic_revisions",
            "UPDATE admin_events SET author = 'mallory'",
            "DELETE FROM admin_events",
        ):
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="immutable"):
                conn.execute(statement)
    store = open_store(pg_url, read_only=True)
    assert store.item_history(item.item_id)[0].change.author == "alice"
    store.close()


def test_a_missing_database_is_named_without_its_password(pg_cluster: Cluster) -> None:
    url = pg_cluster.url("no_such_database", "ldindex")
    for options in ({}, {"read_only": True}, {"create": False}):
        with pytest.raises(StoreMissing) as missing:
            open_store(url, **options)
        message = str(missing.value)
        assert "createdb" in message and pg_cluster.password not in message
        assert "ldindex:***@127.0.0.1" in message
    wrong = pg_cluster.url("postgres", "ldindex").replace(pg_cluster.password[:6], "xxxxxx")
    with pytest.raises(StoreError, match="cannot connect") as refused:
        open_store(wrong)
    assert pg_cluster.password[6:] not in str(refused.value)


def test_redact_url_hides_only_the_password() -> None:
    assert redact_url("postgresql://u:s3cret@db.example:5433/x?sslmode=require") == (
        "postgresql://u:***@db.example:5433/x?sslmode=require"
    )
    assert redact_url("postgresql://u@db/x") == "postgresql://u@db/x"
    assert redact_url("sqlite:///./ldindex.db") == "sqlite:///./ldindex.db"


def test_placeholders_become_psycopg_ones_outside_literals() -> None:
    assert to_psycopg("SELECT ? WHERE a LIKE '%?' AND b = ?") == (
        "SELECT %s WHERE a LIKE '%%?' AND b = %s"
    )
    assert to_psycopg('SELECT "odd?name", 5 % 2') == 'SELECT "odd?name", 5 %% 2'


def test_read_only_connections_cannot_write(pg_url: str) -> None:
    open_store(pg_url).close()
    reader = open_store(pg_url, read_only=True)
    try:
        assert isinstance(reader, PostgreSQLStore)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader._primary.execute("UPDATE store_meta SET value = 99")
    finally:
        reader.close()


def test_nul_in_stored_text_is_a_clear_store_error(pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        store.add_file(new_file(WHEEL))
        with pytest.raises(StoreError, match="NUL"):
            store.set_yanked(Target("demo", "1.0"), True, "bad\x00", ALICE)
        assert not store.get_release("demo", "1.0").yanked  # rolled back whole
    finally:
        store.close()


# -- the generation, learnt by LISTEN ------------------------------------------------------------


@pytest.fixture
def two_processes(pg_url: str) -> Iterator[tuple[PostgreSQLStore, PostgreSQLStore]]:
    """A writer and a reader, each with its pool and listener, as two workers would be."""
    writer = open_store(pg_url)
    reader = open_store(pg_url)
    assert isinstance(writer, PostgreSQLStore) and isinstance(reader, PostgreSQLStore)
    yield writer, reader
    writer.close()
    reader.close()


class _Refusing:
    def execute(self, *_: object) -> None:
        raise AssertionError("generation() queried the database")


def _no_queries(store: PostgreSQLStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_primary_reads", _Refusing())


def test_generation_costs_no_query_and_follows_other_writers(
    two_processes: tuple[PostgreSQLStore, PostgreSQLStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader = two_processes
    start = reader.generation()
    for n in range(20):
        writer.add_file(new_file(f"p{n}-1.0.tar.gz", f"p{n}", "1.0", "sdist", f"{n:064x}", 2))
        with monkeypatch.context() as patch:
            _no_queries(reader, patch)
            # the write has returned: the other process knows, with no query
            assert reader.generation() == start + n + 1
    assert reader.changed_since(start + 19) == ["p19"]


def test_a_write_returns_only_once_every_listener_has_it(
    two_processes: tuple[PostgreSQLStore, PostgreSQLStore],
) -> None:
    writer, _ = two_processes
    writer.add_file(new_file(WHEEL))
    generation = writer.generation()
    with psycopg.connect(writer.url) as conn:
        shown = [
            r[0]
            for r in conn.execute(
                "SELECT application_name FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE 'ldindex-listener%'"
            )
        ]
    assert shown == [f"ldindex-listener g={generation}"] * 2


def test_a_listener_that_never_answers_delays_writes_a_bounded_time(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(pg_url)
    stuck = psycopg.connect(pg_url, autocommit=True, application_name="ldindex-listener g=0")
    try:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, "ldindex.store"):
            done = await_listeners(
                lambda sql, args: store._primary_reads.execute(sql, args).fetchall(),
                5,
                None,
                "db",
                timeout=0.3,
            )
        assert done is False and 0.3 <= time.monotonic() - started < 3
        assert str(stuck.info.backend_pid) in caplog.text
    finally:
        stuck.close()
        store.close()


def test_a_lost_listener_falls_back_to_queries_then_listens_again(
    two_processes: tuple[PostgreSQLStore, PostgreSQLStore], pg_cluster: Cluster
) -> None:
    writer, reader = two_processes
    listener = reader._listener
    assert listener is not None and listener.listening
    pid = listener.backend_pid
    with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    writer.add_file(new_file(WHEEL))  # does not wait for the listener that is gone
    # whether or not the loss was noticed yet, the reader is never behind
    assert reader.generation() == writer.generation()
    deadline = time.monotonic() + 20
    while not (listener.listening and listener.backend_pid not in (None, pid)):
        assert time.monotonic() < deadline, "the listener did not come back"
        time.sleep(0.05)
    writer.add_file(new_file("other-1.0.tar.gz", "other", "1.0", "sdist", "b" * 64, 2))
    assert reader.generation() == writer.generation()
    assert sorted(reader.changed_since(reader.generation() - 2)) == ["demo", "other"]


# -- a streaming replica ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def replicated() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and its hot standby, for this module alone."""
    primary = Cluster.start()
    try:
        standby = primary.standby()
    except BaseException:
        primary.stop()
        raise
    yield primary, standby
    standby.stop()
    primary.stop()


class _Counting:
    """Counts the statements a connection shape runs (to tell which server answered)."""

    def __init__(self, inner: object) -> None:
        self.inner, self.count = inner, 0

    def execute(self, *args: object):
        self.count += 1
        return self.inner.execute(*args)


def test_reads_go_to_a_current_replica_and_never_return_what_it_lacks(
    replicated: tuple[Cluster, Cluster],
) -> None:
    primary, standby = replicated
    url = primary.create_database()
    replica_url = url.replace(f":{primary.port}/", f":{standby.port}/")
    writer = open_store(url)
    writer.add_file(new_file(WHEEL))
    wait_replayed(url, replica_url)
    store = open_store(url, read_url=replica_url, read_only=True)
    assert isinstance(store, PostgreSQLStore)
    replica = store._replica_reads = _Counting(store._replica_reads)
    primary_reads = store._primary_reads = _Counting(store._primary_reads)
    try:
        for _ in range(10):
            assert store.get_project("demo") is not None
        assert replica.count >= 30 and primary_reads.count == 0  # served by the replica

        with psycopg.connect(standby.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        try:
            sdist = replace(new_file("demo-1.0.tar.gz", packagetype="sdist", sha256="c" * 64))
            writer.add_file(sdist)
            # the replica has not replayed it: the write is read from the primary
            replica.count = 0
            release = store.get_release("demo", "1.0")
            assert release is not None and len(release.files) == 2
            assert "demo" in store.changed_since(store.generation() - 1)
            assert primary_reads.count >= 3
        finally:
            with psycopg.connect(standby.url(), autocommit=True) as conn:
                conn.execute("SELECT pg_wal_replay_resume()")
        wait_replayed(url, replica_url)
        primary_reads.count = 0
        assert len(store.get_release("demo", "1.0").files) == 2
        assert primary_reads.count == 0  # back on the replica
    finally:
        store.close()
        writer.close()


def test_a_replica_needs_a_postgresql_primary(tmp_path) -> None:
    with pytest.raises(StoreError, match="read replica needs a PostgreSQL"):
        open_store(f"sqlite:///{tmp_path / 'x.db'}", read_url="postgresql://u:pw@h/db")
    with pytest.raises(StoreError, match=r"u:\*\*\*@h"):
        open_store(f"sqlite:///{tmp_path / 'x.db'}", read_url="postgresql://u:pw@h/db")
