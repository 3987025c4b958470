"""Options are checked when the command line is parsed: a usage error (exit 2) in one line
naming the option, and nothing done, nothing created."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import ATTRS, SIX, cli, one_error_line


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["serve", "--port", "99999"], "--port"),
        (["serve", "--port", "-1"], "--port"),
        (["serve", "--workers", "0"], "--workers"),
        (["serve", "--workers", "-1"], "--workers"),
        (["serve", "--cache-max-age", "-5"], "--cache-max-age"),
        (["serve", "--header-timeout", "0"], "--header-timeout"),
        (["serve", "--host", "a b"], "--host"),
        (["serve", "--base-url", "notaurl"], "--base-url"),
        (["serve", "--base-url", "ftp://x"], "--base-url"),
        (["serve", "--base-url", "http://"], "--base-url"),
        (["serve", "--base-url", "http://a b"], "--base-url"),
        (["serve", "--base-url", "http://a:99999"], "--base-url"),
        (["build", "out", "--base-url", "not a url"], "--base-url"),
        (["show", "six", "--base-url", "ftp://x", "--format", "turtle"], "--base-url"),
        (["ingest", "--workers", "-3", str(SIX)], "--workers"),
        (["ingest", "--max-file-size", "0", str(SIX)], "--max-file-size"),
        (["ingest", "--max-file-size", "2X", str(SIX)], "--max-file-size"),
        (["ingest", "--max-metadata-size", "-1", str(SIX)], "--max-metadata-size"),
        (["ingest", "--max-members", "0", str(SIX)], "--max-members"),
        (["ingest", "--max-ratio", "-1", str(SIX)], "--max-ratio"),
        (["ingest", "--db", "sqlite:/x.db", str(SIX)], "--db"),
        (["-q", "-v", "list"], "-q"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], option: str) -> None:
    result = cli(*args, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    line = one_error_line(result.stderr)
    assert option in line or "contradict" in line, line
    assert "see 'ldindex" in line
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_sizes_accept_units(tmp_path: Path) -> None:
    refused = cli("ingest", "--max-file-size", "1K", SIX, cwd=tmp_path)
    assert refused.exit_code == 1
    assert "over the 1,024-byte limit" in refused.stderr
    accepted = cli(
        "ingest", "--max-file-size", "2G", "--max-metadata-size", "64k", SIX, cwd=tmp_path
    )
    assert accepted.exit_code == 0, accepted.output
    assert "1 file: 1 added, 0 skipped, 0 failed" in accepted.stdout


def test_db_accepts_a_plain_path(tmp_path: Path) -> None:
    assert cli("ingest", "--db", "a.sqlite", ATTRS, cwd=tmp_path).exit_code == 0
    assert (tmp_path / "a.sqlite").is_file()
    listed = cli("list", "--db", "a.sqlite", cwd=tmp_path)
    assert listed.exit_code == 0 and listed.stdout.startswith("attrs")
    absolute = cli("list", "--db", str(tmp_path / "a.sqlite"), cwd=tmp_path.parent)
    assert absolute.stdout == listed.stdout


def test_every_verb_has_examples_in_its_help(tmp_path: Path) -> None:
    for verb in ("ingest", "show", "serve", "build", "list", "stats", "query"):
        result = cli(verb, "--help", cwd=tmp_path)
        assert result.exit_code == 0
        assert "Examples:" in result.stdout and f"ldindex {verb}" in result.stdout
        assert "--db" in result.stdout


def test_shell_completion_and_documented_environment(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run(
        [sys.executable, "-c", "from publisher.cli import main; main(prog_name='ldindex')"],
        env={"_LDINDEX_COMPLETE": "bash_source", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "_ldindex_completion" in done.stdout
    readme = (REPO / "README.md").read_text()
    for documented in ("LDINDEX_DB", "LDINDEX_FILES", "_LDINDEX_COMPLETE"):
        assert documented in readme
