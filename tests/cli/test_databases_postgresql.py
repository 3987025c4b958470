"""``--db postgresql://…`` from the command line, against a real server: the first write to an
empty database creates the schema and the ``pg_trgm`` extension (as the database's owner, no
superuser), read verbs never create anything, and a schema from a newer ldindex is refused
in one line that says what to do."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from publisher.store.base import SCHEMA_VERSION
from tests.cli.conftest import ATTRS, SIX, cli, one_error_line


def _tables_and_extensions(url: str) -> tuple[int, set[str]]:
    with psycopg.connect(url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        extensions = conn.execute("SELECT extname FROM pg_extension")
        return tables.fetchone()[0], {r[0] for r in extensions}


def test_read_verbs_on_an_empty_database_create_nothing(tmp_path: Path, pg_url: str) -> None:
    for verb in (["list"], ["show", "six"], ["build", str(tmp_path / "site")]):
        result = cli(*verb, "--db", pg_url, cwd=tmp_path)
        assert result.exit_code == 1, result.output
        line = one_error_line(result.stderr)
        assert "holds no ldindex schema; ldindex ingest creates it" in line
        assert ":***@127.0.0.1" in line and pg_url.split(":")[2].split("@")[0] not in line
    assert _tables_and_extensions(pg_url) == (0, {"plpgsql"})


def test_the_first_ingest_creates_schema_and_pg_trgm(tmp_path: Path, pg_url: str) -> None:
    files = tmp_path / "files"
    ingested = cli("ingest", "--db", pg_url, "--files", files, SIX, ATTRS, cwd=tmp_path)
    assert ingested.exit_code == 0, ingested.stderr
    tables, extensions = _tables_and_extensions(pg_url)
    assert tables > 10 and "pg_trgm" in extensions
    with psycopg.connect(pg_url) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert superuser.fetchone()[0] is False  # the database owner was enough
    shown = cli("show", "six", "--db", pg_url, cwd=tmp_path)
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["releases"][0]["version"] == "1.16.0"
    found = cli("search", "atrts", "--db", pg_url, cwd=tmp_path)  # a typo
    assert found.exit_code == 0, found.stderr
    assert found.stdout.split()[0] == "attrs"


def test_a_schema_from_a_newer_ldindex_is_refused_in_one_line(tmp_path: Path, pg_url: str) -> None:
    assert (
        cli("ingest", "--db", pg_url, "--files", tmp_path / "f", SIX, cwd=tmp_path).exit_code == 0
    )
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version VALUES (%s)", (SCHEMA_VERSION + 1,))
    for verb in (["show", "six"], ["ingest", "--files", str(tmp_path / "f"), str(SIX)]):
        result = cli(*verb, "--db", pg_url, cwd=tmp_path)
        assert result.exit_code == 1, result.output
        line = one_error_line(result.stderr)
        assert line.endswith(
            f"schema version {SCHEMA_VERSION + 1} is newer than this ldindex understands "
            f"({SCHEMA_VERSION}); upgrade ldindex"
        ), line
    with psycopg.connect(pg_url) as conn:  # and nothing was changed
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == (
            SCHEMA_VERSION + 1
        )
