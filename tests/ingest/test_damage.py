"""Randomly damaged copies of every real artefact, each ingested into a fresh index.

Ingest must never crash on them (no traceback, no "unexpected" error), and by default it must
refuse every copy that a reader would fail on. The reader, honestly defined per format:

- a zip (wheel, zip sdist): ``zipfile`` opens it and ``testzip()`` reads every member against
  its CRC-32; for a wheel, every RECORD row's hash and size must also match the member's bytes,
  as the wheel format asks installers to check while they unpack;
- a compressed tar sdist: the stream decompresses with its checksum intact, and ``tarfile``
  reads every member to its end.

The damage — bit flips (anywhere, in the first bytes, in the last ones where the central
directory and the stream's trailer live), a truncation, a run of bytes overwritten — is drawn
from a generator seeded with the file's name, so every run tests the same copies.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import random
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SHARED_ARTEFACTS, shared_artefacts

from .conftest import Index

FILES = [p.name for p in shared_artefacts()]

Damage = Callable[[bytearray, random.Random], bytearray]


def _flip(data: bytearray, rng: random.Random, start: int = 0, end: int | None = None) -> bytearray:
    at = rng.randrange(start, len(data) if end is None else min(end, len(data)))
    data[at] ^= 1 << rng.randrange(8)
    return data


def _flip_tail(data: bytearray, rng: random.Random) -> bytearray:
    return _flip(data, rng, max(0, len(data) - 512))


def _flip_head(data: bytearray, rng: random.Random) -> bytearray:
    return _flip(data, rng, 0, 128)


def _truncate(data: bytearray, rng: random.Random) -> bytearray:
    return data[: rng.randrange(len(data))]


def _overwrite(data: bytearray, rng: random.Random) -> bytearray:
    length = rng.randint(1, 64)
    at = rng.randrange(len(data) - length)
    data[at : at + length] = rng.randbytes(length)
    return data


DAMAGES: dict[str, Damage] = {
    "flip-anywhere-1": _flip,
    "flip-anywhere-2": _flip,
    "flip-head": _flip_head,
    "flip-tail": _flip_tail,
    "truncate": _truncate,
    "overwrite-run": _overwrite,
}


def _record_holds(archive: zipfile.ZipFile) -> bool:
    """Every RECORD row with a hash matches its member's bytes and size."""
    (record,) = [n for n in archive.namelist() if n.endswith(".dist-info/RECORD")]
    for row in csv.reader(io.StringIO(archive.read(record).decode("utf-8"))):
        if not row or not row[1]:
            continue
        name, hashed, size = row
        algorithm, _, expected = hashed.partition("=")
        data = archive.read(name)
        digest = base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest()).rstrip(b"=")
        if digest.decode() != expected or int(size) != len(data):
            return False
    return True


def reader_fails(path: Path) -> bool:
    """Whether the reader described above fails on the file."""
    try:
        if path.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(path) as archive:
                if archive.testzip() is not None:
                    return True
                return path.suffix == ".whl" and not _record_holds(archive)
        plain = gzip.decompress(path.read_bytes())
        with tarfile.open(fileobj=io.BytesIO(plain)) as archive:
            for member in archive:
                stream = archive.extractfile(member)
                if stream is not None:
                    stream.read()
    except Exception:  # whatever a reader raises, it failed
        return True
    return False


@pytest.mark.parametrize("filename", FILES)
def test_damaged_copies_are_refused_never_crash(filename: str, tmp_path: Path) -> None:
    original = (SHARED_ARTEFACTS / filename).read_bytes()
    broken = 0
    for label, damage in DAMAGES.items():
        rng = random.Random(f"{filename}:{label}")
        data = bytes(damage(bytearray(original), rng))
        if data == original:
            continue
        case = tmp_path / label
        (case / "in").mkdir(parents=True)
        copy = case / "in" / filename
        copy.write_bytes(data)
        index = Index(case / "index")
        try:
            (outcome,) = index.run([copy])
            where = f"{filename} ({label})"
            assert "unexpected" not in outcome.message, where
            if reader_fails(copy):
                broken += 1
                assert outcome.status == "failed", f"{where}: a reader fails on it, ingest took it"
                index.assert_nothing_of(filename)
            elif outcome.status == "added":
                stored = index.store.get_file(filename)
                assert stored is not None and stored.verified, where
        finally:
            index.store.close()
    assert broken, "the truncated copy at least must fail the reader"
