"""Where a file's bytes are read from: the served folder or the file store, one protocol."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher.blobs import BlobStore
from publisher.file_sources import FileNotFound, FileSource, FirstFound, FolderFiles, index_files
from publisher.files import find_file
from publisher.store import FolderEntry

from .conftest import IDNA, SIX_WHEEL, Mirror


def test_every_source_speaks_the_protocol(mirror: Mirror, tmp_path: Path) -> None:
    for source in (
        BlobStore(tmp_path),
        FolderFiles(mirror.store),
        index_files(mirror.store, tmp_path),
    ):
        assert isinstance(source, FileSource)


def test_folder_files_are_served_only_while_unchanged(mirror: Mirror) -> None:
    wheel = mirror.put(SIX_WHEEL)
    mirror.run()
    record = mirror.store.get_file(SIX_WHEEL)
    source = FolderFiles(mirror.store)
    found = source.locate(record)
    assert found is not None and found.path == wheel and not found.immutable
    # rewritten in place, before any watcher noticed: never served under the old digest
    wheel.write_bytes(wheel.read_bytes()[:-10])
    with pytest.raises(FileNotFound, match="changed in the served folder"):
        source.locate(record)
    with pytest.raises(FileNotFound, match="changed in the served folder"):
        find_file(mirror.store, source, record.url_path)
    wheel.unlink()
    with pytest.raises(FileNotFound, match="no longer in the served folder"):
        source.locate(record)


def test_a_recorded_place_outside_the_folder_is_refused(mirror: Mirror) -> None:
    mirror.put(SIX_WHEEL)
    mirror.run()
    record = mirror.store.get_file(SIX_WHEEL)
    outside = mirror.folder.parent / SIX_WHEEL
    outside.write_bytes(b"secret")
    info = outside.stat()
    mirror.store.record_folder_entry(
        FolderEntry(SIX_WHEEL, f"../{SIX_WHEEL}", info.st_size, info.st_mtime_ns)
    )
    with pytest.raises(FileNotFound, match="outside the folder"):
        FolderFiles(mirror.store).locate(record)


def test_the_root_follows_the_index_and_sources_are_asked_in_turn(
    mirror: Mirror, tmp_path: Path
) -> None:
    mirror.put(SIX_WHEEL)
    mirror.run()
    record = mirror.store.get_file(SIX_WHEEL)
    source = FolderFiles(mirror.store)
    assert source.root == mirror.folder
    moved = tmp_path / "moved"
    os.rename(mirror.folder, moved)
    mirror.store.set_folder_root(str(moved))  # the folder moved: entries are relative
    assert source.locate(record).path == moved / SIX_WHEEL
    assert FolderFiles(mirror.store, root=tmp_path / "other").root == tmp_path / "other"
    blobs = BlobStore(tmp_path / "blobs")
    assert FirstFound([source, blobs]).locate(record).path == moved / SIX_WHEEL


def test_an_index_without_a_folder_reads_its_file_store(tmp_path: Path) -> None:
    from publisher.ingest import ingest
    from publisher.store import open_store
    from tests.conftest import SHARED_ARTEFACTS

    store = open_store(f"sqlite:///{tmp_path / 'i.db'}")
    try:
        blobs = BlobStore(tmp_path / "files")
        ingest([SHARED_ARTEFACTS / IDNA], store, blobs)
        record = store.get_file(IDNA)
        assert FolderFiles(store).locate(record) is None
        found = index_files(store, blobs.root).locate(record)
        assert found.path == blobs.path(record.url_path) and found.immutable
        blobs.path(record.url_path).unlink()
        assert index_files(store, blobs.root).locate(record) is None
        with pytest.raises(FileNotFound, match="missing from the file store"):
            find_file(store, index_files(store, blobs.root), record.url_path)
    finally:
        store.close()
