"""Content verification, with ISA-L's inflate (when installed) and with zlib's alike: every way
a member's data can disagree with its headers or its RECORD digest is caught and named."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import pytest

from publisher.ingest import deflate, zipcontent
from publisher.ingest.errors import ArchiveError
from publisher.ingest.zipcheck import check_zip
from publisher.ingest.zipcontent import Digest, verify_members

from .rawzip import RawMember, build_zip

ZEROS = bytes(1 << 20)
TEXT = b"".join(b"line %d of a module\n" % i for i in range(20000))


@pytest.fixture(params=["installed", "zlib"])
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each test with the deflate implementation ingest picked, then with zlib's; a small
    output step makes every member inflate over many steps."""
    if request.param == "zlib":
        monkeypatch.setattr(deflate, "decompressobj", zlib.decompressobj)
        monkeypatch.setattr(deflate, "crc32", zlib.crc32)
    monkeypatch.setattr(zipcontent, "OUTPUT_STEP", 4096)
    return request.param


def _verify(tmp_path: Path, *members: RawMember, digests=None) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(build_zip(members))
    with path.open("rb") as source:
        layout = check_zip(source, 100)
        verify_members(source, layout, digests or {}, lambda name: pytest.fail("not zipfile"))


def test_sound_members_pass(implementation: str, tmp_path: Path) -> None:
    sha = Digest("sha256", hashlib.sha256(TEXT).digest())
    _verify(
        tmp_path,
        RawMember("zeros.bin", ZEROS),  # 1 MiB from about 1 KiB: many steps per input chunk
        RawMember("text.py", TEXT),
        RawMember("stored.txt", TEXT, method=0),
        RawMember("empty/", b"", method=0),
        digests={"text.py": sha, "stored.txt": sha},
    )


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (RawMember("flip.py", TEXT, mangle=lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:]),
         r"'flip\.py' is corrupt"),
        (RawMember("tail.py", TEXT, mangle=lambda b: b + b"junk"),
         r"'tail\.py' is corrupt: its deflate stream ends before its data does"),
        (RawMember("cut.py", TEXT, mangle=lambda b: b[:-10]),
         r"'cut\.py' is corrupt: its deflate stream is truncated"),
        (RawMember("crc.py", TEXT, local={"crc": 1}, central={"crc": 1}),
         r"'crc\.py' is corrupt: its CRC-32 does not match"),
        (RawMember("big.bin", ZEROS, local={"size": 1000}, central={"size": 1000}),
         r"'big\.bin' is corrupt: it inflates past its declared 1,000 bytes"),
        (RawMember("small.bin", ZEROS, local={"size": 2 << 20}, central={"size": 2 << 20}),
         r"'small\.bin' is corrupt: it inflates to 1,048,576 bytes, 2,097,152 declared"),
    ],
    ids=["flipped-bit", "data-after-stream", "truncated-stream", "crc", "longer", "shorter"],
)  # fmt: skip
def test_damage_is_named(
    implementation: str, tmp_path: Path, member: RawMember, reason: str
) -> None:
    with pytest.raises(ArchiveError, match=reason):
        _verify(tmp_path, RawMember("ok.py", TEXT), member)


def test_digest_mismatch_is_named(implementation: str, tmp_path: Path) -> None:
    wrong = Digest("sha256", hashlib.sha256(TEXT + b"#").digest())
    with pytest.raises(ArchiveError, match=r"'a\.py' does not match its sha256 hash in RECORD"):
        _verify(tmp_path, RawMember("a.py", TEXT), digests={"a.py": wrong})
