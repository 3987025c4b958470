"""The ``Store`` contract, run against every implementation: SQLite, and a real PostgreSQL
server (a throwaway cluster, ``tests/pgcluster.py``).

A backend joins by adding a ``Backend`` maker to ``BACKENDS``: given the test's fixture
request and ``tmp_path``, it names a fresh, empty database (``url``) and a place where no
index is (``missing_url``), and says whether a database is still untouched (``untouched``).
``backend()`` opens the test's database, as often as a test likes: each call is another
connection, as another worker process would have.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosswalk.records import Citation, DistributionFile, PlatformFacts, PythonFacts, Target
from publisher.search import SearchQuery
from publisher.store import (
    Author,
    FilenameReuse,
    ItemConflict,
    ItemGone,
    ItemNotFound,
    ListingEntry,
    NewFile,
    RevisionConflict,
    Store,
    StoreError,
    TargetNotFound,
    TokenRecord,
    open_store,
)
from publisher.store.base import SCHEMA_VERSION
from publisher.store.sql import FILE_COLUMNS, file_row
from publisher.store.sqlite_schema import MIGRATIONS


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    missing_url: str
    untouched: Callable[[str], bool]

    def __call__(self, *_: object, **options: bool) -> Store:
        return open_store(self.url, **options)


def _sqlite(request: pytest.FixtureRequest, root: Path) -> Backend:
    return Backend(
        "sqlite",
        f"sqlite:///{root / 'contract.db'}",
        f"sqlite:///{root / 'missing.db'}",
        lambda url: not Path(url.removeprefix("sqlite:///")).exists(),
    )


def _postgresql(request: pytest.FixtureRequest, root: Path) -> Backend:
    import psycopg

    def untouched(url: str) -> bool:
        with psycopg.connect(url) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()[0]
            extensions = conn.execute("SELECT count(*) FROM pg_extension").fetchone()[0]
        return tables == 0 and extensions == 1  # plpgsql alone

    cluster = request.getfixturevalue("pg_cluster")
    return Backend("postgresql", cluster.create_database(), cluster.create_database(), untouched)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Backend]] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
}
Factory = Backend


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    opened = backend()
    yield opened
    opened.close()


def new_file(
    filename: str,
    project: str = "demo",
    version: str = "1.0",
    packagetype: str = "bdist_wheel",
    sha256: str = "a" * 64,
    rank: int = 3,
    summary: str = "from the wheel",
) -> NewFile:
    record = DistributionFile(
        filename=filename,
        project=project,
        version=version,
        packagetype=packagetype,
        size=1234,
        hashes={"md5": "1" * 32, "sha1": "2" * 40, "sha256": sha256, "blake2b_256": "3" * 64},
        upload_time=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        url_path=f"{sha256[:2]}/{sha256[2:4]}/{sha256[4:]}/{filename}",
        requires_python=">=3.9",
        tags=("cp312-cp312-manylinux_2_17_x86_64",) if packagetype == "bdist_wheel" else (),
        python=(PythonFacts("cp312", "CPython", "3.12", "cp312"),),
        platforms=(PlatformFacts("manylinux_2_17_x86_64", "linux", "2.17", "glibc", ("x86_64",)),),
        variant="v1",
        comment="c",
        signature="-----BEGIN PGP SIGNATURE-----\n",
        metadata_version="2.4",
        metadata_sha256="4" * 64,
        verified=True,
    )
    return NewFile(
        file=record,
        display_name=project.capitalize(),
        metadata={"name": project.capitalize(), "version": version, "summary": summary},
        metadata_bytes=f"Metadata-Version: 2.4\nName: {project}\n".encode(),
        metadata_rank=rank,
    )


WHEEL = "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"


def test_add_file_then_read_it_back(store: Store) -> None:
    new = new_file(WHEEL)
    assert store.add_file(new) is True
    assert store.get_file(WHEEL) == new.file
    assert store.file_sha256(WHEEL) == "a" * 64
    assert store.metadata_bytes(WHEEL) == new.metadata_bytes
    assert store.project_names() == ["demo"]


def test_unknown_names_give_none(store: Store) -> None:
    assert store.get_file("nope-1.0.tar.gz") is None
    assert store.file_sha256("nope-1.0.tar.gz") is None
    assert store.metadata_bytes("nope-1.0.tar.gz") is None
    assert store.get_project("nope") is None
    assert store.get_release("nope", "1") is None
    assert list(store.iter_projects()) == []
    assert store.generation("nope") == 0


def test_same_file_twice_is_a_no_op(store: Store) -> None:
    assert store.add_file(new_file(WHEEL)) is True
    generation = store.generation()
    assert store.add_file(new_file(WHEEL)) is False
    assert store.generation() == generation


def test_filename_reuse_is_refused(store: Store) -> None:
    store.add_file(new_file(WHEEL))
    with pytest.raises(FilenameReuse, match="already indexed with different contents"):
        store.add_file(new_file(WHEEL, sha256="b" * 64))
    assert store.file_sha256(WHEEL) == "a" * 64
    assert isinstance(FilenameReuse("x"), StoreError)


def test_names_and_versions_are_normalised(store: Store) -> None:
    store.add_file(new_file("demo-1.0.tar.gz", packagetype="sdist", sha256="c" * 64, rank=2))
    project = store.get_project("Demo")
    assert project is not None and project.name == "demo"
    assert store.get_project("DEMO") == project
    release = store.get_release("dEmO", "v1.00")  # PEP 440 normal form: 1.0
    assert release is not None and release.version == "1.0"


def test_release_prefers_wheel_metadata_over_sdist(store: Store) -> None:
    sdist = new_file("demo-1.0.tar.gz", "demo", packagetype="sdist", rank=2, summary="sdist")
    store.add_file(replace(sdist, display_name="demo"))
    release = store.get_release("demo", "1.0")
    assert release is not None and release.metadata["summary"] == "sdist"

    store.add_file(new_file(WHEEL, sha256="d" * 64))
    release = store.get_release("demo", "1.0")
    assert release is not None
    assert (release.metadata["summary"], release.metadata_source) == ("from the wheel", WHEEL)
    assert {f.filename for f in release.files} == {WHEEL, "demo-1.0.tar.gz"}
    project = store.get_project("demo")
    assert project is not None and project.display_name == "Demo"

    # A later sdist does not take the metadata back.
    later = new_file("demo-1.0.zip", packagetype="sdist", sha256="e" * 64, rank=2, summary="z")
    store.add_file(later)
    release = store.get_release("demo", "1.0")
    assert release is not None and release.metadata["summary"] == "from the wheel"


def test_generation_counts_writes(store: Store) -> None:
    start = store.generation()
    store.add_file(new_file(WHEEL))
    store.add_file(new_file("other-2.0.tar.gz", "other", "2.0", "sdist", "f" * 64, 2))
    assert store.generation() == start + 2
    assert store.generation("demo") == start + 1
    assert store.generation("other") == start + 2
    assert sorted(store.changed_since(start)) == ["demo", "other"]
    assert store.changed_since(start + 1) == ["other"]
    store.add_file(new_file("demo-2.0.tar.gz", "demo", "2.0", "sdist", "9" * 64, 2))
    assert store.generation("demo") == start + 3
    assert store.get_project("demo").generation == start + 3
    assert store.changed_since(start + 2) == ["demo"]
    assert store.changed_since(store.generation()) == []


def test_mark_changed_moves_the_generation_for_every_reader(
    store: Store, backend: Factory, tmp_path: Path
) -> None:
    store.add_file(new_file(WHEEL))
    store.add_file(new_file("other-2.0.tar.gz", "other", "2.0", "sdist", "f" * 64, 2))
    reader = backend(tmp_path)  # another connection, as another worker process
    try:
        seen = reader.generation()
        assert store.mark_changed("DEMO") == seen + 1
        assert reader.generation() == seen + 1
        assert reader.changed_since(seen) == ["demo"]
        assert store.mark_changed() == seen + 2
        assert sorted(reader.changed_since(seen + 1)) == ["demo", "other"]
        assert store.mark_changed("no-such-project") == seen + 3
        assert reader.changed_since(seen + 2) == []
    finally:
        reader.close()


def test_file_totals_per_project(store: Store) -> None:
    assert store.file_totals() == {}
    store.add_file(new_file("zed-1.0.tar.gz", "zed", "1.0", "sdist", "1" * 64, 2))
    store.add_file(new_file("zed-2.0.tar.gz", "zed", "2.0", "sdist", "2" * 64, 2))
    store.add_file(new_file(WHEEL))
    totals = store.file_totals()
    assert set(totals) == {"zed", "demo"}
    assert totals["zed"][0] == 2 and totals["demo"][0] == 1
    assert totals["zed"][1] == sum(
        store.get_file(n).size for n in ("zed-1.0.tar.gz", "zed-2.0.tar.gz")
    )


def test_read_only_store_reads_and_never_writes(backend: Factory, tmp_path: Path) -> None:
    from publisher.store import StoreMissing

    url = backend.url
    with pytest.raises(StoreMissing):
        open_store(backend.missing_url, read_only=True)
    with pytest.raises(StoreMissing):
        open_store(backend.missing_url, create=False)
    assert backend.untouched(backend.missing_url)
    writer = open_store(url)
    writer.add_file(new_file(WHEEL))
    writer.close()
    reader = open_store(url, read_only=True)
    try:
        assert reader.read_only and reader.get_file(WHEEL) == new_file(WHEEL).file
        assert reader.generation() >= 1
        with pytest.raises(StoreError, match="read-only"):
            reader.add_file(new_file("other-2.0.tar.gz", "other", "2.0", "sdist", "f" * 64, 2))
        with pytest.raises(StoreError, match="read-only"):
            reader.mark_changed()
    finally:
        reader.close()


def test_iter_projects_in_name_order_with_releases(store: Store) -> None:
    store.add_file(new_file("zed-1.0.tar.gz", "zed", "1.0", "sdist", "1" * 64, 2))
    store.add_file(new_file("alpha-1.0.tar.gz", "alpha", "1.0", "sdist", "2" * 64, 2))
    store.add_file(new_file("alpha-2.0.tar.gz", "alpha", "2.0", "sdist", "3" * 64, 2))
    projects = list(store.iter_projects())
    assert [p.name for p in projects] == ["alpha", "zed"]
    assert sorted(r.version for r in projects[0].releases) == ["1.0", "2.0"]
    assert all(len(r.files) == 1 for p in projects for r in p.releases)


def test_reopening_keeps_everything(backend: Factory, tmp_path: Path) -> None:
    first = backend(tmp_path)
    first.add_file(new_file(WHEEL))
    generation = first.generation()
    first.close()
    again = backend(tmp_path)
    try:
        assert again.get_file(WHEEL) == new_file(WHEEL).file
        assert again.generation() == generation
        assert again.add_file(new_file(WHEEL)) is False
    finally:
        again.close()


def test_sqlite_records_schema_version_and_refuses_newer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    open_store(url).close()
    with sqlite3.connect(tmp_path / "v.db") as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (
            SCHEMA_VERSION,
        )
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer than this ldindex understands"):
        open_store(url)


def test_sqlite_upgrade_counts_existing_files_as_unverified(tmp_path: Path) -> None:
    """A database from before per-file verification (schema 2) upgrades in place; the files
    it holds were never verified, so they read as such."""
    path = tmp_path / "old.db"
    f = new_file(WHEEL).file
    now = f.upload_time.isoformat()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for version in (1, 2):
            MIGRATIONS[version](conn)
            conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
        conn.execute(
            "INSERT INTO projects (name, display_name, created) VALUES (?, ?, ?)",
            (f.project, "Demo", now),
        )
        conn.execute(
            "INSERT INTO releases (project, version, metadata, metadata_rank, created) "
            "VALUES (?, ?, ?, ?, ?)",
            (f.project, f.version, b"{}", 3, now),
        )
        columns = FILE_COLUMNS.removesuffix(", verified")  # what schema 2 stored
        row = file_row(f)[:-1]
        conn.execute(f"INSERT INTO files ({columns}) VALUES ({', '.join('?' * len(row))})", row)
    upgraded = open_store(f"sqlite:///{path}")
    try:
        assert upgraded.get_file(WHEEL) == replace(f, verified=False)
    finally:
        upgraded.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (
            SCHEMA_VERSION,
        )


def test_sqlite_snapshot_keeps_only_catalogue_tables(tmp_path: Path) -> None:
    from publisher.tokens import issue_token

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    store.add_file(new_file(WHEEL))
    with sqlite3.connect(tmp_path / "s.db") as conn:
        conn.execute("CREATE TABLE private_notes (text TEXT)")  # a table added later
        conn.execute("INSERT INTO private_notes VALUES ('secret')")
    issue_token(store, "someone", "admin", datetime.now(UTC))
    store.snapshot_catalogue(tmp_path / "copy.sqlite")
    store.close()
    with sqlite3.connect(tmp_path / "copy.sqlite") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
        assert {"projects", "search_ids"} <= tables
        assert not tables & {"private_notes", "tokens", "extrinsic_revisions", "admin_events"}
        assert conn.execute(
            "SELECT count(*) FROM files WHERE metadata_bytes IS NOT NULL"
        ).fetchone() == (0,)


def test_sqlite_migrates_a_version_1_database_into_search(tmp_path: Path) -> None:
    from publisher.store.sqlite_schema import MIGRATIONS

    path = tmp_path / "old.db"
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        MIGRATIONS[1](conn)
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute(
            "INSERT INTO projects (name, display_name, summary, created) "
            "VALUES ('old-timer', 'Old-Timer', 'kept from before', '2020-01-01')"
        )
    store = open_store(f"sqlite:///{path}")
    try:
        assert [e.name for e in store.search(SearchQuery.parse("kept"), 0, 5).hits] == ["old-timer"]
    finally:
        store.close()


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(StoreError, match="unknown database scheme 'mysql'"):
        open_store("mysql://localhost/x")


def test_known_projects_normalises_and_answers_only_what_is_held(store: Store) -> None:
    store.add_file(new_file("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"))
    assert store.known_projects(["Demo", "other", "DEMO_"]) == {"demo"}
    assert store.known_projects([]) == set()
    assert store.known_projects(f"p{i}" for i in range(2000)) == set()


def test_release_extras_come_from_the_first_file_that_carries_them(store: Store) -> None:
    citation = Citation("demo-1.0.tar.gz", "demo-1.0/CITATION.cff", "cff", {"title": "T"}, "t")
    sdist = replace(
        new_file("demo-1.0.tar.gz", packagetype="sdist", sha256="c" * 64, rank=2),
        citation=citation,
    )
    wheel = replace(
        new_file("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        entry_points={"console_scripts": {"demo": "demo:main"}},
        citation=replace(citation, filename="other.whl", data={"title": "later"}),
    )
    store.add_file(sdist)
    store.add_file(wheel)
    release = store.get_release("demo", "1.0")
    assert release.citation == citation
    assert release.entry_points == {"console_scripts": {"demo": "demo:main"}}
    assert store.get_project("demo").releases[0].citation == citation
    assert store.get_release("demo", "1.0").metadata_source.endswith(".whl")


# -- extrinsic metadata, administration, tokens ------------------------------------------------

ALICE = Author("alice", "tok1")
RELEASE = Target("demo", "1.0")
FILE = Target("demo", "1.0", WHEEL)


def test_item_revisions_form_a_complete_history(store: Store) -> None:
    store.add_file(new_file(WHEEL))
    start = store.generation()
    item = store.create_item("hardware-capability", FILE, {"key": "gpu"}, ALICE, "first")
    assert (item.revision, item.deleted, item.target) == (1, False, FILE)
    assert item.created == item.updated and item.created.author == "alice"
    assert item.etag == f'"{item.item_id}-r1"'
    assert store.generation() == start + 1 and store.changed_since(start) == ["demo"]

    second = store.revise_item(item.item_id, {"key": "cpu"}, Author("bob"), "typo", 1, "update")
    assert second.revision == 2 and second.data == {"key": "cpu"}
    assert second.created.author == "alice" and second.updated.author == "bob"
    with pytest.raises(RevisionConflict) as stale:
        store.revise_item(item.item_id, {"key": "x"}, ALICE, None, 1)
    assert stale.value.current == 2
    gone = store.revise_item(item.item_id, None, ALICE, "wrong", 2)
    assert gone.deleted and gone.data == {"key": "cpu"} and gone.updated.action == "delete"
    with pytest.raises(ItemGone):
        store.revise_item(item.item_id, None, ALICE, None)
    assert store.get_item(item.item_id).deleted
    assert store.list_items(FILE) == []
    assert [i.item_id for i in store.list_items(FILE, include_deleted=True)] == [item.item_id]

    history = store.item_history(item.item_id)
    assert [(r.change.revision, r.change.action) for r in history] == [
        (1, "create"), (2, "update"), (3, "delete")
    ]  # fmt: skip
    assert [r.before for r in history] == [None, {"key": "gpu"}, {"key": "cpu"}]
    assert [r.after for r in history] == [{"key": "gpu"}, {"key": "cpu"}, None]
    assert history[1].change.reason == "typo" and history[0].change.token_id == "tok1"
    assert store.item_revision(item.item_id, 2) == history[1]
    assert store.item_revision(item.item_id, 4) is None
    assert store.generation() == start + 3


def test_items_listed_by_target_exact_or_below(store: Store) -> None:
    store.add_file(new_file(WHEEL))
    on_project = store.create_item("external-link", Target("demo"), {"url": "u"}, ALICE, None)
    on_release = store.create_item("advisory", RELEASE, {"id": "A"}, ALICE, None)
    on_file = store.create_item("hardware-capability", FILE, {"key": "k"}, ALICE, None)
    assert store.list_items(Target("demo")) == [on_project]
    assert store.list_items(RELEASE) == [on_release]
    below = store.list_items(Target("demo"), exact=False)
    assert {i.item_id for i in below} == {on_project.item_id, on_release.item_id, on_file.item_id}
    assert store.list_items(RELEASE, exact=False) == [on_release, on_file]
    assert store.list_items(Target("demo"), kind="advisory", exact=False) == [on_release]
    assert store.get_item("0" * 16) is None and store.item_history("0" * 16) == []
    with pytest.raises(ItemNotFound):
        store.revise_item("0" * 16, {}, ALICE, None)


def test_writes_to_unknown_targets_and_second_corrections_are_refused(store: Store) -> None:
    store.add_file(new_file(WHEEL))
    generation = store.generation()
    for target, message in [
        (Target("nope"), "no project named 'nope'"),
        (Target("demo", "2.0"), "no release '2.0'"),
        (Target("demo", "1.0", "other.whl"), "no file named 'other.whl'"),
    ]:
        with pytest.raises(TargetNotFound, match=message):
            store.create_item("advisory", target, {"id": "A"}, ALICE, None)
    first = store.create_item("dependency-correction", RELEASE, {"requires_dist": []}, ALICE, "r")
    with pytest.raises(ItemConflict, match=first.item_id):
        store.create_item("dependency-correction", RELEASE, {"requires_dist": []}, ALICE, "r")
    # Another target may have its own; a deleted one makes room.
    store.create_item("dependency-correction", FILE, {"requires_dist": []}, ALICE, "r")
    store.revise_item(first.item_id, None, ALICE, None)
    store.create_item("dependency-correction", RELEASE, {"requires_dist": ["x"]}, ALICE, "r")
    with pytest.raises(ItemConflict):
        store.revise_item(first.item_id, {"requires_dist": []}, ALICE, None)  # restore
    assert store.generation() == generation + 4


def test_yank_unyank_and_project_status_are_recorded(store: Store) -> None:
    store.add_file(new_file(WHEEL))
    start = store.generation()
    event = store.set_yanked(RELEASE, True, "broken", ALICE)
    assert event is not None and event.action == "yank"
    assert event.before == {"yanked": False, "yanked_reason": None}
    release = store.get_release("demo", "1.0")
    assert release.yanked and release.yanked_reason == "broken"
    assert store.set_yanked(RELEASE, True, "broken", ALICE) is None  # nothing changed
    store.set_yanked(FILE, True, "bad wheel", ALICE)
    assert store.get_file(WHEEL).yanked_reason == "bad wheel"
    store.set_yanked(RELEASE, False, "fixed", ALICE)
    assert not store.get_release("demo", "1.0").yanked
    assert store.get_file(WHEEL).yanked  # the file stays yanked on its own
    with pytest.raises(TargetNotFound):
        store.set_yanked(Target("demo", "9"), True, "x", ALICE)
    status = store.set_project_status("demo", "archived", "unmaintained", ALICE)
    assert status.after == {"status": "archived", "status_reason": "unmaintained"}
    project = store.get_project("demo")
    assert (project.status, project.status_reason) == ("archived", "unmaintained")
    with pytest.raises(ValueError, match="unknown project status"):
        store.set_project_status("demo", "asleep", None, ALICE)
    events = store.admin_events("demo")
    assert [e.action for e in events] == ["yank", "yank", "unyank", "status"]
    assert events[2].reason == "fixed" and events[2].after["yanked_reason"] is None
    assert store.generation() == start + 4


def test_tokens_are_kept_as_given_and_revoked_once(store: Store) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    token = TokenRecord("abcdef012345", "ci", "project:demo", "f" * 64, now, None)
    store.add_token(token)
    assert store.get_token("abcdef012345") == token
    assert store.list_tokens() == [token]
    assert store.revoke_token("abcdef012345", now) is True
    assert store.revoke_token("abcdef012345", now) is False
    assert store.revoke_token("nope", now) is False
    assert store.get_token("abcdef012345").revoked == now
    assert store.get_token("nope") is None


def test_writers_on_different_connections_cannot_both_win(
    store: Store, backend: Factory, tmp_path: Path
) -> None:
    """Two processes revise one item from the same revision at the same moment: one wins,
    the other gets the conflict the write API answers with 412, and the history has no gap."""
    store.add_file(new_file(WHEEL))
    item = store.create_item("external-link", Target("demo"), {"url": "u"}, ALICE, None)
    other = backend(tmp_path)  # another connection, as another worker process
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def revise(writer: Store, n: int) -> None:
        barrier.wait()
        try:
            writer.revise_item(item.item_id, {"url": f"u{n}"}, ALICE, None, expected_revision=1)
            outcomes.append("won")
        except RevisionConflict as conflict:
            outcomes.append(f"412 at {conflict.current}")

    try:
        threads = [
            threading.Thread(target=revise, args=(w, n)) for n, w in enumerate((store, other))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["412 at 2", "won"]
        history = other.item_history(item.item_id)
        assert [r.change.revision for r in history] == [1, 2]
        assert store.get_item(item.item_id).data == history[1].after
    finally:
        other.close()


def test_sqlite_revisions_cannot_be_rewritten(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    store.add_file(new_file(WHEEL))
    item = store.create_item("advisory", RELEASE, {"id": "A"}, ALICE, None)
    store.close()
    with sqlite3.connect(tmp_path / "r.db") as conn:
        for statement in (
            "UPDATE extrinsic_revisions SET author = 'mallory'",
            "DELETE FROM extrinsic_revisions",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="immutable"):
                conn.execute(statement)
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    assert store.item_history(item.item_id)[0].change.author == "alice"
    store.close()


# -- removal and directory mode ------------------------------------------------------------------

WATCHER = Author("folder watcher")
SDIST = "demo-1.0.tar.gz"


def demo_sdist() -> NewFile:
    """The sdist beside ``WHEEL`` in demo 1.0, as ingest describes it."""
    return new_file(SDIST, packagetype="sdist", sha256="b" * 64, rank=2, summary="s")


def two_releases(store: Store) -> None:
    """demo 1.0 (a wheel and an sdist) and demo 2.0 (an sdist), and another project."""
    store.add_file(new_file(WHEEL))
    store.add_file(demo_sdist())
    store.add_file(new_file("demo-2.0.tar.gz", "demo", "2.0", "sdist", "c" * 64, 2, "two"))
    store.add_file(new_file("other-1.0.tar.gz", "other", "1.0", "sdist", "d" * 64, 2))


def test_removing_a_file_keeps_its_release_while_others_remain(store: Store) -> None:
    two_releases(store)
    start = store.generation()
    removed = store.remove_files([WHEEL], WATCHER, "gone from the folder", [demo_sdist()])
    assert [f.filename for f in removed] == [WHEEL]
    assert store.get_file(WHEEL) is None and store.file_sha256(WHEEL) is None
    assert store.metadata_bytes(WHEEL) is None
    release = store.get_release("demo", "1.0")
    assert release is not None and [f.filename for f in release.files] == [SDIST]
    # the release is what the file it keeps says, no longer what the wheel said
    assert (release.metadata["summary"], release.metadata_source) == ("s", SDIST)
    assert store.generation() == start + 1
    assert store.generation("demo") == start + 1 and store.generation("other") == start
    assert store.changed_since(start) == ["demo"]
    assert store.counts() == {"projects": 2, "releases": 3, "files": 3}
    event = store.admin_events("demo")[-1]
    assert (event.action, event.target, event.author) == ("remove", FILE, "folder watcher")
    assert event.reason == "gone from the folder"
    assert event.before == {"indexed": True, "sha256": "a" * 64}
    assert event.after == {"indexed": False}


def test_a_release_and_a_project_go_with_their_last_file(store: Store) -> None:
    two_releases(store)
    start = store.generation()
    store.remove_files(["demo-2.0.tar.gz"], WATCHER, None)
    assert store.get_release("demo", "2.0") is None
    latest = {p.name: p.latest_version for p in store.project_listing()}
    assert latest == {"demo": "1.0", "other": "1.0"}
    assert store.release_dates()[0][:2] == ("demo", "1.0")
    store.remove_files([WHEEL, SDIST, "nothing-1.0.tar.gz"], WATCHER, None)
    assert store.get_project("demo") is None and store.get_release("demo", "1.0") is None
    assert store.project_names() == ["other"]
    assert [p.name for p in store.project_listing()] == ["other"]
    assert [p.name for p in store.iter_projects()] == ["other"]
    assert store.counts() == {"projects": 1, "releases": 1, "files": 1}
    assert "demo" not in store.file_totals()
    assert store.generation("demo") == 0
    # a project that is gone is still named as changed, so every cache drops it
    assert store.generation() == start + 2
    assert store.changed_since(start) == ["demo"]
    assert store.changed_since(start + 1) == ["demo"]
    assert store.changed_since(start + 2) == []
    assert store.withdrawn_since(start) == ["demo"] and store.withdrawn_since(start + 2) == []


def test_removing_nothing_writes_nothing(store: Store) -> None:
    two_releases(store)
    start = store.generation()
    assert store.remove_files([], WATCHER, None) == []
    assert store.remove_files(["nope-1.0.tar.gz"], WATCHER, None) == []
    assert store.generation() == start and store.counts()["files"] == 4


def test_a_removed_filename_stays_bound_to_its_bytes(store: Store) -> None:
    two_releases(store)
    store.remove_files([WHEEL, SDIST, "demo-2.0.tar.gz"], WATCHER, None)
    with pytest.raises(FilenameReuse, match="withdrawn; a filename can be used only once"):
        store.add_file(new_file(WHEEL, sha256="e" * 64))
    assert store.get_project("demo") is None
    # the same bytes may come back, and then be removed again
    start = store.generation()
    assert store.add_file(new_file(WHEEL)) is True
    assert store.get_file(WHEEL) == new_file(WHEEL).file
    assert store.changed_since(start) == ["demo"]
    store.remove_files([WHEEL], WATCHER, None)
    with pytest.raises(FilenameReuse):
        store.add_file(new_file(WHEEL, sha256="e" * 64))


def test_items_outlive_their_target_and_apply_again_when_it_returns(store: Store) -> None:
    two_releases(store)
    on_file = store.create_item("hardware-capability", FILE, {"key": "gpu"}, ALICE, None)
    on_project = store.create_item("external-link", Target("demo"), {"url": "u"}, ALICE, None)
    store.revise_item(on_file.item_id, {"key": "cpu"}, ALICE, "edit")
    store.remove_files([WHEEL], WATCHER, None, [demo_sdist()])
    # detached: kept with its history, shown nowhere a page looks for the file
    assert store.get_item(on_file.item_id).data == {"key": "cpu"}
    assert len(store.item_history(on_file.item_id)) == 2
    store.revise_item(on_file.item_id, {"key": "tpu"}, ALICE, "still editable")
    with pytest.raises(TargetNotFound):
        store.create_item("hardware-capability", FILE, {"key": "x"}, ALICE, None)
    store.remove_files([SDIST, "demo-2.0.tar.gz"], WATCHER, None)
    assert store.get_item(on_project.item_id) is not None
    assert [e.action for e in store.admin_events("demo")] == ["remove"] * 3
    store.add_file(new_file(WHEEL))
    below = store.list_items(Target("demo"), exact=False)
    assert {i.item_id for i in below} == {on_file.item_id, on_project.item_id}
    assert [r.change.revision for r in store.item_history(on_file.item_id)] == [1, 2, 3]


def test_folder_entries_follow_their_files(store: Store) -> None:
    from publisher.store import FolderEntry

    assert store.folder_root() is None and store.folder_entries() == []
    start = store.generation()
    store.set_folder_root("/srv/wheels")
    assert store.folder_root() == "/srv/wheels" and store.generation() == start + 1
    store.set_folder_root("/srv/wheels")
    assert store.generation() == start + 1
    entry = FolderEntry(WHEEL, f"sub/{WHEEL}", 1234, 1_700_000_000_123_456_789)
    store.add_file(replace(new_file(WHEEL), folder=entry))
    store.add_file(demo_sdist())
    assert store.folder_entries() == [entry] and store.folder_entry(WHEEL) == entry
    assert store.folder_entry(SDIST) is None
    moved = FolderEntry(WHEEL, WHEEL, 1234, 1_700_000_001_000_000_000)
    assert store.record_folder_entry(moved) is True
    assert store.folder_entries() == [moved]
    assert store.record_folder_entry(FolderEntry("x-1.0.tar.gz", "x-1.0.tar.gz", 1, 1)) is False
    adopted = FolderEntry(SDIST, SDIST, 1234, 5)
    assert store.record_folder_entry(adopted) is True
    assert store.folder_entries() == [moved, adopted]  # by path
    store.remove_files([WHEEL], WATCHER, None, [demo_sdist()])
    assert store.folder_entries() == [adopted] and store.folder_entry(WHEEL) is None


def spelled(new: NewFile, name: str) -> NewFile:
    """``new`` with its metadata spelling the project's name ``name``."""
    return replace(new, display_name=name, metadata={**new.metadata, "name": name})


