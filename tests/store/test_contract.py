"""The ``Store`` contract, run against every implementation (SQLite now; PostgreSQL to add).

A backend joins by adding a factory to ``BACKENDS``: a callable taking a pytest ``tmp_path``
and returning a fresh, empty store, plus one that reopens the same database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosswalk.records import DistributionFile, PlatformFacts, PythonFacts, Target
from publisher.store import (
    Author,
    FilenameReuse,
    ItemConflict,
    ItemGone,
    ItemNotFound,
    NewFile,
    RevisionConflict,
    Store,
    StoreError,
    TargetNotFound,
    TokenRecord,
    open_store,
)
from publisher.store.base import SCHEMA_VERSION
from publisher.store.sqlite import _FILE_COLUMNS, _file_row
from publisher.store.sqlite_schema import MIGRATIONS

Factory = Callable[[Path], Store]

BACKENDS: dict[str, Factory] = {
    "sqlite": lambda root: open_store(f"sqlite:///{root / 'contract.db'}"),
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Factory:
    return BACKENDS[request.param]


@pytest.fixture
def store(backend: Factory, tmp_path: Path) -> Iterator[Store]:
    opened = backend(tmp_path)
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

    url = backend(tmp_path).url
    with pytest.raises(StoreMissing):
        open_store(url.replace("contract.db", "missing.db"), read_only=True)
    with pytest.raises(StoreMissing):
        open_store(url.replace("contract.db", "missing.db"), create=False)
    assert not list(tmp_path.glob("missing*"))
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
        columns = _FILE_COLUMNS.removesuffix(", verified")  # what schema 2 stored
        row = _file_row(f)[:-1]
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


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(StoreError, match="unknown database scheme 'mysql'"):
        open_store("mysql://localhost/x")


def test_known_projects_normalises_and_answers_only_what_is_held(store: Store) -> None:
    store.add_file(new_file("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"))
    assert store.known_projects(["Demo", "other", "DEMO_"]) == {"demo"}
    assert store.known_projects([]) == set()
    assert store.known_projects(f"p{i}" for i in range(2000)) == set()


def test_release_extras_come_from_the_first_file_that_carries_them(store: Store) -> None:
    from crosswalk.records import Citation

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
