"""``ldindex ingest`` with good and bad paths mixed: the batch goes on, says what it skipped,
counts each file once, and prints what -q, -v and --json promise."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from tests.cli.conftest import (
    ATTRS,
    LDINDEX,
    SIX,
    World,
    clean_env,
    cli,
    run,
)
from tests.conftest import SHARED_ARTEFACTS, shared_artefacts
from tests.ingest.craft import write_wheel


def test_missing_paths_fail_alone(tmp_path: Path) -> None:
    result = cli("ingest", SIX, "missing.whl", ATTRS, cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: missing.whl: no such file or directory"
    assert "3 files: 2 added, 0 skipped, 1 failed" in result.stdout
    listed = cli("list", cwd=tmp_path).stdout
    assert "attrs" in listed and "six" in listed


def test_unreadable_files_and_directories(world: World) -> None:
    batch = world.mkdir("batch")
    good = write_wheel(batch, "zzgood")
    locked = write_wheel(batch, "zzlocked")
    locked.chmod(0o000)
    closed = batch / "closed"
    closed.mkdir()
    write_wheel(closed, "zzhidden")
    closed.chmod(0o000)
    home = world.mkdir("home")
    result = run("ingest", batch, cwd=home, unprivileged=True)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert f"error: {locked}: permission denied" in lines
    assert f"warning: {closed}: skipped (permission denied)" in lines
    assert "2 files: 1 added, 0 skipped, 1 failed" in result.stdout
    assert good.name.split("-")[0] in cli("list", cwd=home).stdout


def test_walks_skip_links_and_the_index_itself_and_count_files_once(tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    wheel = write_wheel(tmp_path / "wheels", "zzonce")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    first = cli("ingest", ".", wheel, "wheels", f"wheels/../wheels/{wheel.name}", cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert "1 file: 1 added, 0 skipped, 0 failed" in first.stdout
    assert "warning: loop: skipped (a symbolic link to a directory (not followed))" in (
        first.stderr
    )
    # the index's own file store now holds the wheel's bytes: a walk must not re-read them
    assert list((tmp_path / "ldindex-files").rglob("*.whl"))
    again = cli("ingest", ".", cwd=tmp_path)
    assert "ldindex-files: skipped (the index's own file store)" in again.stderr
    assert "1 file: 0 added, 1 skipped, 0 failed" in again.stdout


def test_quiet_prints_only_errors(tmp_path: Path) -> None:
    quiet = cli("-q", "ingest", SIX, cwd=tmp_path)
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    failing = cli("-q", "ingest", "nothing.whl", ATTRS, cwd=tmp_path)
    assert failing.exit_code == 1 and failing.stdout == ""
    assert failing.stderr == "error: nothing.whl: no such file or directory\n"


def test_repeated_warnings_are_summarised_and_verbose_lists_them(tmp_path: Path) -> None:
    result = cli("ingest", SHARED_ARTEFACTS, cwd=tmp_path)
    assert result.exit_code == 0
    count = len(shared_artefacts())
    assert f"{count} files: {count} added, 0 skipped, 0 failed" in result.stdout
    license_lines = [line for line in result.stderr.splitlines() if "'license-file'" in line]
    assert len(license_lines) == 1, result.stderr
    (line,) = license_lines
    assert line.startswith("warning: field 'license-file' kept unvalidated")
    assert "files; -v names them)" in line
    assert all(line.startswith(("warning: ", "error: ")) for line in result.stderr.splitlines())
    verbose = cli("-v", "ingest", "--db", "v.db", SHARED_ARTEFACTS, cwd=tmp_path)
    per_file = [line for line in verbose.stderr.splitlines() if "'license-file'" in line]
    assert len(per_file) > 10 and all(line.startswith("warning: ") for line in per_file)
    assert verbose.stderr.count("added: ") == count
    assert "debug: " not in verbose.stderr
    assert "debug: " in cli("-vv", "ingest", "--db", "v.db", SIX, cwd=tmp_path).stderr


def test_json_lines_and_dry_run(tmp_path: Path) -> None:
    checked = cli("ingest", "--dry-run", "--json", SIX, "gone.whl", cwd=tmp_path)
    assert checked.exit_code == 1
    records = [json.loads(line) for line in checked.stdout.splitlines()]
    assert {r["status"] for r in records} == {"checked", "failed"}
    failed = next(r for r in records if r["status"] == "failed")
    assert failed == {"path": "gone.whl", "status": "failed", "reason": "no such file or directory"}
    assert "1 would be added" in checked.stderr
    assert list(tmp_path.iterdir()) == []  # a dry run creates no database and no file store
    assert cli("ingest", SIX, cwd=tmp_path).exit_code == 0
    database = tmp_path / "ldindex.db"
    before = database.stat().st_mtime_ns
    again = cli("ingest", "--dry-run", "--json", SIX, ATTRS, cwd=tmp_path)
    assert [json.loads(line)["status"] for line in again.stdout.splitlines()] == [
        "skipped",
        "checked",
    ]
    assert database.stat().st_mtime_ns == before
    assert "attrs" not in cli("list", cwd=tmp_path).stdout


def test_plurals(tmp_path: Path) -> None:
    one = cli("ingest", SIX, cwd=tmp_path)
    assert one.stdout.startswith("1 file: 1 added, 0 skipped, 0 failed")
    assert cli("list", cwd=tmp_path).stdout.rstrip().endswith("1 file")


def test_interrupt_says_how_far_it_got_and_a_rerun_finishes(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    padding = {f"pad/m{j}.py": "x = 1\n" * 400 for j in range(20)}
    wheels = [write_wheel(batch, f"zzint{i:03d}", members=padding) for i in range(300)]
    process = subprocess.Popen(
        [*LDINDEX, "ingest", "--workers", "1", batch],
        cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not list((tmp_path / "ldindex-files").rglob("*.whl")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert line.startswith("error: interrupted after ")
    assert f"of {len(wheels)} files" in line and "run the same command again" in line
    assert "Traceback" not in stderr
    done = int(line.split("after ")[1].split(" ")[0])
    rerun = cli("ingest", batch, cwd=tmp_path)
    assert rerun.exit_code == 0
    added = int(rerun.stdout.split(": ")[1].split(" added")[0])
    assert 0 < added <= len(wheels) - done + 2  # the files in flight may have landed