def uploaded(new: NewFile, day: int) -> NewFile:
    return replace(new, file=replace(new.file, upload_time=datetime(2025, 3, day, tzinfo=UTC)))


def test_a_release_that_keeps_files_is_derived_again_from_them(store: Store) -> None:
    citation = Citation(SDIST, "demo-1.0/CITATION.cff", "cff", {"title": "the sdist's"}, "t")
    wheel = replace(
        spelled(uploaded(new_file(WHEEL), 1), "Demo"),
        entry_points={"console_scripts": {"frobnicate": "demo:main"}},
        citation=replace(citation, filename=WHEEL, data={"title": "the wheel's"}),
    )
    sdist = replace(
        spelled(uploaded(demo_sdist(), 9), "DEMO"),
        metadata={"name": "DEMO", "version": "1.0", "summary": "from the sdist"},
        citation=citation,
    )
    store.add_file(wheel)
    store.add_file(sdist)
    assert store.releases_derived_from([WHEEL, "nope-1.0.tar.gz"]) == [("demo", "1.0")]
    assert store.releases_derived_from([SDIST]) == []  # gave nothing the wheel did not
    assert names_found(store, "frobnicate") == ["demo"]
    assert store.get_project("demo").display_name == "Demo"
    start = store.generation()

    store.remove_files([WHEEL], WATCHER, "gone", [sdist])
    release = store.get_release("demo", "1.0")
    assert dict(release.metadata) == {"name": "DEMO", "version": "1.0", "summary": "from the sdist"}
    assert release.metadata_source == SDIST
    assert release.entry_points == {} and release.citation == citation
    assert release.created == datetime(2025, 3, 9, tzinfo=UTC)
    assert store.get_project("demo").display_name == "DEMO"
    entry = store.listing_entry("demo")
    assert (entry.display_name, entry.summary, entry.commands) == ("DEMO", "from the sdist", ())
    assert names_found(store, "frobnicate") == []
    assert names_found(store, "sdist") == ["demo"]
    assert store.generation() == start + 1 and store.changed_since(start) == ["demo"]
    assert store.releases_derived_from([SDIST]) == [("demo", "1.0")]
    # the release holds the sdist's rank: an egg does not take over, a wheel does
    store.add_file(
        new_file("demo-1.0-py3.12.egg", packagetype="bdist_egg", sha256="e" * 64, rank=1)
    )
    assert store.get_release("demo", "1.0").metadata_source == SDIST
    store.add_file(new_file("demo-1.0-py3-none-any.whl", sha256="f" * 64, summary="new wheel"))
    assert store.get_release("demo", "1.0").metadata["summary"] == "new wheel"


