"""``describe_file``: one file read, checked and described as ingest describes it, with
nothing stored, copied or extracted (what a withdrawal reads again of the files a release
keeps)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publisher.ingest import IngestError, IngestOptions, describe_file
from tests.citation_artefacts import write_citation_artefacts
from tests.conftest import SHARED_ARTEFACTS

from .conftest import Index

REQUESTS = ("requests-2.32.3-py3-none-any.whl", "requests-2.32.3.tar.gz")


def test_a_file_is_described_as_ingest_indexes_it(index: Index) -> None:
    paths = [SHARED_ARTEFACTS / name for name in REQUESTS]
    described = {p.name: describe_file(p, IngestOptions(upload_time="mtime")) for p in paths}
    assert [o.status for o in index.run(paths, upload_time="mtime")] == ["added"] * 2
    for name, new in described.items():
        assert new.file == index.store.get_file(name)
        assert new.metadata_bytes == index.store.metadata_bytes(name)
    wheel, sdist = (described[n] for n in REQUESTS)
    assert (wheel.metadata_rank, sdist.metadata_rank) == (3, 2)
    release = index.store.get_release("requests", "2.32.3")
    assert release.metadata == wheel.metadata and release.metadata_source == REQUESTS[0]
    assert sdist.metadata["name"] == "requests" and sdist.metadata != wheel.metadata


def test_extras_are_described_as_ingest_keeps_them_and_nothing_is_written(
    index: Index, tmp_path: Path
) -> None:
    paths = write_citation_artefacts(tmp_path / "folder")
    before = sorted(tmp_path.rglob("*"))
    described = {p.name: describe_file(p) for p in paths}
    assert sorted(tmp_path.rglob("*")) == before
    index.run(paths)
    for name, new in described.items():
        release = index.store.get_release(new.file.project, new.file.version)
        if release.citation is not None and release.citation.filename == name:
            assert new.citation == release.citation
        if new.entry_points:
            assert new.entry_points == release.entry_points
    assert sum(new.citation is not None for new in described.values()) >= 2
    assert sum(bool(new.entry_points) for new in described.values()) == 1


def test_a_file_that_cannot_be_indexed_raises_naming_why(tmp_path: Path) -> None:
    broken = tmp_path / "broken-1.0-py3-none-any.whl"
    broken.write_bytes(b"not a zip")
    with pytest.raises(IngestError, match="not a readable zip"):
        describe_file(broken)
    renamed = tmp_path / "other-2.32.3-py3-none-any.whl"
    shutil.copyfile(SHARED_ARTEFACTS / REQUESTS[0], renamed)
    with pytest.raises(IngestError, match="is not named after the wheel's name and version"):
        describe_file(renamed)
    with pytest.raises(FileNotFoundError):
        describe_file(tmp_path / "gone-1.0-py3-none-any.whl")
