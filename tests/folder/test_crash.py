"""``kill -9`` of ``ldindex watch`` in the middle of bringing a large folder in step leaves a
consistent index, and running the sync again ends exactly where an uninterrupted run does.

Two chains of kills, each at several points: while a folder of a few hundred artefacts is
first indexed, and while the same folder, after files were removed, moved and added, is
brought in step again (files withdrawn, releases and projects going with them, releases
that keep an sdist taking its metadata in the same write, new ones read). While a watcher
runs, every state of the index a reader can see (each one a state a kill at that moment
would leave) is checked to be whole; after every kill the index is
checked as a server would find it: SQLite's own checks, every row whole, every file's bytes
where directory mode says they are, nothing half-written through the ``Store`` API. The
last run then completes the work, reporting only what was left undone, and its result is
compared with an uninterrupted run (every table, history included) and with an index built
from scratch from the same folder (``ldindex list``, the ``Store`` contents).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import orjson
import pytest
from packaging.version import Version

from publisher.file_sources import FileNotFound, index_files
from publisher.files import find_file
from publisher.folder.candidates import is_candidate
from publisher.folder.service import WatchConfig, reconcile_once
from publisher.store import ListingEntry, open_store
from tests.ingest.craft import metadata_text, write_sdist, write_wheel

LDINDEX = [sys.executable, "-c", "from publisher.cli import main; main()"]
PROJECTS = 80  # each with wheels of 1.0 and 1.1 and an sdist of 1.0: 240 files
BASE_MTIME = 1_700_000_000
LISTED = ListingEntry("listed-only", "Listed-Only", summary="known from a listing", popularity=3)
SETTLE = "0.1"
# columns that say when a write happened rather than what it wrote
_WHEN = {"generation", "at", "removed"}
_ROW_IDS = {("search_ids", "id"), ("admin_events", "id")}


def name(i: int) -> str:
    return f"crash_{i:03d}"


def _artefact(write: Callable[..., Path], where: Path, i: int, version: str) -> Path:
    """An artefact with a summary, and a wheel with a command named after its version.
    Every file of a release has the same modification time (its upload time in directory
    mode), so what the release says does not depend on which of its files came first."""
    where.mkdir(parents=True, exist_ok=True)
    metadata = metadata_text(name(i), version, extra=[f"Summary: project {i} at {version}"])
    extra = {}
    if write is write_wheel:
        script = f"[console_scripts]\ncrash-{i}-{version} = {name(i)}:main\n"
        extra["members"] = {f"{name(i)}-{version}.dist-info/entry_points.txt": script}
    path = write(where, name(i), version, metadata=metadata, **extra)
    stamp = BASE_MTIME + i * 100 + round(float(version) * 10)
    os.utime(path, (stamp, stamp))
    return path


def build_first(folder: Path) -> None:
    """80 projects in three places: wheels of 1.0 and 1.1, an sdist of 1.0."""
    for i in range(PROJECTS):
        where = folder / ("", "a", "b/c")[i % 3]
        _artefact(write_wheel, where, i, "1.0")
        _artefact(write_wheel, where, i, "1.1")
        _artefact(write_sdist, where, i, "1.0")


def _move(path: Path, where: Path) -> None:
    where.mkdir(exist_ok=True)
    path.rename(where / path.name)


def build_second(first: Path, folder: Path) -> None:
    """The first folder with, by project: every file gone (the project goes), the latest
    release gone, the sdist gone, the wheel beside the sdist gone (the release is then what
    the sdist says: its metadata, no command), the latest wheel moved, a new release; and
    40 new projects."""
    shutil.copytree(first, folder)  # copy2: modification times kept to the nanosecond
    for i in range(PROJECTS):
        where = folder / ("", "a", "b/c")[i % 3]
        wheel_10 = where / f"{name(i)}-1.0-py3-none-any.whl"
        wheel_11 = where / f"{name(i)}-1.1-py3-none-any.whl"
        sdist = where / f"{name(i)}-1.0.tar.gz"
        match i % 6:
            case 0:
                for path in (wheel_10, wheel_11, sdist):
                    path.unlink()
            case 1:
                wheel_11.unlink()
            case 2:
                sdist.unlink()
            case 3:
                wheel_10.unlink()
            case 4:
                _move(wheel_11, folder / "moved")
            case 5:
                _artefact(write_wheel, where, i, "2.0")
    for i in range(PROJECTS, PROJECTS + 40):
        _artefact(write_wheel, folder / "new", i, "1.0")


def artefacts(folder: Path) -> dict[str, str]:
    """Path relative to the folder → filename, of every artefact in it."""
    return {
        p.relative_to(folder).as_posix(): p.name
        for p in folder.rglob("*")
        if p.is_file() and is_candidate(p.name)
    }


# -- indexes built without interruption ---------------------------------------------------


def _listing_only(db: Path) -> Path:
    """An index that knows one project from a listing only (no releases)."""
    store = open_store(f"sqlite:///{db}")
    try:
        store.import_listing([LISTED])
    finally:
        store.close()
    return db


def _sync(url: str, folder: Path) -> None:
    """What ``ldindex watch --once`` does, uninterrupted, in this process."""
    db = Path(url.removeprefix("sqlite:///"))
    config = WatchConfig(url, folder, db.with_name(f"{db.stem}-files"), quiet=float(SETTLE))
    report = reconcile_once(config)
    assert not report.refused, report.refused


def _copy(source: Path, target: Path, folder: Path | None = None) -> str:
    """A copy of the index at ``source``; one that mirrors ``folder`` if given."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    url = f"sqlite:///{target}"
    if folder is not None:
        store = open_store(url)
        try:
            store.set_folder_root(str(folder.absolute()))
        finally:
            store.close()
    return url


