"""The reconciliation plan: what changes, decided from a scan and the index's entries alone."""

from __future__ import annotations

from publisher.folder.reconcile import plan
from publisher.folder.scan import Seen
from publisher.store import FolderEntry


def seen(size: int = 10, mtime: int = 1) -> Seen:
    return Seen(size, mtime, mtime)


def entry(path: str, size: int = 10, mtime: int = 1) -> FolderEntry:
    return FolderEntry(path.rsplit("/", 1)[-1], path, size, mtime)


def always(path: str, stat: Seen) -> bool:
    return True


def test_new_unchanged_changed_and_gone() -> None:
    files = {"a-1.0.tar.gz": seen(), "b-1.0.tar.gz": seen(size=11), "new-1.0.tar.gz": seen()}
    entries = [entry("a-1.0.tar.gz"), entry("b-1.0.tar.gz"), entry("old-1.0.tar.gz")]
    decided = plan(files, entries, always, {})
    assert decided.unchanged == 1
    assert decided.check == [("b-1.0.tar.gz", entries[1])]
    assert decided.ingest == ["new-1.0.tar.gz"]
    assert decided.gone == [entries[2]] and decided.held == []


def test_only_a_touch_of_mtime_is_checked_too() -> None:
    decided = plan({"a-1.0.tar.gz": seen(mtime=2)}, [entry("a-1.0.tar.gz")], always, {})
    assert [p for p, _ in decided.check] == ["a-1.0.tar.gz"]


def test_files_still_being_written_wait() -> None:
    files = {"a-1.0.tar.gz": seen(size=12), "new-1.0.tar.gz": seen()}
    decided = plan(files, [entry("a-1.0.tar.gz")], lambda path, stat: False, {})
    assert decided.waiting == ["a-1.0.tar.gz", "new-1.0.tar.gz"]
    assert decided.ingest == [] and decided.check == []


def test_a_refused_file_is_left_alone_until_it_changes() -> None:
    files = {"bad-1.0.tar.gz": seen()}
    assert plan(files, [], always, {"bad-1.0.tar.gz": seen()}).ingest == []
    assert plan(files, [], always, {"bad-1.0.tar.gz": seen(mtime=0)}).ingest == ["bad-1.0.tar.gz"]


def test_a_move_within_the_folder_holds_the_record_instead_of_removing_it() -> None:
    moved = entry("old/x-1.0.tar.gz")
    decided = plan({"new/x-1.0.tar.gz": seen()}, [moved], always, {})
    assert decided.ingest == ["new/x-1.0.tar.gz"]
    assert decided.held == [moved] and decided.gone == []
    # still being written at its new place: the record waits with it
    waiting = plan({"new/x-1.0.tar.gz": seen()}, [moved], lambda p, s: False, {})
    assert waiting.held == [moved] and waiting.waiting == ["new/x-1.0.tar.gz"]
    # refused at its new place (other bytes): the old record goes
    refused = plan({"new/x-1.0.tar.gz": seen()}, [moved], always, {"new/x-1.0.tar.gz": seen()})
    assert refused.gone == [moved] and refused.ingest == []


def test_a_second_file_of_the_same_name_is_a_duplicate() -> None:
    files = {"a/x-1.0.tar.gz": seen(), "b/x-1.0.tar.gz": seen(), "c/y-1.0.tar.gz": seen()}
    served = entry("b/x-1.0.tar.gz")
    decided = plan(files, [served], always, {})
    assert decided.duplicates == [("a/x-1.0.tar.gz", "b/x-1.0.tar.gz")]
    assert decided.unchanged == 1 and decided.ingest == ["c/y-1.0.tar.gz"]
    # two new ones: the first in path order is read, the other is a duplicate of it
    fresh = plan({"a/y-1.0.tar.gz": seen(), "b/y-1.0.tar.gz": seen()}, [], always, {})
    assert fresh.ingest == ["a/y-1.0.tar.gz"]
    assert fresh.duplicates == [("b/y-1.0.tar.gz", "a/y-1.0.tar.gz")]
