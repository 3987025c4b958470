"""Legacy formats, signatures, re-ingest, filename reuse and per-batch labels."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from publisher.ingest.filenames import UnrecognisedFilename, parse_artefact_filename

from .conftest import Index
from .craft import metadata_text, write_sdist, write_wheel, write_zip


@pytest.mark.parametrize(
    ("filename", "packagetype", "name", "version", "platform"),
    [
        ("Foo_Bar-1.2-py2.7.egg", "bdist_egg", "foo-bar", "1.2", None),
        ("lxml-2.3-py2.7-linux-x86_64.egg", "bdist_egg", "lxml", "2.3", "linux-x86_64"),
        ("pywin32-1.0.win32-py2.7.exe", "bdist_wininst", "pywin32", "1.0", "win32"),
        ("numpy-1.9.2.win-amd64-py3.4.exe", "bdist_wininst", "numpy", "1.9.2", "win-amd64"),
        ("psycopg2-2.7.win-amd64-py3.6.msi", "bdist_msi", "psycopg2", "2.7", "win-amd64"),
        ("foo-1.0-1.noarch.rpm", "bdist_rpm", "foo", "1.0", "noarch"),
        ("foo-1.0-py2.7-macosx10.9.dmg", "bdist_dmg", "foo", "1.0", "macosx10.9"),
        ("foo-1.0.tar.bz2", "sdist", "foo", "1.0", None),
        ("foo-1.0.tgz", "sdist", "foo", "1.0", None),
        ("foo-1.0.tar.gz", "sdist", "foo", "1.0", None),
        ("foo-1.0.zip", "sdist", "foo", "1.0", None),
    ],
)
def test_filenames_are_recognised(
    filename: str, packagetype: str, name: str, version: str, platform: str | None
) -> None:
    parsed = parse_artefact_filename(filename)
    assert (parsed.packagetype, parsed.name, parsed.version, parsed.platform) == (
        packagetype,
        name,
        version,
        platform,
    )


@pytest.mark.parametrize("filename", ["foo.txt", "foo-1.0.rar", "nodash.tar.gz", "x-1-2.whl"])
def test_unknown_filenames_are_refused(filename: str) -> None:
    with pytest.raises(UnrecognisedFilename, match=re.escape(filename)):
        parse_artefact_filename(filename)


def test_egg_and_wininst_pkg_info_are_read(index: Index, tmp_path: Path) -> None:
    egg = write_zip(
        tmp_path / "eggy-1.0-py2.7.egg",
        {
            "EGG-INFO/PKG-INFO": metadata_text("eggy", "1.0", "1.1", ["Summary: an egg"]),
            "eggy/__init__.py": "",
        },
    )
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr(
            "PURELIB/winny-2.0-py2.7.egg-info/PKG-INFO",
            metadata_text("winny", "2.0", "1.0", ["Summary: a wininst"]),
        )
        archive.writestr("PURELIB/winny.py", "")
    exe = tmp_path / "winny-2.0.win32-py2.7.exe"
    exe.write_bytes(b"MZ" + b"\0" * 4000 + inner.getvalue())  # an installer stub, then the zip

    outcomes = index.run([egg, exe])
    assert [o.status for o in outcomes] == ["added", "added"]
    for name, version, packagetype, summary in [
        ("eggy", "1.0", "bdist_egg", "an egg"),
        ("winny", "2.0", "bdist_wininst", "a wininst"),
    ]:
        release = index.store.get_release(name, version)
        assert release is not None
        assert release.metadata["summary"] == summary
        assert release.files[0].packagetype == packagetype
        assert release.files[0].verified is True
    wininst = index.store.get_file(exe.name)
    assert wininst is not None
    assert [(p.os, p.architectures) for p in wininst.platforms] == [("windows", ("x86",))]


@pytest.mark.parametrize(
    ("filename", "packagetype"),
    [
        ("blob-1.0.win-amd64-py3.6.msi", "bdist_msi"),
        ("blob-1.0-1.x86_64.rpm", "bdist_rpm"),
        ("blob-1.0-py2.7-macosx10.9.dmg", "bdist_dmg"),
    ],
)
def test_formats_without_metadata_are_recorded_from_the_filename(
    index: Index, tmp_path: Path, filename: str, packagetype: str
) -> None:
    path = tmp_path / filename
    path.write_bytes(b"opaque installer bytes")
    (outcome,) = index.run([path])
    assert outcome.status == "added", outcome.message
    stored = index.store.get_file(filename)
    assert stored is not None
    assert (stored.packagetype, stored.project, stored.version) == (packagetype, "blob", "1.0")
    assert stored.metadata_sha256 is None
    assert stored.platforms, "the platform in the filename is a fact too"
    assert stored.verified is False, "nothing in an opaque installer was checked"


@pytest.mark.parametrize("suffix", [".tar.bz2", ".tgz", ".tar.xz", ".tar"])
def test_other_sdist_compressions(index: Index, tmp_path: Path, suffix: str) -> None:
    sdist = write_sdist(tmp_path, "compressed", "3.1", suffix=suffix)
    (outcome,) = index.run([sdist])
    assert outcome.status == "added", outcome.message
    assert index.store.metadata_bytes(sdist.name) == metadata_text("compressed", "3.1").encode()
    # a compressed stream's check covers every member; a plain tar carries no checksum
    assert index.store.get_file(sdist.name).verified is (suffix != ".tar")


def test_signature_is_stored(index: Index, tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, "signed")
    armour = "-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n"
    (tmp_path / f"{wheel.name}.asc").write_text(armour)
    unsigned = write_wheel(tmp_path, "fake")
    (tmp_path / f"{unsigned.name}.asc").write_text("not a signature")
    outcomes = index.run([tmp_path])
    assert sorted(o.path.name for o in outcomes) == sorted([wheel.name, unsigned.name])
    signed = index.store.get_file(wheel.name)
    assert signed is not None and signed.signature == armour
    fake = index.store.get_file(unsigned.name)
    assert fake is not None and fake.signature is None
    assert any("not an ASCII-armoured PGP signature" in w for o in outcomes for w in o.warnings)


def test_reingest_is_a_no_op(index: Index, tmp_path: Path) -> None:
    paths = [write_wheel(tmp_path, "again"), write_sdist(tmp_path, "again")]
    assert [o.status for o in index.run(paths)] == ["added", "added"]
    generation = index.store.generation()
    before = index.store.get_project("again")
    blobs = index.blob_names()
    assert [o.status for o in index.run(paths)] == ["skipped", "skipped"]
    assert index.store.generation() == generation
    assert index.store.get_project("again") == before
    assert index.blob_names() == blobs


def test_same_filename_other_bytes_is_refused(index: Index, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_wheel(tmp_path / "a", "reuse")
    second = write_wheel(tmp_path / "b", "reuse", members={"reuse/extra.py": "y = 2\n"})
    assert first.name == second.name
    assert index.run([first])[0].status == "added"
    original = index.store.get_file(first.name)
    (outcome,) = index.run([second])
    assert outcome.status == "failed"
    assert str(second) in outcome.message
    assert "already indexed with different contents" in outcome.message
    assert index.store.get_file(first.name) == original
    assert index.blob_names() == [first.name]


def test_reuse_within_one_batch_is_refused(index: Index, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_wheel(tmp_path / "a", "twice")
    second = write_wheel(tmp_path / "b", "twice", members={"twice/extra.py": "y = 2\n"})
    outcomes = index.run([first, second])
    assert [o.status for o in outcomes] == ["added", "failed"]
    assert "different contents" in outcomes[1].message
    stored = index.store.get_file(first.name)
    assert stored is not None
    assert index.blobs.path(stored.url_path).read_bytes() == first.read_bytes()
    assert index.blob_names() == [first.name]


def test_variant_and_comment_are_stored(index: Index, tmp_path: Path) -> None:
    plain = write_wheel(tmp_path, "labelled")
    built = write_wheel(tmp_path, "built", tag="7-py3-none-any")
    index.run([plain], variant="cuda12", comment="built on CI")
    index.run([built])
    labelled = index.store.get_file(plain.name)
    assert labelled is not None
    assert (labelled.variant, labelled.comment) == ("cuda12", "built on CI")
    tagged = index.store.get_file(built.name)
    assert tagged is not None
    assert (tagged.build_tag, tagged.variant, tagged.comment) == ("7", "7", None)