class World:
    """Two states of a folder, and indexes of them built without interruption."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.first = root / "first"  # a folder as first indexed
        self.second = root / "second"  # the same after files were removed, moved and added
        build_first(self.first)
        build_second(self.first, self.second)
        self.empty_db = _listing_only(root / "empty.db")  # no folder yet
        self.first_db = root / "first.db"
        _sync(_copy(self.empty_db, self.first_db), self.first)

    @cached_property
    def second_db(self) -> Path:
        """``first_db``, then the second folder brought in step."""
        db = self.root / "second.db"
        _sync(_copy(self.first_db, db, self.second), self.second)
        return db

    @cached_property
    def fresh_db(self) -> Path:
        """The second folder, indexed from scratch."""
        db = self.root / "fresh.db"
        _sync(_copy(self.empty_db, db), self.second)
        return db


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("crash"))


# -- killing a watcher --------------------------------------------------------------------


def _holds_lock(db: Path, pid: int) -> bool:
    """Whether process ``pid`` took the index's watch lock (it writes its pid there)."""
    try:
        return (db.parent / f"{db.name}-watch.lock").read_text().strip() == str(pid)
    except FileNotFoundError:
        return False


# What no reader may ever see, each a count read in one snapshot: a state a reader sees is
# a state a kill at that moment would leave.
_BROKEN = {
    "files without a place in the folder": "SELECT count(*) FROM files f WHERE NOT EXISTS "
    "(SELECT 1 FROM folder_files d WHERE d.filename = f.filename)",
    "files without their release": "SELECT count(*) FROM files f WHERE NOT EXISTS "
    "(SELECT 1 FROM releases r WHERE r.project = f.project AND r.version = f.version)",
    "releases without files": "SELECT count(*) FROM releases r WHERE NOT EXISTS "
    "(SELECT 1 FROM files f WHERE f.project = r.project AND f.version = r.version)",
    "projects without releases": "SELECT count(*) FROM projects p WHERE p.name != ? AND NOT "
    "EXISTS (SELECT 1 FROM releases r WHERE r.project = p.name)",
    "releases whose metadata came from a file they no longer have": "SELECT count(*) FROM "
    "releases r WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.filename = r.metadata_source "
    "AND f.project = r.project AND f.version = r.version)",
    "commands or citations from a file their release no longer has": "SELECT count(*) FROM "
    "release_extras e WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.filename = e.source "
    "AND f.project = e.project AND f.version = e.version)",
}
_SNAPSHOT = "SELECT " + ", ".join(f"({sql})" for sql in _BROKEN.values())


