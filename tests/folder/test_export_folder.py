"""A static export of an index that mirrors a folder: artefacts copied from the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.export import ExportError, build_site
from publisher.file_sources import index_files
from tests.cli.conftest import run

from .conftest import IDNA, SIX_WHEEL, Mirror


def test_export_copies_folder_files_and_never_links_them(mirror: Mirror, tmp_path: Path) -> None:
    wheel = mirror.put(SIX_WHEEL)
    mirror.put(IDNA, "sub")
    mirror.run()
    files = index_files(mirror.store, tmp_path / "files")
    report = build_site(mirror.store, files, tmp_path / "site", "http://x")
    assert (report.files_copied, report.files_linked) == (2, 0)
    record = mirror.store.get_file(SIX_WHEEL)
    exported = tmp_path / "site" / "files" / record.url_path
    assert exported.read_bytes() == wheel.read_bytes()
    # the owner may rewrite the folder's file in place: the export must not change with it
    assert exported.stat().st_ino != wheel.stat().st_ino
    wheel.write_bytes(b"rewritten")
    with pytest.raises(ExportError, match="changed in the served folder"):
        build_site(mirror.store, files, tmp_path / "again", "http://x")
    assert not (tmp_path / "again").exists()


def test_ldindex_build_finds_the_folder_of_the_index(mirror: Mirror, tmp_path: Path) -> None:
    mirror.put(SIX_WHEEL)
    mirror.run()
    url = mirror.store.url
    mirror.store.close()
    done = run("build", tmp_path / "site", "--db", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 file" in done.stderr
    assert list((tmp_path / "site" / "files").rglob(SIX_WHEEL))
