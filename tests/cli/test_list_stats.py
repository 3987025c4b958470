"""``ldindex list`` and ``ldindex stats``: what the index holds, for people and for scripts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import ATTRS, SIX, cli
from tests.conftest import SHARED_ARTEFACTS


def test_list_for_people_and_scripts(tmp_path: Path) -> None:
    sdist = SHARED_ARTEFACTS / "six-1.16.0.tar.gz"
    assert cli("ingest", SIX, sdist, ATTRS, cwd=tmp_path).exit_code == 0
    table = cli("list", cwd=tmp_path).stdout.splitlines()
    assert [line.split() for line in table] == [
        ["attrs", "25.3.0", "1", "file"],
        ["six", "1.16.0", "2", "files"],
    ]
    rows = json.loads(cli("list", "--json", cwd=tmp_path).stdout)
    assert [(r["name"], r["latest_version"], r["files"]) for r in rows] == [
        ("attrs", "25.3.0", 1),
        ("six", "1.16.0", 2),
    ]
    assert rows[0]["summary"]


def test_list_of_an_empty_index_says_so(tmp_path: Path) -> None:
    from publisher.store import open_store

    missing = cli("ingest", "nothing.whl", cwd=tmp_path)
    assert missing.exit_code == 1 and list(tmp_path.iterdir()) == []  # nothing to index
    open_store(f"sqlite:///{tmp_path / 'ldindex.db'}").close()
    empty = cli("list", cwd=tmp_path)
    assert empty.exit_code == 0 and empty.stdout == ""
    assert "holds no projects yet" in empty.stderr
    assert json.loads(cli("list", "--json", cwd=tmp_path).stdout) == []


def test_stats_for_people_and_scripts(tmp_path: Path) -> None:
    assert cli("ingest", SIX, ATTRS, cwd=tmp_path).exit_code == 0
    document = json.loads(cli("stats", "--json", cwd=tmp_path).stdout)
    assert (document["projects"], document["releases"], document["files"]) == (2, 2, 2)
    assert document["file_bytes"] == SIX.stat().st_size + ATTRS.stat().st_size
    assert document["database"] == str(tmp_path / "ldindex.db")
    assert document["database_bytes"] > 0
    assert document["file_store"] == str(tmp_path / "ldindex-files")
    assert document["file_store_exists"] is True
    text = cli("stats", "--files", "elsewhere", cwd=tmp_path).stdout
    assert "projects:   2" in text and "files:      2 (" in text
    assert f"file store: {tmp_path / 'elsewhere'} (missing)" in text
