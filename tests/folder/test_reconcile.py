"""Reconciling a folder of real artefacts with an index: the folder is the truth."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from publisher.blobs import BlobStore
from publisher.file_sources import index_files
from publisher.files import find_file
from publisher.folder.scan import FolderError
from publisher.folder.settle import Settling
from publisher.ingest import ingest
from tests.conftest import SHARED_ARTEFACTS
from tests.ingest.craft import write_wheel

from .conftest import (
    IDNA,
    NEW_MARKUPSAFE,
    OLD_MARKUPSAFE,
    SIX_SDIST,
    SIX_WHEEL,
    Mirror,
    make_mirror,
)


def messages(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "ldindex.folder" and r.levelno == level
    ]


def test_new_files_are_indexed_where_they_lie(mirror: Mirror, caplog) -> None:
    caplog.set_level(logging.INFO, "ldindex.folder")
    wheel = mirror.put(SIX_WHEEL)
    mirror.put(IDNA, "sub/dir")
    os.utime(wheel, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    report = mirror.run()
    assert sorted(report.added) == [SIX_WHEEL, f"sub/dir/{IDNA}"]
    assert (report.removed, report.refused, report.waiting) == ([], [], [])
    assert mirror.indexed() == {SIX_WHEEL, IDNA}
    record = mirror.store.get_file(SIX_WHEEL)
    assert record.upload_time == datetime.fromtimestamp(1_600_000_000, UTC)  # the file's mtime
    entries = {e.path: e for e in mirror.store.folder_entries()}
    assert set(entries) == {SIX_WHEEL, f"sub/dir/{IDNA}"}
    assert entries[SIX_WHEEL].size == wheel.stat().st_size
    assert f"added {SIX_WHEEL} (six 1.16.0)" in messages(caplog)
    # no second copy: the bytes are served from the folder
    assert not (mirror.folder.parent / "files").exists()
    files = index_files(mirror.store, mirror.folder.parent / "files")
    found = find_file(mirror.store, files, f"{record.url_path}")
    assert found.path == wheel and found.read() == wheel.read_bytes()
    again = mirror.run()
    assert (again.added, again.unchanged) == ([], 2)


def test_files_that_disappear_are_withdrawn_with_their_release_and_project(
    mirror: Mirror, caplog
) -> None:
    caplog.set_level(logging.INFO, "ldindex.folder")
    wheel = mirror.put(SIX_WHEEL)
    sdist = mirror.put(SIX_SDIST)
    mirror.put(IDNA)
    mirror.run()
    generation = mirror.store.generation()
    wheel.unlink()
    report = mirror.run()
    assert report.removed == [SIX_WHEEL]
    assert mirror.store.get_release("six", "1.16.0") is not None
    assert mirror.store.changed_since(generation) == ["six"]
    sdist.unlink()
    mirror.run()
    assert mirror.store.get_project("six") is None
    assert mirror.store.project_names() == ["idna"]
    assert "six 1.16.0 has no files left; six is gone from the index" in messages(caplog)
    assert [e.action for e in mirror.store.admin_events("six")] == ["remove", "remove"]
    assert mirror.store.admin_events("six")[0].reason == "no longer in the folder"


def test_changed_bytes_under_a_published_name_are_withdrawn_and_refused(
    mirror: Mirror, caplog
) -> None:
    caplog.set_level(logging.INFO, "ldindex.folder")
    first = write_wheel(mirror.folder, members={"demo/__init__.py": "x = 1\n"})
    kept = first.read_bytes()
    mirror.run()
    rebuilt = write_wheel(mirror.folder, members={"demo/__init__.py": "x = 2\n"})  # same name
    assert rebuilt == first and rebuilt.read_bytes() != kept
    report = mirror.run()
    assert report.removed == [first.name] and report.refused == [first.name]
    assert mirror.store.get_project("demo") is None
    warnings = messages(caplog, logging.WARNING)
    assert len(warnings) == 1 and warnings[0].startswith(
        f"{first.name}: refused: its bytes changed"
    )
    assert mirror.run().refused == [] and len(messages(caplog, logging.WARNING)) == 1  # once
    assert mirror.store.get_file(first.name) is None  # the old digest is served nowhere
    # a restart reads it again, and the index refuses the reuse of the name
    restarted = make_mirror(mirror.folder.parent)
    report = restarted.run()
    assert report.refused == [first.name] and report.added == []
    assert messages(caplog, logging.WARNING)[-1].endswith(
        "was published with other contents (sha256 "
        f"{hashlib.sha256(kept).hexdigest()}) and withdrawn; a filename can be used only once"
    )
    # the original bytes back: published again
    first.write_bytes(kept)
    assert restarted.run().added == [first.name]
    assert restarted.indexed() == {first.name}
    restarted.store.close()


def test_a_touch_or_a_copy_of_the_same_bytes_only_updates_the_entry(mirror: Mirror) -> None:
    wheel = mirror.put(SIX_WHEEL)
    mirror.run()
    generation = mirror.store.generation()
    os.utime(wheel, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    report = mirror.run()
    assert not report.changed and report.refused == []
    assert mirror.store.folder_entry(SIX_WHEEL).mtime_ns == 1_700_000_000_000_000_000
    assert mirror.store.generation() == generation  # no page changed


def test_a_file_moved_within_the_folder_keeps_its_record(mirror: Mirror) -> None:
    wheel = mirror.put(SIX_WHEEL)
    mirror.run()
    created = mirror.store.get_file(SIX_WHEEL)
    (mirror.folder / "moved").mkdir()
    wheel.rename(mirror.folder / "moved" / SIX_WHEEL)
    report = mirror.run()
    assert report.moved == [f"moved/{SIX_WHEEL}"] and report.removed == []
    assert mirror.store.get_file(SIX_WHEEL) == created
    assert mirror.store.folder_entry(SIX_WHEEL).path == f"moved/{SIX_WHEEL}"


def test_a_file_moved_with_other_bytes_is_refused_and_the_old_record_goes(mirror: Mirror) -> None:
    wheel = mirror.put(SIX_WHEEL)
    mirror.run()
    wheel.unlink()
    mirror.put(IDNA, "elsewhere", as_name=SIX_WHEEL)
    report = mirror.run()
    assert report.refused == [f"elsewhere/{SIX_WHEEL}"] and report.removed == [SIX_WHEEL]
    assert mirror.indexed() == set()


def test_a_second_file_of_a_published_name_is_skipped_once(mirror: Mirror, caplog) -> None:
    caplog.set_level(logging.INFO, "ldindex.folder")
    mirror.put(SIX_WHEEL)
    mirror.run()
    mirror.put(SIX_WHEEL, "copy")
    mirror.run()
    mirror.run()
    assert messages(caplog, logging.WARNING) == [
        f"copy/{SIX_WHEEL}: skipped: {SIX_WHEEL} already publishes a file of that name"
    ]
    assert mirror.store.folder_entry(SIX_WHEEL).path == SIX_WHEEL
    # when the first goes, the second takes over without the file leaving the index
    (mirror.folder / SIX_WHEEL).unlink()
    report = mirror.run()
    assert report.moved == [f"copy/{SIX_WHEEL}"] and report.removed == []


def test_a_bad_file_is_reported_once_and_read_again_when_it_changes(mirror: Mirror, caplog) -> None:
    caplog.set_level(logging.INFO, "ldindex.folder")
    bad = mirror.folder / "broken-1.0-py3-none-any.whl"
    bad.write_bytes(b"not a zip")
    mirror.put(IDNA)
    report = mirror.run()
    assert report.refused == [bad.name] and report.added == [IDNA]
    said = messages(caplog, logging.WARNING)
    assert len(said) == 1 and said[0].startswith(f"{bad.name}: skipped: not a readable zip")
    assert mirror.run().refused == [] and len(messages(caplog, logging.WARNING)) == 1
    shutil.copyfile(SHARED_ARTEFACTS / SIX_WHEEL, bad)  # fixed (name and contents disagree)
    report = mirror.run()
    assert report.refused == [bad.name]
    said = messages(caplog, logging.WARNING)  # read again, refused for its new reason
    assert len(said) == 2 and said[-1].startswith(f"{bad.name}: skipped: ")
    assert "zip" not in said[-1] and "six" in said[-1]


def test_files_still_being_written_wait_until_they_rest(tmp_path: Path) -> None:
    mirror = make_mirror(tmp_path, Settling(30.0))  # the real clock: nothing rests 30 s here
    try:
        mirror.put(SIX_WHEEL)
        report = mirror.run()
        assert report.waiting == [SIX_WHEEL] and report.added == []
        assert 25 < report.next_check <= 30
        assert mirror.indexed() == set()
    finally:
        mirror.store.close()


def test_a_restart_picks_up_what_changed_while_nothing_watched(tmp_path: Path) -> None:
    first = make_mirror(tmp_path)
    first.put(SIX_WHEEL)
    gone = first.put(IDNA)
    first.run()
    first.store.close()
    gone.unlink()
    first.put(SIX_SDIST)
    second = make_mirror(tmp_path)
    try:
        report = second.run()
        assert report.added == [SIX_SDIST] and report.removed == [IDNA]
        assert report.unchanged == 1
        assert second.indexed() == {SIX_WHEEL, SIX_SDIST}
    finally:
        second.store.close()


def test_files_ingested_into_the_file_store_are_adopted_or_left_alone(mirror: Mirror) -> None:
    blobs = BlobStore(mirror.folder.parent / "files")
    ingest([SHARED_ARTEFACTS / SIX_WHEEL, SHARED_ARTEFACTS / IDNA], mirror.store, blobs)
    mirror.put(SIX_WHEEL)
    report = mirror.run()
    assert report.moved == [SIX_WHEEL] and report.removed == []
    assert mirror.store.folder_entry(SIX_WHEEL) is not None
    assert mirror.store.folder_entry(IDNA) is None  # never in the folder: not the folder's
    files = index_files(mirror.store, blobs.root)
    assert files.locate(mirror.store.get_file(SIX_WHEEL)).path == mirror.folder / SIX_WHEEL
    assert files.locate(mirror.store.get_file(IDNA)).immutable
    (mirror.folder / SIX_WHEEL).unlink()
    assert mirror.run().removed == [SIX_WHEEL]
    assert mirror.indexed() == {IDNA}


def test_the_file_store_inside_the_folder_is_never_scanned(tmp_path: Path) -> None:
    mirror = make_mirror(tmp_path)
    try:
        inside = mirror.folder / "files"
        mirror.reconciler.exclude = (inside,)
        blobs = BlobStore(inside)
        ingest([SHARED_ARTEFACTS / IDNA], mirror.store, blobs)
        report = mirror.run()
        assert report.added == [] and report.refused == [] and report.moved == []
    finally:
        mirror.store.close()


def test_two_versions_then_the_old_one_goes(mirror: Mirror) -> None:
    old = mirror.put(OLD_MARKUPSAFE)
    mirror.run()
    mirror.put(NEW_MARKUPSAFE)
    mirror.run()
    listing = {p.name: p.latest_version for p in mirror.store.project_listing()}
    assert listing == {"markupsafe": "3.0.2"}
    old.unlink()
    mirror.run()
    project = mirror.store.get_project("markupsafe")
    assert [r.version for r in project.releases] == ["3.0.2"]


def test_an_unreadable_folder_leaves_the_index_as_it_is(mirror: Mirror) -> None:
    mirror.put(SIX_WHEEL)
    mirror.run()
    moved = mirror.folder.with_name("elsewhere")
    mirror.folder.rename(moved)
    with pytest.raises(FolderError):
        mirror.run()
    assert mirror.indexed() == {SIX_WHEEL}
