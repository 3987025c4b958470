"""``ldindex migrate``: a whole index copied between SQLite and PostgreSQL, every table and
every row, counts verified, into an empty database only, all or nothing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from crosswalk.records import Target
from publisher.store import Author, FolderEntry, StoreError, TokenRecord, open_store
from publisher.store.copy import copy_index
from publisher.store.schema import COPY_ORDER, derived
from publisher.store.sql import SQLStore
from tests.store.test_contract import SDIST, WHEEL, new_file

ALICE = Author("alice", "tok1")


def _fill(store: SQLStore) -> None:
    """Something of every table: files, extras, items and revisions, events, tokens, a
    removal, folder entries and settings."""
    from crosswalk.records import Citation

    citation = Citation(SDIST, "demo-1.0/CITATION.cff", "cff", {"title": "T"}, "t")
    store.set_folder_root("/srv/wheels")
    store.add_file(replace(new_file(WHEEL), folder=FolderEntry(WHEEL, WHEEL, 1234, 5)))
    store.add_file(
        replace(new_file(SDIST, packagetype="sdist", sha256="b" * 64, rank=2), citation=citation)
    )
    store.add_file(new_file("demo-2.0.tar.gz", "demo", "2.0", "sdist", "c" * 64, 2))
    store.add_file(new_file("gone-1.0.tar.gz", "gone", "1.0", "sdist", "d" * 64, 2))
    item = store.create_item("advisory", Target("demo", "1.0"), {"id": "A", "x": "é"}, ALICE, "r")
    store.revise_item(item.item_id, {"id": "A", "x": "ü"}, ALICE, "typo", 1, "update")
    store.set_yanked(Target("demo", "1.0"), True, "broken", ALICE)
    store.set_project_status("demo", "archived", None, ALICE)
    store.remove_files(["gone-1.0.tar.gz"], Author("watcher"), "gone")
    now = datetime(2025, 1, 1, tzinfo=UTC)
    store.add_token(TokenRecord("abcdef012345", "ci", "admin", "f" * 64, now, None, now))


def _dump(store: SQLStore) -> dict[str, list[tuple]]:
    """Every row of every table, values made comparable across engines."""
    dumped = {}
    with store.snapshot() as snapshot:
        for table in COPY_ORDER:
            columns = sorted(snapshot.columns(table))
            rows = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in snapshot.rows(table, columns)
            ]
            dumped[table] = sorted(rows, key=repr)
    return dumped


def test_every_table_of_the_schema_is_copied(tmp_path: Path, pg_url: str) -> None:
    for url in (f"sqlite:///{tmp_path / 'x.db'}", pg_url):
        store = open_store(url)
        assert isinstance(store, SQLStore)
        with store.snapshot() as snapshot:
            copied = {t for t in snapshot.tables() if not derived(t)} - {"schema_version"}
            assert copied == set(COPY_ORDER), url
        store.close()


def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    source = open_store(f"sqlite:///{tmp_path / 'source.db'}")
    _fill(source)
    target = open_store(pg_url)
    report = copy_index(source, target)
    assert report.rows["extrinsic_revisions"] == 2 and report.rows["admin_events"] == 3
    assert _dump(target) == _dump(source)
    # the copy reads as the source does, through the store
    assert target.get_project("demo") == source.get_project("demo")
    assert target.item_history(target.list_items(Target("demo", "1.0"))[0].item_id) == (
        source.item_history(source.list_items(Target("demo", "1.0"))[0].item_id)
    )
    assert target.admin_events("demo") == source.admin_events("demo")
    assert target.list_tokens() == source.list_tokens()
    assert target.generation() == source.generation()
    assert target.changed_since(0) == source.changed_since(0)
    assert target.folder_entries() == source.folder_entries()
    # ids continue after the copied ones (three events were copied)
    event = target.set_yanked(Target("demo", "2.0"), True, "also", ALICE)
    assert event is not None and event.event_id == 4

    back = open_store(f"sqlite:///{tmp_path / 'back.db'}")
    copy_index(target, back)
    assert _dump(back)["projects"] == _dump(target)["projects"]
    assert _dump(back)["admin_events"] == _dump(target)["admin_events"]
    for store in (source, target, back):
        store.close()


def test_a_target_that_holds_an_index_is_refused_and_left_alone(
    tmp_path: Path, pg_url: str
) -> None:
    source = open_store(f"sqlite:///{tmp_path / 'source.db'}")
    _fill(source)
    target = open_store(pg_url)
    target.add_file(new_file("other-1.0.tar.gz", "other", "1.0", "sdist", "e" * 64, 2))
    before = _dump(target)
    with pytest.raises(StoreError, match="already holds an index"):
        copy_index(source, target)
    assert _dump(target) == before
    source.close()
    target.close()


def test_a_count_that_differs_aborts_the_whole_copy(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = open_store(f"sqlite:///{tmp_path / 'source.db'}")
    _fill(source)
    target = open_store(pg_url)
    from publisher.store import sqlite as sqlite_backend

    real = sqlite_backend._SQLiteSnapshot.count
    monkeypatch.setattr(
        sqlite_backend._SQLiteSnapshot,
        "count",
        lambda self, table: real(self, table) + (table == "files"),
    )
    with pytest.raises(StoreError, match="table files: 3 rows in the target, 4 in the source"):
        copy_index(source, target)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM projects").fetchone()[0] == 0
    source.close()
    target.close()


def test_the_source_is_read_in_one_snapshot_while_it_is_written(tmp_path: Path) -> None:
    source = open_store(f"sqlite:///{tmp_path / 'source.db'}")
    _fill(source)
    with source.snapshot() as snapshot:
        before = snapshot.count("files")
        source.add_file(new_file("late-1.0.tar.gz", "late", "1.0", "sdist", "9" * 64, 2))
        assert snapshot.count("files") == before
        assert len(list(snapshot.rows("files", ["filename"]))) == before
    source.close()


def _ldindex(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "publisher.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_ldindex_migrate_copies_reports_and_refuses_what_it_cannot_do(
    tmp_path: Path, pg_url: str
) -> None:
    source = tmp_path / "source.db"
    store = open_store(f"sqlite:///{source}")
    _fill(store)
    store.close()
    done = _ldindex("migrate", "--from", str(source), "--to", pg_url)
    assert done.returncode == 0, done.stderr
    assert "every count verified" in done.stderr and "files 3" in done.stderr
    assert "***@127.0.0.1" in done.stderr and pg_url.split(":")[2].split("@")[0] not in done.stderr
    again = _ldindex("migrate", "--from", str(source), "--to", pg_url)
    assert again.returncode == 1 and "already holds an index" in again.stderr
    same = _ldindex("migrate", "--from", str(source), "--to", f"sqlite:///{source}")
    assert same.returncode == 2 and "the same database" in same.stderr
    missing = _ldindex(
        "migrate", "--from", str(tmp_path / "none.db"), "--to", str(tmp_path / "t.db")
    )
    assert missing.returncode == 1 and "no index at" in missing.stderr
    assert not (tmp_path / "t.db").exists()
    back = tmp_path / "back.db"
    assert _ldindex("migrate", "--from", pg_url, "--to", str(back)).returncode == 0
    with sqlite3.connect(back) as conn:
        assert conn.execute("SELECT count(*) FROM extrinsic_revisions").fetchone() == (2,)