def test_equal_files_read_again_give_the_metadata_in_the_order_given(store: Store) -> None:
    wheels = [
        new_file(f"demo-1.0-{tag}.whl", sha256=c * 64, summary=tag)
        for tag, c in (("py2-none-any", "a"), ("py3-none-any", "b"), ("py2.py3-none-any", "c"))
    ]
    for new in wheels:
        store.add_file(new)
    assert store.get_release("demo", "1.0").metadata_source == wheels[0].file.filename
    store.remove_files([wheels[0].file.filename], WATCHER, None, [wheels[2], wheels[1]])
    release = store.get_release("demo", "1.0")
    assert (release.metadata_source, release.metadata["summary"]) == (
        wheels[2].file.filename,
        "py2.py3-none-any",
    )
    assert release.created == wheels[2].file.upload_time


def test_a_withdrawal_that_would_leave_a_release_speaking_for_a_gone_file_is_refused(
    store: Store,
) -> None:
    two_releases(store)
    start = store.generation()
    other = new_file("other-1.0.tar.gz", "other", "1.0", "sdist", "d" * 64, 2)
    renamed = replace(demo_sdist(), file=replace(demo_sdist().file, filename="demo-1.0.zip"))
    refusals = [
        (
            [],
            f"demo 1.0 took its metadata or extras from {WHEEL}, withdrawn here: the files it "
            f"keeps ({SDIST}) must be read again to derive it anew",
        ),
        ([demo_sdist(), other], "files read again for other 1.0, which loses no file here"),
        (
            [new_file(SDIST, packagetype="sdist", sha256="e" * 64, rank=2)],
            f"{SDIST}: read again with other bytes (sha256 {'e' * 64}) than indexed "
            f"(sha256 {'b' * 64})",
        ),
        (
            [demo_sdist(), demo_sdist()],
            f"demo 1.0 keeps {SDIST}, but the files read again are {SDIST}, {SDIST}",
        ),
        ([renamed], f"demo 1.0 keeps {SDIST}, but the files read again are demo-1.0.zip"),
    ]
    for reread, message in refusals:
        with pytest.raises(StoreError, match=f"^{re.escape(message)}$"):
            store.remove_files([WHEEL], WATCHER, None, reread)
    with pytest.raises(StoreError, match="loses no file here"):
        store.remove_files(["nope-1.0.tar.gz"], WATCHER, None, [demo_sdist()])
    # nothing was withdrawn
    assert store.get_file(WHEEL) is not None and store.generation() == start
    assert store.get_release("demo", "1.0").metadata_source == WHEEL
    assert store.admin_events("demo") == []
    # a file that gave nothing goes without anything read again
    store.remove_files(["demo-2.0.tar.gz"], WATCHER, None)
    assert store.get_release("demo", "2.0") is None


