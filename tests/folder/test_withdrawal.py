"""Withdrawing some of a release's files: what the release says afterwards is what its
remaining files say, exactly as an index built from scratch from the same folder shows it
(metadata, its source, commands, citation, the listing and search), never what the
withdrawn file said."""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from publisher.blobs import BlobStore
from publisher.ingest import ingest
from publisher.search import SearchQuery
from publisher.store import Store
from tests.cli.conftest import cli
from tests.ingest.craft import metadata_text, write_sdist, write_wheel

from .conftest import Mirror, fresh_index

SCRIPTS = "[console_scripts]\nfrobnicate = demo.cli:main\n"
FRESH = itertools.count()
CITATION = "cff-version: 1.2.0\nmessage: Cite it.\ntitle: {title}\nauthors:\n  - name: Ada\n"


def wheel(
    folder: Path,
    tag: str = "py3-none-any",
    summary: str = "from the wheel",
    requires: tuple[str, ...] = (),
    members: dict[str, str] | None = None,
) -> Path:
    lines = [f"Summary: {summary}", *(f"Requires-Dist: {r}" for r in requires)]
    folder.mkdir(parents=True, exist_ok=True)
    return write_wheel(
        folder, tag=tag, metadata=metadata_text("demo", "1.0", extra=lines), members=members
    )


def sdist(folder: Path, summary: str = "from the sdist", citation: str | None = None) -> Path:
    members = [("demo-1.0/CITATION.cff", citation.encode())] if citation else []
    metadata = metadata_text("demo", "1.0", extra=[f"Summary: {summary}"])
    return write_sdist(folder, metadata=metadata, members=members)


def shown(store: Store, tmp_path: Path, *args: str) -> object:
    """``ldindex ARGS`` (a JSON output) on the store's database, parsed."""
    result = cli(*args, "--db", store.url, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)


def assert_as_fresh(mirror: Mirror, tmp_path: Path, command: str = "frobnicate") -> Store:
    """The index says of demo what an index of the same folder built from scratch says,
    through the ``Store``, ``ldindex show`` and ``ldindex search``; returns the fresh one."""
    fresh = fresh_index(mirror.folder, tmp_path / f"fresh-{next(FRESH)}.db")
    try:
        ours, theirs = mirror.store.get_project("demo"), fresh.get_project("demo")
        assert replace(ours, generation=0) == replace(theirs, generation=0)
        assert mirror.store.listing_entry("demo") == fresh.listing_entry("demo")
        for text in (command, "sdist", "wheel"):
            query = SearchQuery.parse(text)
            assert mirror.store.search(query) == fresh.search(query), text
            args = ("search", text, "--json")
            assert shown(mirror.store, tmp_path, *args) == shown(fresh, tmp_path, *args)
        assert shown(mirror.store, tmp_path, "show", "demo") == shown(
            fresh, tmp_path, "show", "demo"
        )
    finally:
        fresh.close()
    return mirror.store


def test_a_wheel_withdrawn_beside_its_sdist_leaves_the_sdists_metadata(
    mirror: Mirror, tmp_path: Path
) -> None:
    gone = wheel(
        mirror.folder,
        requires=("wheel-only-dep",),
        members={"demo-1.0.dist-info/entry_points.txt": SCRIPTS},
    )
    kept = sdist(mirror.folder)
    mirror.run()
    release = mirror.store.get_release("demo", "1.0")
    assert release.metadata_source == gone.name and release.metadata["requires_dist"]
    assert mirror.store.listing_entry("demo").commands == ("frobnicate",)
    assert [e.name for e in mirror.store.search(SearchQuery.parse("frobnicate")).hits] == ["demo"]

    gone.unlink()
    assert mirror.run().removed == [gone.name]
    release = mirror.store.get_release("demo", "1.0")
    assert release.metadata_source == kept.name
    assert release.metadata["summary"] == "from the sdist"
    assert "requires_dist" not in release.metadata
    assert release.entry_points == {}
    assert release.created == mirror.store.get_file(kept.name).upload_time
    entry = mirror.store.listing_entry("demo")
    assert (entry.summary, entry.commands) == ("from the sdist", ())
    assert mirror.store.search(SearchQuery.parse("frobnicate")).hits == ()
    document = shown(mirror.store, tmp_path, "show", "demo")
    assert document["summary"] == "from the sdist"
    assert document["releases"][0]["metadata_source"] == kept.name
    assert document["releases"][0]["commands"] == {}
    assert_as_fresh(mirror, tmp_path)