class Reader:
    """The index read as a server reads it, never writing; each statement one snapshot."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)

    def close(self) -> None:
        self.conn.close()

    def recorded(self, names: set[str]) -> int:
        """How many of these filenames are indexed."""
        marks = ",".join("?" * len(names))
        query = f"SELECT count(*) FROM files WHERE filename IN ({marks})"
        return self.conn.execute(query, tuple(names)).fetchone()[0]

    def assert_whole(self) -> None:
        """What a reader sees of the index now is whole."""
        counts = self.conn.execute(_SNAPSHOT, (LISTED.name,)).fetchone()
        assert not any(counts), dict(zip(_BROKEN, counts, strict=True))


def kill_watcher(
    reader: Reader, db: Path, folder: Path, ready: Callable[[int], bool], delay: float = 0.0
) -> None:
    """Start ``ldindex watch``, wait until ``ready(pid)`` holds and ``delay`` seconds more,
    then SIGKILL it. Meanwhile, every few milliseconds, what a reader sees is checked."""
    log = db.with_name("watch.log")
    command = [*LDINDEX, "-q", "watch", str(folder), "--db", f"sqlite:///{db}"]
    with log.open("ab") as sink:
        process = subprocess.Popen([*command, "--settle", SETTLE], stdout=sink, stderr=sink)
    try:
        deadline, until = time.monotonic() + 60, None
        while until is None or time.monotonic() < until:
            assert process.poll() is None, f"the watcher stopped by itself: {log.read_text()}"
            assert time.monotonic() < deadline, "the watcher made no progress in 60 s"
            reader.assert_whole()
            if until is None and ready(process.pid):
                until = time.monotonic() + delay
            time.sleep(0.003)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL, log.read_text()


def rerun(db: Path, folder: Path) -> str:
    """``ldindex watch --once`` to completion; its summary line."""
    command = [*LDINDEX, "watch", str(folder), "--db", f"sqlite:///{db}", "--settle", SETTLE]
    done = subprocess.run([*command, "--once"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stderr.strip().splitlines()[-1]


# -- what a crash must never leave --------------------------------------------------------


def check_consistent(reader: Reader, db: Path, folder: Path, vanished: set[str]) -> dict[str, str]:
    """Check the index as a server finds it after a crash; return filename → recorded path.

    ``vanished`` are paths the folder no longer holds: their entries may still be there,
    awaiting withdrawal (a whole row whose bytes answer 404), but no other may lack bytes."""
    reader.assert_whole()
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []

        def rows(sql: str) -> list[tuple]:
            return conn.execute(sql).fetchall()

        tags: dict[str, set[str]] = {}
        for filename, *tag in rows("SELECT filename, interpreter, abi, platform FROM file_tags"):
            tags.setdefault(filename, set()).add("-".join(tag))
        assert not rows("SELECT filename FROM folder_files EXCEPT SELECT filename FROM files")
        assert not rows("SELECT project FROM release_extras EXCEPT SELECT project FROM releases")
        assert not rows("SELECT name FROM projects EXCEPT SELECT project FROM search_ids")
        assert not rows("SELECT project FROM search_ids EXCEPT SELECT name FROM projects")
        # what the listing shows of a project's latest release is in step with its releases
        versions: dict[str, list[str]] = {}
        for project, version in rows("SELECT project, version FROM releases"):
            versions.setdefault(project, []).append(version)
        latest = dict(rows("SELECT name, latest_version FROM projects"))
        for project, held in versions.items():
            assert latest[project] == str(max(map(Version, held))), project
        places = dict(rows("SELECT filename, path FROM folder_files"))
        digests = dict(rows("SELECT filename, sha256 FROM files"))

    store = open_store(f"sqlite:///{db}", read_only=True)
    try:
        files = index_files(store, db.with_name(f"{db.stem}-files"))
        names = store.project_names()
        assert names == sorted([*versions, LISTED.name])
        assert store.counts()["files"] == len(digests)
        seen: set[str] = set()
        for project in store.iter_projects():
            shown = store.listing_entry(project.name)
            if project.name == LISTED.name:
                assert (project.releases, shown) == ((), LISTED)
                continue
            assert project.releases, project.name
            assert project.latest.version == shown.latest_version == latest[project.name]
            scripts = project.latest.entry_points.get("console_scripts", {})
            assert shown.commands == tuple(sorted(scripts))
            for release in project.releases:
                assert release.files, (project.name, release.version)
                assert store.get_release(project.name, release.version) == release
                for record in release.files:
                    seen.add(record.filename)
                    assert tags.get(record.filename, set()) == set(record.tags)
                    assert store.get_file(record.filename) == record
                    where = places[record.filename]
                    try:
                        found = find_file(store, files, record.url_path)
                    except FileNotFound:
                        assert where in vanished, f"{record.filename}: no bytes at {where}"
                        continue
                    assert found.path == folder / where
                    data = found.read()
                    assert hashlib.sha256(data).hexdigest() == record.hashes["sha256"]
                    assert len(data) == record.size
        assert seen == set(digests)
    finally:
        store.close()
    return places


def expected_summary(folder: Path, places: dict[str, str]) -> str:
    """What a run from this state reports: only the work the killed runs left undone."""
    held = artefacts(folder)
    names = set(held.values())
    added = sum(1 for n in held.values() if n not in places)
    moved = sum(1 for p, n in held.items() if n in places and places[n] != p)
    removed = sum(1 for n in places if n not in names)
    kept = sum(1 for p, n in held.items() if places.get(n) == p)
    parts = [f"{added} added", f"{removed} removed"]
    if moved:
        parts.append(f"{moved} moved")
    return f"{folder}: {', '.join([*parts, '0 refused'])}; {kept:,} unchanged"


# -- what a completed run must give ------------------------------------------------------


def tables(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows, bar the columns that say when a write happened, the search
    index's internal row ids, and the settings (the folder's absolute path)."""
    skip = {"store_meta", "store_settings", "schema_version", "search_typos"}
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
            if not r[0].startswith(("sqlite_", "search_names", "search_text")) and r[0] not in skip
        ]
        dump: dict[str, list[tuple]] = {}
        for table in names:
            columns = [
                c[1]
                for c in conn.execute(f"PRAGMA table_info({table})")
                if c[1] not in _WHEN and (table, c[1]) not in _ROW_IDS
            ]
            listed = ", ".join(columns)
            query = f"SELECT {listed} FROM {table} ORDER BY {listed}"
            dump[table] = [tuple(map(_canonical, row)) for row in conn.execute(query)]
        dump["search_typos"] = conn.execute(
            "SELECT t.key, s.project FROM search_typos t JOIN search_ids s ON s.id = t.id "
            "ORDER BY 1, 2"
        ).fetchall()
        return dump


