"""SQLite schema migrations apply in order: on a fresh database, and on one an older ldindex
left at version 2 (its data kept, the newer columns and tables usable)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

import publisher.store.sqlite as sqlite_backend
from crosswalk.records import Target
from publisher.store import Author, StoreError, open_store
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


def test_migrations_are_numbered_without_gaps() -> None:
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))
    assert SCHEMA_VERSION == 4


def test_a_fresh_database_gets_every_migration_in_order(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    open_store(f"sqlite:///{path}").close()
    assert _versions(path) == [1, 2, 3, 4]
    assert {"projects", "extrinsic_items", "tokens", "release_extras"} <= _tables(path)


def test_a_version_2_database_is_upgraded_and_keeps_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v2.db"
    url = f"sqlite:///{path}"
    # An ldindex whose newest migration is 2 makes the database and writes to it (its file
    # rows have no ``verified`` column yet).
    with monkeypatch.context() as older:
        older.setattr(sqlite_backend, "SCHEMA_VERSION", 2)
        columns = sqlite_backend._FILE_COLUMNS.removesuffix(", verified")
        older.setattr(sqlite_backend, "_FILE_COLUMNS", columns)
        row = sqlite_backend._file_row
        older.setattr(sqlite_backend, "_file_row", lambda f: row(f)[:-1])
        store = open_store(url)
        store.add_file(new_file(WHEEL))
        item = store.create_item(
            "hardware-capability", Target("demo", "1.0"), {"key": "cpu", "value": "x"},
            Author("alice"), "first",
        )  # fmt: skip
        store.close()
    assert _versions(path) == [1, 2]
    assert "release_extras" not in _tables(path)

    # Opening read-only refuses to upgrade, and writes nothing.
    with pytest.raises(StoreError, match="schema version 2 needs upgrading to 4"):
        open_store(url, read_only=True)
    assert _versions(path) == [1, 2]

    store = open_store(url)
    try:
        assert _versions(path) == [1, 2, 3, 4]
        assert store.get_file(WHEEL) is not None
        assert store.get_file(WHEEL).verified is False  # indexed before verification existed
        assert store.get_item(item.item_id).data == {"key": "cpu", "value": "x"}
        assert [r.change.reason for r in store.item_history(item.item_id)] == ["first"]
        # The new table takes what a wheel carries beyond core metadata.
        scripts = {"console_scripts": {"demo": "demo:main"}}
        wheel = replace(new_file("demo-1.0-py3-none-any.whl", sha256="b" * 64),
                        entry_points=scripts)  # fmt: skip
        assert store.add_file(wheel)
        assert store.get_release("demo", "1.0").entry_points == scripts
    finally:
        store.close()
