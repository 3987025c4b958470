"""What a folder scan sees, which names count, and when a file is complete."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher.folder.candidates import is_candidate
from publisher.folder.scan import FolderError, Seen, scan
from publisher.folder.settle import Settling


@pytest.mark.parametrize(
    ("name", "taken"),
    [
        ("six-1.16.0-py2.py3-none-any.whl", True),
        ("six-1.16.0.tar.gz", True),
        ("mock-1.0.1.zip", True),
        ("six-1.16.0-py2.py3-none-any.whl.part", False),  # browsers, curl -C
        ("six-1.16.0-py2.py3-none-any.whl~", False),  # editors' backups
        (".six-1.16.0-py2.py3-none-any.whl.Xa81ZQ", False),  # rsync's temporary name
        (".six-1.16.0-py2.py3-none-any.whl", False),  # any dot-file
        ("six-1.16.0-py2.py3-none-any.whl.crdownload", False),
        ("six-1.16.0.tar.gz.tmp", False),
        ("six-1.16.0.tar.gz.asc", False),  # a signature goes with its file
        ("README.md", False),
        ("index.db", False),
    ],
)
def test_which_names_are_artefacts(name: str, taken: bool) -> None:
    assert is_candidate(name) is taken


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_scan_walks_below_and_leaves_out_what_is_not_published(tmp_path: Path) -> None:
    touch(tmp_path / "a-1.0.tar.gz", b"12345")
    touch(tmp_path / "sub" / "deeper" / "b-1.0-py3-none-any.whl")
    touch(tmp_path / ".hidden" / "c-1.0.tar.gz")
    touch(tmp_path / "d-1.0.tar.gz.part")
    touch(tmp_path / "notes.txt")
    touch(tmp_path / "store" / "e-1.0.tar.gz")
    (tmp_path / "fifo-1.0.tar.gz").mkdir()  # a directory named like an artefact: walked into
    os.symlink(tmp_path / "sub", tmp_path / "linked")
    os.symlink(tmp_path / "a-1.0.tar.gz", tmp_path / "f-1.0.tar.gz")
    found = scan(tmp_path, exclude=[tmp_path / "store"])
    assert sorted(found.files) == [
        "a-1.0.tar.gz",
        "f-1.0.tar.gz",
        "sub/deeper/b-1.0-py3-none-any.whl",
    ]
    seen = found.files["a-1.0.tar.gz"]
    info = (tmp_path / "a-1.0.tar.gz").stat()
    assert seen == Seen(5, info.st_mtime_ns, info.st_ctime_ns) and seen.stamp == (
        5,
        info.st_mtime_ns,
    )
    assert found.problems == [("linked", "a symbolic link to a directory (not followed)")]


def test_an_unreadable_subdirectory_is_reported(tmp_path: Path) -> None:
    """Run where file modes apply (root's capability to ignore them dropped)."""
    import json
    import subprocess
    import sys

    from tests.cli.conftest import UNPRIVILEGED

    touch(tmp_path / "closed" / "a-1.0.tar.gz")
    touch(tmp_path / "open" / "b-1.0.tar.gz")
    (tmp_path / "closed").chmod(0)
    code = (
        "import json, sys; from publisher.folder.scan import scan; "
        "found = scan(sys.argv[1]); print(json.dumps([sorted(found.files), found.problems]))"
    )
    try:
        done = subprocess.run(
            [*UNPRIVILEGED, sys.executable, "-c", code, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        (tmp_path / "closed").chmod(0o755)
    files, problems = json.loads(done.stdout)
    assert files == ["open/b-1.0.tar.gz"] and problems == [["closed", "permission denied"]]


def test_a_missing_folder_is_an_error_not_an_empty_one(tmp_path: Path) -> None:
    with pytest.raises(FolderError, match="No such file"):
        scan(tmp_path / "nope")
    touch(tmp_path / "file")
    with pytest.raises(FolderError, match="not a directory"):
        scan(tmp_path / "file")


class Clocks:
    """A wall clock and a monotonic clock the test moves by hand."""

    def __init__(self, wall: float) -> None:
        self.wall = wall
        self.mono = 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


def seen_at(changed: float, size: int = 10) -> Seen:
    ns = int(changed * 1e9)
    return Seen(size, ns, ns)


def test_a_file_is_complete_once_it_rested_for_the_quiet_interval() -> None:
    clocks = Clocks(wall=5000.0)
    settling = Settling(1.0, wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    assert settling.settled("old", seen_at(4000.0))  # untouched for long
    assert settling.next_check() is None
    fresh = seen_at(4999.8)
    assert not settling.settled("new", fresh)
    assert settling.next_check() == pytest.approx(0.8)
    clocks.advance(0.5)
    grown = seen_at(5000.5, size=20)  # still being written
    assert not settling.settled("new", grown)
    clocks.advance(0.9)
    assert not settling.settled("new", grown)  # 0.9 s since its last write
    clocks.advance(0.2)
    assert settling.settled("new", grown)
    assert settling.next_check() is None


def test_ctime_counts_even_when_a_copy_restores_an_old_mtime() -> None:
    clocks = Clocks(wall=5000.0)
    settling = Settling(1.0, wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    restored = Seen(10, int(1000 * 1e9), int(4999.9 * 1e9))  # cp -p: old mtime, new ctime
    assert not settling.settled("f", restored)
    clocks.advance(1.0)
    assert settling.settled("f", restored)


def test_a_file_from_the_future_settles_by_this_process_clock() -> None:
    clocks = Clocks(wall=5000.0)
    settling = Settling(1.0, wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    future = seen_at(9000.0)  # another machine's clock, hours ahead
    assert not settling.settled("f", future)
    clocks.advance(0.6)
    assert not settling.settled("f", future)
    clocks.advance(0.6)
    assert settling.settled("f", future)  # unchanged for 1.2 s as far as we can tell


def test_forgotten_paths_stop_being_waited_for() -> None:
    clocks = Clocks(wall=5000.0)
    settling = Settling(1.0, wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    assert not settling.settled("gone", seen_at(4999.9))
    settling.forget(set())
    assert settling.next_check() is None