def _canonical(value: object) -> object:
    """JSON documents with their keys sorted: the order a dict was built in is no content."""
    if isinstance(value, bytes) and value[:1] in (b"{", b"["):
        return orjson.dumps(orjson.loads(value), option=orjson.OPT_SORT_KEYS)
    return value


def contents(db: Path) -> tuple:
    """The index as its readers see it: ``ldindex list`` and the ``Store`` contents."""
    url = f"sqlite:///{db}"
    listing = subprocess.run(
        [*LDINDEX, "list", "--json", "--db", url], capture_output=True, check=True
    ).stdout
    store = open_store(url, read_only=True)
    try:
        projects = [replace(p, generation=0) for p in store.iter_projects()]
        entries = [store.listing_entry(p.name) for p in projects]
        return listing, projects, entries, store.folder_entries(), store.counts()
    finally:
        store.close()


def assert_same_index(db: Path, uninterrupted: Path, fresh: Path) -> None:
    assert tables(db) == tables(uninterrupted)
    assert contents(db) == contents(fresh)


# -- the tests ---------------------------------------------------------------------------


def test_sigkill_while_a_large_folder_is_first_indexed(world: World, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    _copy(world.empty_db, db)
    everything = set(artefacts(world.first).values())
    total = len(everything)
    with closing(Reader(db)) as reader:

        def recorded_at_least(n: int) -> Callable[[int], bool]:
            return lambda pid: reader.recorded(everything) >= n

        kills = [
            (lambda pid: _holds_lock(db, pid), 0.0, 0),  # as it starts: folder root, scan
            (lambda pid: _holds_lock(db, pid), 0.05, 0),  # wherever it is a moment later
            (recorded_at_least(total // 3), 0.0, total // 3),
            (recorded_at_least(2 * total // 3), 0.0, 2 * total // 3),
        ]
        for ready, delay, at_least in kills:
            kill_watcher(reader, db, world.first, ready, delay)
            places = check_consistent(reader, db, world.first, vanished=set())
            assert at_least <= len(places) < total, "the kill did not land mid-work"
        assert rerun(db, world.first) == expected_summary(world.first, places)
        assert check_consistent(reader, db, world.first, vanished=set()).keys() == everything
    assert_same_index(db, world.first_db, world.first_db)


def test_sigkill_while_removed_files_are_withdrawn(world: World, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    _copy(world.first_db, db, world.second)  # as if the files changed while it was down
    before, after = artefacts(world.first), artefacts(world.second)
    vanished = set(before) - set(after)
    gone = set(before.values()) - set(after.values())
    new = set(after.values()) - set(before.values())
    assert len(gone) > 40 and len(new) > 40 and len(vanished) > len(gone)  # moves as well
    with closing(Reader(db)) as reader:
        kills = [
            (lambda pid: _holds_lock(db, pid), 0.0),  # before or while it withdraws
            (lambda pid: _holds_lock(db, pid), 0.05),
            (lambda pid: reader.recorded(gone) < len(gone), 0.0),  # once the withdrawal shows
            (lambda pid: reader.recorded(new) >= len(new) // 2, 0.0),  # reading new files
        ]
        for ready, delay in kills:
            kill_watcher(reader, db, world.second, ready, delay)
            places = check_consistent(reader, db, world.second, vanished)
        assert reader.recorded(new) < len(new), "the kills did not land mid-work"
        assert rerun(db, world.second) == expected_summary(world.second, places)
        check_consistent(reader, db, world.second, vanished=set())
    assert_same_index(db, world.second_db, world.fresh_db)