def test_a_project_takes_its_latest_spelling_when_the_last_release_spelling_its_name_goes(
    store: Store,
) -> None:
    store.add_file(spelled(new_file(WHEEL), "Demo"))
    store.add_file(
        spelled(new_file("demo-2.0.tar.gz", "demo", "2.0", "sdist", "b" * 64, 2), "DEMO")
    )
    store.add_file(
        spelled(new_file("demo-0.9.tar.gz", "demo", "0.9", "sdist", "c" * 64, 2), "demo")
    )
    assert store.get_project("demo").display_name == "demo"  # the last file to become a source
    store.remove_files(["demo-0.9.tar.gz"], WATCHER, None)
    assert store.get_project("demo").display_name == "DEMO"  # the latest release's
    assert store.listing_entry("demo").display_name == "DEMO"
    store.remove_files(["demo-2.0.tar.gz"], WATCHER, None)
    assert store.get_project("demo").display_name == "Demo"


def test_read_only_store_refuses_removal(backend: Factory, tmp_path: Path) -> None:
    writer = backend(tmp_path)
    writer.add_file(new_file(WHEEL))
    url = writer.url
    writer.close()
    reader = open_store(url, read_only=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            reader.remove_files([WHEEL], WATCHER, None)
        with pytest.raises(StoreError, match="read-only"):
            reader.set_folder_root("/x")
        assert reader.get_file(WHEEL) is not None
    finally:
        reader.close()


def test_sqlite_upgrade_keeps_items_events_and_their_history(tmp_path: Path) -> None:
    """A schema-2 database (items and events tied to projects by foreign keys) upgrades in
    place: every row kept, revisions still immutable and still tied to their items."""

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version in (1, 2):
        MIGRATIONS[version](conn)
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.execute("INSERT INTO projects (name, display_name, created) VALUES ('demo', 'Demo', 't')")
    conn.execute(
        "INSERT INTO extrinsic_items VALUES ('i1', 'advisory', 'demo', NULL, NULL, 1, 0, '{}')"
    )
    conn.execute(
        "INSERT INTO extrinsic_revisions VALUES ('i1', 1, 'create', 'alice', NULL, "
        "'2025-01-01T00:00:00+00:00', NULL, NULL, '{}')"
    )
    conn.execute(
        "INSERT INTO admin_events (action, project, author, at, before, after) "
        "VALUES ('status', 'demo', 'alice', '2025-01-01T00:00:00+00:00', '{}', '{}')"
    )
    conn.close()

    store = open_store(f"sqlite:///{path}")
    try:
        assert store.get_item("i1") is not None
        assert [r.change.author for r in store.item_history("i1")] == ["alice"]
        assert [e.action for e in store.admin_events("demo")] == ["status"]
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (
            SCHEMA_VERSION,
        )
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute("DELETE FROM admin_events")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute(
                "INSERT INTO extrinsic_revisions VALUES ('nope', 1, 'create', 'a', NULL, "
                "'t', NULL, NULL, '{}')"
            )
        # a project may now go while its items and events stay
        conn.execute("DELETE FROM projects WHERE name = 'demo'")


# -- search, listing, catalogue ------------------------------------------------------------


def listed(name: str, summary: str | None = None, **facts) -> ListingEntry:
    return ListingEntry(name, name, summary, **facts)


def names_found(store: Store, text: str, limit: int = 20) -> list[str]:
    return [e.name for e in store.search(SearchQuery.parse(text), 0, limit).hits]


def test_listed_project_has_no_releases_and_every_reader_copes(store: Store) -> None:
    store.import_listing(
        [listed("alpha", "First", latest_version="2.0", latest_upload="2024-05", popularity=3)]
    )
    project = store.get_project("alpha")
    assert project is not None and project.releases == () and project.summary is None
    assert store.get_release("alpha", "2.0") is None
    assert store.project_names() == ["alpha"]
    assert store.counts() == {"projects": 1, "releases": 0, "files": 0}
    assert [p.name for p in store.iter_projects()] == ["alpha"]
    assert list(store.iter_listing()) == [
        listed("alpha", "First", latest_version="2.0", latest_upload="2024-05", popularity=3)
    ]
    assert store.latest_releases(5) == []
    assert store.listing_entry("alpha") == next(iter(store.iter_listing()))
    assert store.listing_entry("nope") is None


def test_import_is_one_write_and_one_transaction(store: Store) -> None:
    start = store.generation()
    assert store.import_listing(listed(f"p{i}", "x") for i in range(30)) == 30
    assert store.generation() == start + 1
    assert len(store.changed_since(start)) == 30

    def broken():
        yield listed("good", "kept only if everything is")
        raise ValueError("line 2: bad")

    with pytest.raises(ValueError, match="line 2"):
        store.import_listing(broken())
    assert store.get_project("good") is None
    assert names_found(store, "p1")[0] == "p1"  # the index is whole after the rollback


def test_import_keeps_what_held_releases_say_and_takes_the_rank(store: Store) -> None:
    store.add_file(new_file(WHEEL))
    store.import_listing([listed("demo", "listing summary", latest_version="9.9", popularity=5)])
    (entry,) = store.iter_listing()
    assert (entry.summary, entry.latest_version, entry.popularity) == ("from the wheel", "1.0", 5)
    assert entry.latest_upload == "2025-01-02T03:04:05+00:00"
    assert entry.requires_python is None  # the demo metadata has none


def test_search_index_follows_every_write(store: Store) -> None:
    store.add_file(new_file(WHEEL, summary="a wheel about turtles"))
    assert names_found(store, "turtles") == ["demo"]
    # A newer release with another summary: the old words stop matching, in step.
    store.add_file(new_file("demo-2.0.tar.gz", version="2.0", packagetype="sdist",
                            sha256="b" * 64, rank=2, summary="now about owls"))  # fmt: skip
    assert names_found(store, "owls") == ["demo"]
    assert names_found(store, "turtles") == []
    store.import_listing([listed("owl-tools", "Owls")])
    assert set(names_found(store, "owls")) == {"demo", "owl-tools"}


def test_search_ranks_exact_then_prefix_then_text(store: Store) -> None:
    store.import_listing(
        [
            listed("tool", "exact"),
            listed("toolkit", "prefix"),
            listed("other", "a tool for things"),
            listed("unrelated", "nothing"),
        ]
    )
    results = store.search(SearchQuery.parse("Tool"), 0, 10)
    assert [e.name for e in results.hits] == ["tool", "toolkit", "other"]
    assert results.total == 3 and not results.more
    assert store.search(SearchQuery.parse("tool"), 1, 1).hits[0].name == "toolkit"
    assert store.search(SearchQuery.parse(""), 0, 10).total == 0


def test_search_finds_popular_typos_and_commands(store: Store) -> None:
    store.import_listing(
        [
            listed("requests", "HTTP for Humans", popularity=6),
            listed("charset-normalizer", "Charset detector", popularity=8,
                   commands=("normalizer",)),
        ]
    )  # fmt: skip
    assert names_found(store, "reqeusts") == ["requests"]
    assert names_found(store, "normalizer")[0] == "charset-normalizer"


def test_latest_releases_newest_first(store: Store) -> None:
    store.add_file(new_file(WHEEL))
    later = new_file("zed-1.0.tar.gz", "zed", "1.0", "sdist", "f" * 64, 2)
    later = replace(later, file=replace(later.file, upload_time=datetime(2025, 6, 1, tzinfo=UTC)))
    store.add_file(later)
    assert [(p, v) for p, _, v, _ in store.latest_releases(5)] == [("zed", "1.0"), ("demo", "1.0")]


def test_catalogue_snapshot_is_a_searchable_store_without_private_bytes(
    store: Store, tmp_path: Path
) -> None:
    store.add_file(new_file(WHEEL, summary="snapshots of owls"))
    store.import_listing([listed("owl-tools", "Owls")])
    target = tmp_path / "catalogue.sqlite"
    store.snapshot_catalogue(target)
    copy = open_store(f"sqlite:///{target}")
    try:
        assert set(names_found(copy, "owls")) == {"demo", "owl-tools"}
        assert copy.get_release("demo", "1.0") is not None
        assert copy.metadata_bytes(WHEEL) is None
    finally:
        copy.close()


def test_a_wheels_console_scripts_find_its_project(store: Store) -> None:
    """Commands come from the entry points ingest stores per release: ``normalizer`` finds
    charset-normalizer, as Wheelodex does."""
    wheel = "charset_normalizer-3.4.1-py3-none-any.whl"
    new = new_file(wheel, "charset-normalizer", "3.4.1", summary="The Real First Universal")
    store.add_file(replace(new, entry_points={"console_scripts": {"normalizer": "cli:main"}}))
    store.import_listing([listed("normalizer-extras", "more"), listed("text-normalizer", "x")])
    assert names_found(store, "normalizer")[0] == "charset-normalizer"
    (entry,) = [e for e in store.iter_listing() if e.name == "charset-normalizer"]
    assert entry.commands == ("normalizer",)


# -- real artefacts: the ingest pipeline and the environment query over them ------------------

SHARED_ARTEFACTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "artefacts"
MARKUPSAFE = (
    "MarkupSafe-2.1.5-cp39-cp39-win32.whl",
    "MarkupSafe-2.1.5-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl",
    "markupsafe-3.0.2.tar.gz",
)


def ingest_markupsafe(store: Store, root: Path) -> list[str]:
    from publisher.blobs import BlobStore
    from publisher.ingest import ingest

    paths = [SHARED_ARTEFACTS / name for name in MARKUPSAFE]
    return [o.status for o in ingest(paths, store, BlobStore(root / "files"))]


def test_ingesting_the_same_artefacts_again_changes_nothing(store: Store, tmp_path: Path) -> None:
    assert ingest_markupsafe(store, tmp_path) == ["added"] * len(MARKUPSAFE)
    generation, project = store.generation(), store.get_project("markupsafe")
    assert ingest_markupsafe(store, tmp_path) == ["skipped"] * len(MARKUPSAFE)
    assert store.generation() == generation and store.get_project("markupsafe") == project
    assert sorted(r.version for r in project.releases) == ["2.1.5", "3.0.2"]


def test_environment_query_chooses_as_installers_do(store: Store, tmp_path: Path) -> None:
    """The query answers from what the store returns: the best file per environment, an
    sdist when no wheel fits, a pinned version, and admin and extrinsic writes at once."""
    from publisher.query import QueryRequest, QueryService

    ingest_markupsafe(store, tmp_path)
    service = QueryService(store, "http://index.test")

    def answer(query: str) -> dict:
        return service.answer(QueryRequest.from_query_string(f"name=MarkupSafe&{query}")).result

    def chosen(query: str) -> str | None:
        choice = answer(query)["choice"]
        return choice["filename"] if choice else None

    assert chosen("python=3.12&platform=manylinux_2_17_x86_64") == MARKUPSAFE[2]
    assert chosen("python=3.12&platform=win_amd64") == MARKUPSAFE[3]
    assert chosen("python=3.9&platform=win32") == "markupsafe-3.0.2.tar.gz"  # no cp39 wheel
    assert chosen("python=3.9&platform=win32&version=2.1.5") == MARKUPSAFE[0]
    found = answer("python=3.12&platform=win_amd64")
    assert found["choice"]["hashes"]["sha256"] == store.file_sha256(MARKUPSAFE[3])
    assert found["choice"]["url"].startswith("http://index.test/files/")

    store.set_yanked(Target("markupsafe", "3.0.2"), True, "broken", ALICE)
    assert chosen("python=3.9&platform=win32") == MARKUPSAFE[0]  # yanked files step aside
    correction = {"requires_dist": ["colorama>=0.4; sys_platform == 'win32'"]}
    store.create_item("dependency-correction", Target("markupsafe", "2.1.5"), correction,
                      ALICE, "needs colorama on Windows")  # fmt: skip
    dependencies = answer("python=3.9&platform=win32")["dependencies"]
    assert (dependencies["source"], dependencies["reason"]) == (
        "correction",
        "needs colorama on Windows",
    )
    assert [r["name"] for r in dependencies["requirements"]] == ["colorama"]
