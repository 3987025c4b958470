"""Read verbs never create a database, read one they may only read, and say in one line
what is wrong with one they cannot use."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import (
    ATTRS,
    LDINDEX,
    SIX,
    UNPRIVILEGED,
    World,
    clean_env,
    cli,
    one_error_line,
    run,
)
from tests.conftest import free_port

READ_VERBS = [
    ["show", "six"],
    ["list"],
    ["stats"],
    ["build", "site"],
    ["serve", "--port", "0"],
]


@pytest.mark.parametrize("verb", READ_VERBS, ids=lambda v: v[0])
def test_a_mistyped_db_creates_nothing(tmp_path: Path, verb: list[str]) -> None:
    result = cli(*verb, "--db", "sqlite:///typo/idnex.db", cwd=tmp_path)
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert line == "error: no index at typo/idnex.db (create one with ldindex ingest)"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("verb", [*READ_VERBS, ["ingest", str(SIX)]], ids=lambda v: v[0])
def test_a_file_that_is_not_a_database(tmp_path: Path, verb: list[str]) -> None:
    (tmp_path / "notes.db").write_text("shopping list\n" * 200)
    result = cli(*verb, "--db", "notes.db", cwd=tmp_path)
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "notes.db: not an ldindex database" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")
    }


@pytest.fixture
def read_only_index(world: World) -> Path:
    """An index its reader may not write: files 0444, directories 0555 (read without the
    capabilities that let root ignore them)."""
    home = world.mkdir("index")
    assert cli("ingest", SIX, ATTRS, cwd=home).exit_code == 0
    for path in sorted(home.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    home.chmod(0o555)
    return home


def test_read_verbs_work_on_a_read_only_index_and_write_nothing(
    read_only_index: Path, world: World
) -> None:
    before = _snapshot(read_only_index)
    shown = run("show", "six", cwd=read_only_index, unprivileged=True)
    assert shown.returncode == 0, shown.stderr
    assert '"name": "six"' in shown.stdout
    listed = run("list", "--json", cwd=read_only_index, unprivileged=True)
    assert listed.returncode == 0 and "attrs" in listed.stdout, listed.stderr
    out = world.mkdir("site")
    built = run("build", out / "www", cwd=read_only_index, unprivileged=True)
    assert built.returncode == 0, built.stderr
    assert (out / "www" / "simple" / "six" / "index.html").is_file()
    assert _snapshot(read_only_index) == before  # nothing written, not even a WAL
    # the modes do apply: a write is refused, in one line
    denied = run("ingest", SIX, cwd=read_only_index, unprivileged=True)
    assert denied.returncode == 1 and one_error_line(denied.stderr), denied.stderr


def test_serve_a_read_only_index(read_only_index: Path) -> None:
    before = _snapshot(read_only_index)
    port = free_port()
    process = subprocess.Popen(
        [*UNPRIVILEGED, *LDINDEX, "serve", "--port", str(port), "--server", "uvicorn"],
        cwd=read_only_index, env=clean_env(),
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"{url}/simple/six/", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.25)
        assert page.status_code == 200 and "six-1.16.0" in page.text
        refused = httpx.post(f"{url}/_/cache/invalidate", json={})
        assert refused.status_code == 409 and "read-only" in refused.json()["error"]
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "is read-only for this user: serving without cache invalidation" in stderr
    assert _snapshot(read_only_index) == before


def test_the_environment_names_the_database_too(tmp_path: Path) -> None:
    env_db = tmp_path / "elsewhere" / "x.db"
    result = subprocess.run(
        [*LDINDEX, "list"],
        cwd=tmp_path, env=clean_env() | {"LDINDEX_DB": f"sqlite:///{env_db}"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert one_error_line(result.stderr).endswith(
        f"no index at {env_db} (create one with ldindex ingest)"
    )
    assert list(tmp_path.iterdir()) == []
