"""SQLite schema migrations apply in order: on a fresh database, and on one an older ldindex
left at version 2 (its data kept, the newer columns and tables usable)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from publisher.store import StoreError, open_store
from publisher.store.base import SCHEMA_VERSION
from publisher.store.sqlite_schema import MIGRATIONS
from tests.store.test_contract import new_file

WHEEL = "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type='table'")}


def _versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT version FROM schema_version ORDER BY version")]


def _make_version_2_database(path: Path) -> str:
    """Apply migrations 1 and 2 and write what ldindex wrote at version 2; return the id of
    the extrinsic item written."""
    at = "2025-06-01T12:00:00+00:00"
    item_id = "0123456789abcdef"
    data = orjson.dumps({"key": "cpu", "value": "x"})
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for version in (1, 2):
            MIGRATIONS[version](db)
            db.execute("INSERT INTO schema_version VALUES (?)", (version,))
        db.execute("UPDATE store_meta SET value = 2 WHERE key = 'generation'")
        db.execute(
            "INSERT INTO projects (name, display_name, generation, latest_version, created) "
            "VALUES ('demo', 'demo', 2, '1.0', ?)",
            (at,),
        )
        db.execute(
            "INSERT INTO releases (project, version, metadata, metadata_source, metadata_rank, "
            "created) VALUES ('demo', '1.0', ?, ?, 3, ?)",
            (orjson.dumps({"name": "demo", "version": "1.0"}), WHEEL, at),
        )
        facts = {"python": [["cp312", "cpython", "3.12", "cp312"]], "platforms": []}
        db.execute(
            "INSERT INTO files (filename, project, version, packagetype, size, md5, sha1, "
            "sha256, blake2b_256, upload_time, url_path, tags, facts) "
            "VALUES (?, 'demo', '1.0', 'bdist_wheel', 3, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                WHEEL, "1" * 32, "2" * 40, "a" * 64, "4" * 64, at,
                f"aa/aa/{'a' * 60}/{WHEEL}", orjson.dumps(["cp312-cp312-manylinux_2_17_x86_64"]),
                orjson.dumps(facts),
            ),
        )  # fmt: skip
        db.execute(
            "INSERT INTO extrinsic_items (id, kind, project, version, filename, revision, "
            "deleted, data) VALUES (?, 'hardware-capability', 'demo', '1.0', NULL, 1, 0, ?)",
            (item_id, data),
        )
        db.execute(
            "INSERT INTO extrinsic_revisions (item_id, revision, action, author, token_id, at, "
            "reason, before, after) VALUES (?, 1, 'create', 'alice', NULL, ?, 'first', NULL, ?)",
            (item_id, at, data),
        )
        db.execute("COMMIT")
    finally:
        db.close()
    return item_id


def test_migrations_are_numbered_without_gaps() -> None:
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))
    assert SCHEMA_VERSION == 6


def test_a_fresh_database_gets_every_migration_in_order(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    open_store(f"sqlite:///{path}").close()
    assert _versions(path) == [1, 2, 3, 4, 5, 6]
    expected = {"projects", "extrinsic_items", "tokens", "release_extras", "folder_files"}
    assert expected | {"search_ids"} <= _tables(path)


def test_a_version_2_database_is_upgraded_and_keeps_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v2.db"
    url = f"sqlite:///{path}"
    # The database an ldindex whose newest migration is 2 left: made by those migrations
    # and holding the rows it wrote (a file without ``verified``, an item with its revision).
    item_id = _make_version_2_database(path)
    assert _versions(path) == [1, 2]
    assert "release_extras" not in _tables(path)

    # Opening read-only refuses to upgrade, and writes nothing.
    with pytest.raises(StoreError, match="schema version 2 needs upgrading to 6"):
        open_store(url, read_only=True)
    assert _versions(path) == [1, 2]

    store = open_store(url)
    try:
        assert _versions(path) == [1, 2, 3, 4, 5, 6]
        assert store.get_file(WHEEL) is not None
        assert store.get_file(WHEEL).verified is False  # indexed before verification existed
        assert store.get_item(item_id).data == {"key": "cpu", "value": "x"}
        assert [r.change.reason for r in store.item_history(item_id)] == ["first"]
        # The new table takes what a wheel carries beyond core metadata.
        scripts = {"console_scripts": {"demo": "demo:main"}}
        wheel = replace(new_file("demo-1.0-py3-none-any.whl", sha256="b" * 64),
                        entry_points=scripts)  # fmt: skip
        assert store.add_file(wheel)
        assert store.get_release("demo", "1.0").entry_points == scripts
    finally:
        store.close()
