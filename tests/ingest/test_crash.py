"""``kill -9`` in the middle of a large ingest leaves a consistent index; a re-run completes it."""

from __future__ import annotations

import hashlib
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .craft import write_wheel

FILES = 120
LDINDEX = [sys.executable, "-c", "from publisher.cli import main; main()"]


def _rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM files").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def _check_consistent(db: Path, files_dir: Path) -> int:
    """Integrity, every row's bytes on disk and matching, no release or project left empty."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute("SELECT filename, sha256, size, url_path FROM files").fetchall()
        for filename, sha256, size, url_path in rows:
            blob = files_dir / url_path
            assert blob.name == filename
            data = blob.read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (size, sha256), filename
        empty = conn.execute(
            "SELECT count(*) FROM releases r WHERE NOT EXISTS (SELECT 1 FROM files f "
            "WHERE f.project = r.project AND f.version = r.version)"
        ).fetchone()[0]
        assert empty == 0
        bare = conn.execute(
            "SELECT count(*) FROM projects p WHERE NOT EXISTS "
            "(SELECT 1 FROM releases r WHERE r.project = p.name)"
        ).fetchone()[0]
        assert bare == 0
        return len(rows)


def test_sigkill_mid_ingest_then_rerun(tmp_path: Path) -> None:
    source = tmp_path / "artefacts"
    source.mkdir()
    rng = random.Random(9)
    for i in range(FILES):
        payload = {f"p{i:03d}/data.bin": rng.randbytes(128 << 10)}
        write_wheel(source, f"p{i:03d}", members=payload)
    db, files_dir = tmp_path / "index.db", tmp_path / "files"
    command = [*LDINDEX, "-q", "ingest", "--db", f"sqlite:///{db}", "--files", str(files_dir)]
    process = subprocess.Popen(
        [*command, "--workers", "1", str(source)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _rows(db) < 10 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "ingest finished before it could be killed"

    done = _check_consistent(db, files_dir)
    assert 10 <= done < FILES
    summary = [part for part in command if part != "-q"]  # -q prints no summary
    rerun = subprocess.run([*summary, str(source)], capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{FILES - done} added, {done} skipped, 0 failed" in rerun.stdout
    assert _check_consistent(db, files_dir) == FILES
