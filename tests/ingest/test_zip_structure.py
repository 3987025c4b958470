"""The zip structure walk: it agrees with zipfile on every real archive, accepts well-formed
ZIP64 and installer stubs where a format has them, and hands the content pass exact offsets."""

from __future__ import annotations

import io
import tempfile
import zipfile
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.ingest.archives import ArchiveError, Limits, read_archive
from publisher.ingest.filenames import parse_artefact_filename
from publisher.ingest.wheelcheck import check_wheel
from publisher.ingest.zipcheck import check_zip
from tests.conftest import SHARED_ARTEFACTS, shared_artefacts

from .conftest import Index
from .craft import metadata_text, record_text, wheel_content
from .rawzip import build_zip
from .zip_cases import STUB, ZIP_CASES, wheel_members, write_raw

ZIPS = [p.name for p in shared_artefacts() if p.suffix in (".whl", ".zip")]


@pytest.mark.parametrize("filename", ZIPS)
def test_layout_matches_zipfile(filename: str) -> None:
    """Names, sizes and CRCs as zipfile lists them; data offsets where the bytes really are."""
    path = SHARED_ARTEFACTS / filename
    with path.open("rb") as source:
        layout = check_zip(source, max_members=100_000)
    assert layout.start == 0
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert [(m.name, m.size, m.compressed_size, m.crc) for m in layout.members] == [
            (i.filename, i.file_size, i.compress_size, i.CRC) for i in infos
        ]
        data = path.read_bytes()
        for member, info in zip(layout.members, infos, strict=True):
            if info.compress_type == zipfile.ZIP_STORED and member.size:
                raw = data[member.data_offset : member.data_offset + member.size]
                assert raw == archive.read(info)


def test_raw_wheel_is_accepted_and_verified(index: Index, tmp_path: Path) -> None:
    """The hand-built wheels of the refusal cases are sound when nothing is broken."""
    path = write_raw(tmp_path, "rawok", build_zip(wheel_members("rawok")))
    (outcome,) = index.run([path])
    assert outcome.status == "added", outcome.message
    stored = index.store.get_file(path.name)
    assert stored is not None and stored.verified is True


def test_zip64_end_record_is_accepted(index: Index, tmp_path: Path) -> None:
    path = write_raw(
        tmp_path, "zipsixtyfour", build_zip(wheel_members("zipsixtyfour"), zip64_end=True)
    )
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
    (outcome,) = index.run([path])
    assert outcome.status == "added", outcome.message


def test_zip64_member_fields_are_accepted(index: Index, tmp_path: Path) -> None:
    """zipfile's own ZIP64 local extra fields (forced on small members) are well formed."""
    content = wheel_content("forced")
    record = "forced-1.0.dist-info/RECORD"
    content[record] = record_text(content, record)
    path = tmp_path / "forced-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            with archive.open(name, "w", force_zip64=True) as stream:
                stream.write(data.encode() if isinstance(data, str) else data)
    assert b"\x01\x00\x10\x00" in path.read_bytes()  # a 16-byte ZIP64 extra block is there
    (outcome,) = index.run([path])
    assert outcome.status == "added", outcome.message


def test_executable_egg_keeps_its_stub(index: Index, tmp_path: Path) -> None:
    """Eggs (and bdist_wininst installers) may follow a stub; a wheel or zip sdist may not."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("EGG-INFO/PKG-INFO", metadata_text("stubbed", "1.0", "1.1"))
        archive.writestr("stubbed.py", "")
    egg = tmp_path / "stubbed-1.0-py2.7.egg"
    egg.write_bytes(STUB + inner.getvalue())
    (outcome,) = index.run([egg])
    assert outcome.status == "added", outcome.message
    with egg.open("rb") as source:
        assert check_zip(source, 10, allow_stub=True).start == len(STUB)
        with pytest.raises(ArchiveError, match=r"\d+ bytes of data come before the archive"):
            check_zip(source, 10)


def test_archive_after_another_archive_is_refused_even_with_a_stub(tmp_path: Path) -> None:
    first = build_zip(wheel_members("first"))
    path = tmp_path / "both.egg"
    path.write_bytes(first + build_zip(wheel_members("second")))
    with path.open("rb") as source, pytest.raises(ArchiveError, match="another archive comes"):
        check_zip(source, 100, allow_stub=True)


def test_member_limit_is_checked_before_the_directory_is_read(tmp_path: Path) -> None:
    path = write_raw(tmp_path, "limit", build_zip(wheel_members("limit")))
    with path.open("rb") as source, pytest.raises(ArchiveError, match=r"4 members \(limit 3\)"):
        check_zip(source, max_members=3)


SMALL_WHEEL = build_zip(wheel_members("fuzz", {"fuzz/data.bin": bytes(range(256)) * 8}))


@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(SMALL_WHEEL) - 1), st.integers(0, 255)), max_size=4
    ),
    cut=st.integers(0, len(SMALL_WHEEL)),
)
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_any_damage_reads_or_raises_archive_error(edits: list[tuple[int, int]], cut: int) -> None:
    """Whatever the bytes, reading a wheel (structure, consistency, content) either raises
    ArchiveError, never another exception, or succeeds on what zipfile reads whole too."""
    data = bytearray(SMALL_WHEEL)
    for at, value in edits:
        data[at] = value
    artefact = parse_artefact_filename("fuzz-1.0-py3-none-any.whl")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / artefact.filename
        path.write_bytes(bytes(data[:cut] if cut else data))
        try:
            read_archive(path, "zip", "bdist_wheel", Limits(), partial(check_wheel, artefact))
        except ArchiveError:
            return
        with zipfile.ZipFile(path) as archive:  # what was accepted, zipfile reads whole
            assert archive.testzip() is None


@pytest.mark.parametrize(
    "case_id",
    [
        "zip-member-only-in-local-headers",
        "zip-second-local-copy",
        "zip-trailing-data",
        "zip-two-archives-concatenated",
        "zip-unknown-record-between-members",
        "zip-unicode-path-names-another-file",
    ],
)
def test_zipfile_alone_accepts_the_confusion_cases(case_id: str, tmp_path: Path) -> None:
    """These archives read cleanly through zipfile (as pip reads them), so only the record
    walk tells that another reader sees something else."""
    (case,) = [c for c in ZIP_CASES if c.id == case_id]
    path = case.build(tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert "x/evil.py" not in archive.namelist()
        assert not any("evil" in name for name in archive.namelist())
