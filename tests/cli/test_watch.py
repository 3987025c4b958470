"""``ldindex watch``: what it says, what it exits with, and one watcher per index."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import SHARED_ARTEFACTS

from .conftest import LDINDEX, SIX, clean_env, one_error_line, run


def test_once_brings_the_index_in_step_and_says_what_it_did(tmp_path: Path) -> None:
    folder = tmp_path / "wheels"
    folder.mkdir()
    shutil.copy(SIX, folder)  # just copied: --once waits for it to rest, then takes it
    (folder / "bad-1.0.tar.gz").write_bytes(b"not gzip")
    done = run("watch", folder, "--db", "index.db", "--once", "--settle", "0.3", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # a file was refused
    lines = done.stderr.splitlines()
    assert f"added {SIX.name} (six 1.16.0)" in lines
    assert any(line.startswith("warning: bad-1.0.tar.gz: skipped: ") for line in lines)
    assert lines[-1] == f"{folder}: 1 added, 0 removed, 1 refused; 0 unchanged"
    (folder / "bad-1.0.tar.gz").unlink()
    (folder / SIX.name).unlink()
    done = run("watch", folder, "--db", "index.db", "--once", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        f"removed {SIX.name} (six 1.16.0): no longer in the folder",
        "six 1.16.0 has no files left; six is gone from the index",
        f"{folder}: 0 added, 1 removed, 0 refused; 0 unchanged",
    ]
    quiet = run("-q", "watch", folder, "--db", "index.db", "--once", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_bad_folders_and_options_are_refused_with_one_line(tmp_path: Path) -> None:
    missing = run("watch", tmp_path / "nope", "--once", cwd=tmp_path)
    assert missing.returncode == 2
    assert "does not exist" in one_error_line(missing.stderr)
    (tmp_path / "file").write_text("x")
    not_dir = run("watch", tmp_path / "file", "--once", cwd=tmp_path)
    assert not_dir.returncode == 2 and "is a file" in one_error_line(not_dir.stderr)
    settle = run("watch", tmp_path, "--settle", "0", cwd=tmp_path)
    assert settle.returncode == 2 and "--settle" in one_error_line(settle.stderr)
    assert not (tmp_path / "ldindex.db").exists()


def _polling_watcher(folder: Path, cwd: Path) -> subprocess.Popen[str]:
    """``ldindex watch FOLDER --db index.db --poll`` running, its stderr a pipe."""
    return subprocess.Popen(
        [*LDINDEX, "watch", str(folder), "--db", "index.db", "--poll"],
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )


def test_a_second_watcher_of_the_same_index_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "wheels"
    folder.mkdir()
    first = _polling_watcher(folder, tmp_path)
    try:
        assert first.stderr is not None
        assert first.stderr.readline().startswith(f"{folder}: 0 added")
        assert first.stderr.readline() == f"watching {folder} (polling); Ctrl-C stops\n"
        second = run("watch", folder, "--db", "index.db", "--once", cwd=tmp_path)
        assert second.returncode == 1
        error = one_error_line(second.stderr)
        assert f"another process (pid {first.pid}) already keeps this index in step" in error
        shutil.copy(SHARED_ARTEFACTS / "idna-3.10-py3-none-any.whl", folder)
        assert "added idna-3.10-py3-none-any.whl (idna 3.10)" in first.stderr.readline()
    finally:
        first.send_signal(signal.SIGINT)
        _, rest = first.communicate(timeout=20)
    assert first.returncode == 0, rest
    assert rest.strip().splitlines()[-1] == "stopped"
    again = run("watch", folder, "--db", "index.db", "--once", cwd=tmp_path)
    assert again.returncode == 0 and again.stderr.endswith("1 unchanged\n")


def test_serve_watch_creates_the_index_and_refuses_a_busy_one(tmp_path: Path) -> None:
    from tests.conftest import free_port

    folder = tmp_path / "wheels"
    folder.mkdir()
    holder = _polling_watcher(folder, tmp_path)
    try:
        assert holder.stderr is not None and holder.stderr.readline()
        started = time.monotonic()
        busy = run("serve", "--watch", folder, "--db", "index.db", "--port", str(free_port()),
                   cwd=tmp_path, timeout=60)  # fmt: skip
        assert busy.returncode == 1
        assert "already keeps this index in step" in busy.stderr.splitlines()[-1]
        assert time.monotonic() - started < 60
    finally:
        holder.send_signal(signal.SIGINT)
        holder.communicate(timeout=20)
    assert (tmp_path / "index.db").is_file()


def test_stats_name_the_folder_an_index_mirrors(tmp_path: Path) -> None:
    import json

    folder = tmp_path / "wheels"
    folder.mkdir()
    before = json.loads(run("ingest", SIX, "--json", cwd=tmp_path).stdout.splitlines()[0])
    assert before["status"] == "added"
    assert json.loads(run("stats", "--json", cwd=tmp_path).stdout)["folder"] is None
    shutil.copy(SHARED_ARTEFACTS / "idna-3.10-py3-none-any.whl", folder)
    assert run("watch", folder, "--once", "--settle", "0.1", cwd=tmp_path).returncode == 0
    document = json.loads(run("stats", "--json", cwd=tmp_path).stdout)
    assert (document["folder"], document["folder_files"], document["files"]) == (str(folder), 1, 2)
    text = run("stats", cwd=tmp_path).stdout
    assert f"folder:     {folder} (1 file)" in text