def test_commands_and_citation_leave_with_the_wheel_that_carried_them(
    mirror: Mirror, tmp_path: Path
) -> None:
    # by path: the py2 wheel is read first and gives the metadata; the py3 wheel gives the
    # commands and the citation, which the sdist has too
    first = wheel(mirror.folder, "py2-none-any", "plain wheel")
    carrier = wheel(
        mirror.folder,
        "py3-none-any",
        "wheel with commands",
        members={
            "demo-1.0.dist-info/entry_points.txt": SCRIPTS,
            "demo/CITATION.cff": CITATION.format(title="Demo, as the wheel cites it"),
        },
    )
    sdist(mirror.folder, citation=CITATION.format(title="Demo, as the sdist cites it"))
    mirror.run()
    release = mirror.store.get_release("demo", "1.0")
    assert release.metadata_source == first.name
    assert release.entry_points == {"console_scripts": {"frobnicate": "demo.cli:main"}}
    assert release.citation.filename == carrier.name
    generation = mirror.store.generation()

    carrier.unlink()
    mirror.run()
    release = mirror.store.get_release("demo", "1.0")
    assert release.metadata_source == first.name
    assert release.metadata["summary"] == "plain wheel"
    assert release.entry_points == {}
    assert release.citation.data["title"] == "Demo, as the sdist cites it"
    assert release.citation.filename == "demo-1.0.tar.gz"
    assert mirror.store.listing_entry("demo").commands == ()
    assert mirror.store.search(SearchQuery.parse("frobnicate")).hits == ()
    assert mirror.store.generation() == generation + 1  # one write: withdrawal and all
    assert_as_fresh(mirror, tmp_path)


def test_a_release_losing_one_of_several_equal_wheels_takes_the_next_by_path(
    mirror: Mirror, tmp_path: Path
) -> None:
    # three wheels of one rank; a fresh index reads them in path order and keeps the first
    nested = wheel(mirror.folder / "a", "py3-none-any", "wheel in a/")
    py2 = wheel(mirror.folder, "py2-none-any", "py2 wheel", requires=("py2-dep",))
    both = wheel(mirror.folder, "py2.py3-none-any", "py2.py3 wheel", requires=("both-dep",))
    mirror.run()
    assert mirror.store.get_release("demo", "1.0").metadata_source == nested.name
    assert_as_fresh(mirror, tmp_path)
    for going, source, summary, requires in (
        (nested, py2, "py2 wheel", ["py2-dep"]),
        (py2, both, "py2.py3 wheel", ["both-dep"]),
    ):
        going.unlink()
        mirror.run()
        release = mirror.store.get_release("demo", "1.0")
        assert release.metadata_source == source.name
        assert release.metadata["summary"] == summary
        assert release.metadata["requires_dist"] == requires
        assert [f.filename for f in release.files] == sorted(
            p.name for p in mirror.folder.rglob("*.whl")
        )
        assert_as_fresh(mirror, tmp_path)


def test_a_kept_file_moved_in_the_same_change_is_read_where_it_lies_now(
    mirror: Mirror, tmp_path: Path
) -> None:
    gone = wheel(mirror.folder, members={"demo-1.0.dist-info/entry_points.txt": SCRIPTS})
    kept = sdist(mirror.folder)
    mirror.run()
    gone.unlink()
    (mirror.folder / "sdists").mkdir()
    kept.rename(mirror.folder / "sdists" / kept.name)
    report = mirror.run()
    assert (report.removed, report.moved) == ([gone.name], [f"sdists/{kept.name}"])
    release = mirror.store.get_release("demo", "1.0")
    assert (release.metadata_source, release.entry_points) == (kept.name, {})
    assert [e.target.filename for e in mirror.store.admin_events("demo")] == [gone.name]
    assert_as_fresh(mirror, tmp_path)


def test_a_kept_file_no_longer_holding_its_bytes_is_withdrawn_with_it(
    mirror: Mirror, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "ldindex.folder")
    gone = wheel(mirror.folder)
    kept = sdist(mirror.folder)
    mirror.run()
    # other bytes of the same size and modification time: the scan sees nothing change
    stat = kept.stat()
    data = bytearray(kept.read_bytes())
    data[4] ^= 0xFF  # the gzip header's timestamp: still a readable archive
    kept.write_bytes(bytes(data))
    os.utime(kept, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    gone.unlink()
    report = mirror.run()
    assert sorted(report.removed) == [gone.name, kept.name]
    assert mirror.store.get_project("demo") is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"{kept.name}: withdrawn with {gone.name}: it no longer holds the bytes indexed "
        "under its name"
    ]


def test_a_kept_file_in_the_file_store_is_read_from_there(
    mirror: Mirror, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gone = wheel(mirror.folder)
    elsewhere = sdist(tmp_path)  # ingested into the index's file store, not in the folder
    blobs = BlobStore(mirror.folder.parent / "files")
    assert [o.status for o in ingest([elsewhere], mirror.store, blobs)] == ["added"]
    mirror.run()
    assert mirror.store.get_release("demo", "1.0").metadata_source == gone.name
    stored = blobs.path(mirror.store.get_file(elsewhere.name).url_path)
    hidden = stored.with_name("hidden")
    stored.rename(hidden)
    # its bytes cannot be read: the withdrawal waits rather than leave the wheel's metadata
    gone.unlink()
    assert mirror.run().removed == []
    assert mirror.store.get_release("demo", "1.0").metadata_source == gone.name
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert said[-1].startswith(
        f"{gone.name}: withdrawal postponed: {elsewhere.name}, which stays in demo 1.0, "
        "could not be read again from the file store ("
    )
    hidden.rename(stored)
    assert mirror.run().removed == [gone.name]
    release = mirror.store.get_release("demo", "1.0")
    assert release.metadata_source == elsewhere.name
    assert release.metadata["summary"] == "from the sdist"
