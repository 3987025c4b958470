"""The real artefacts from PyPI: every one ingests, with digests, metadata and facts right."""

from __future__ import annotations

import hashlib
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import SHARED_ARTEFACTS as ARTEFACTS
from tests.conftest import shared_artefacts

from .conftest import Index

FILES = [p.name for p in shared_artefacts()] if ARTEFACTS.is_dir() else []


def _member_bytes(path: Path) -> bytes:
    """The core metadata of an artefact, read here without ldindex."""
    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as archive:
            (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
            return archive.read(name)
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            name = min((n for n in archive.namelist() if n.endswith("/PKG-INFO")), key=len)
            return archive.read(name)
    with tarfile.open(path) as archive:
        name = min((n for n in archive.getnames() if n.endswith("/PKG-INFO")), key=len)
        stream = archive.extractfile(name)
        assert stream is not None
        return stream.read()


def test_every_file_is_added(shared_index: tuple[Index, list]) -> None:
    index, outcomes = shared_index
    assert sorted(o.path.name for o in outcomes) == FILES
    assert [o.message for o in outcomes if o.status != "added"] == []
    # every one is a zip or a compressed tar: its content was verified (the default)
    unverified = [name for name in FILES if not index.store.get_file(name).verified]
    assert unverified == []


def test_sha256_equals_published_sums(shared_index: tuple[Index, list]) -> None:
    index, _ = shared_index
    sums = dict(
        reversed(line.split()) for line in (ARTEFACTS / "SHA256SUMS").read_text().splitlines()
    )
    assert sorted(sums) == FILES
    for filename, digest in sums.items():
        stored = index.store.get_file(filename)
        assert stored is not None, filename
        assert stored.hashes["sha256"] == digest, filename


@pytest.mark.parametrize("filename", FILES)
def test_digests_size_and_bytes(shared_index: tuple[Index, list], filename: str) -> None:
    index, _ = shared_index
    data = (ARTEFACTS / filename).read_bytes()
    stored = index.store.get_file(filename)
    assert stored is not None
    assert dict(stored.hashes) == {
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "blake2b_256": hashlib.blake2b(data, digest_size=32).hexdigest(),
    }
    assert stored.size == len(data)
    assert index.blobs.path(stored.url_path).read_bytes() == data


@pytest.mark.parametrize("filename", FILES)
def test_metadata_equals_what_packaging_reads(
    shared_index: tuple[Index, list], filename: str
) -> None:
    index, _ = shared_index
    raw = _member_bytes(ARTEFACTS / filename)
    expected = Metadata.from_email(raw, validate=False)
    stored = index.store.get_file(filename)
    assert stored is not None
    assert index.store.metadata_bytes(filename) == raw  # exact bytes, for PEP 658
    assert stored.metadata_sha256 == hashlib.sha256(raw).hexdigest()
    assert stored.project == canonicalize_name(expected.name)
    assert Version(stored.version) == expected.version
    assert stored.metadata_version == expected.metadata_version
    if expected.requires_python is None:
        assert stored.requires_python is None
    else:
        assert SpecifierSet(stored.requires_python) == expected.requires_python

    release = index.store.get_release(stored.project, stored.version)
    assert release is not None
    assert filename in {f.filename for f in release.files}
    if release.metadata_source == filename:
        assert release.metadata["name"] == expected.name
        got = [Requirement(r) for r in release.metadata.get("requires_dist", [])]
        assert [str(r) for r in got] == [str(r) for r in expected.requires_dist or []]


def test_release_takes_wheel_metadata_over_sdist(shared_index: tuple[Index, list]) -> None:
    index, _ = shared_index
    release = index.store.get_release("requests", "2.32.3")
    assert release is not None
    assert release.metadata_source == "requests-2.32.3-py3-none-any.whl"
    assert {f.packagetype for f in release.files} == {"bdist_wheel", "sdist"}
    assert "charset-normalizer <4,>=2" in release.metadata["requires_dist"]  # raw, as written
    only_sdist = index.store.get_release("docopt", "0.6.2")
    assert only_sdist is not None and only_sdist.metadata["metadata_version"] == "1.1"
    assert index.store.get_release("mock", "1.0.1").metadata["metadata_version"] == "1.0"
