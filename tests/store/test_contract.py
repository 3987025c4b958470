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

from crosswalk.records import DistributionFile, PlatformFacts, PythonFacts
from publisher.store import FilenameReuse, NewFile, Store, StoreError, open_store
from publisher.store.base import SCHEMA_VERSION

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
