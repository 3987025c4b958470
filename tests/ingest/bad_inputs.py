"""Artefacts broken in one way each, with the reason ingest must give for refusing them."""

from __future__ import annotations

import random
import shutil
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import SHARED_ARTEFACTS as ARTEFACTS

from .craft import metadata_text, write_sdist, write_tar, write_wheel, write_zip

MiB = 1 << 20


@dataclass(frozen=True)
class BadInput:
    """``build(directory)`` writes the file; ingest must fail it with ``reason`` (a regex)."""

    id: str
    build: Callable[[Path], Path]
    reason: str
    limits: dict[str, Any] = field(default_factory=dict)


def _copy(directory: Path, filename: str) -> Path:
    return Path(shutil.copy(ARTEFACTS / filename, directory / filename))


def _truncated(directory: Path, filename: str) -> Path:
    path = _copy(directory, filename)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _corrupt_member(directory: Path) -> Path:
    """A real wheel with bytes flipped inside one (non-metadata) member's compressed data."""
    path = _copy(directory, "requests-2.32.3-py3-none-any.whl")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("requests/models.py")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + info.compress_size // 2, start + info.compress_size // 2 + 16):
        data[offset] ^= 0xA5
    path.write_bytes(bytes(data))
    return path


def _zip_bomb(directory: Path) -> Path:
    return write_wheel(directory, "zbomb", members={"zbomb/zeros.bin": bytes(20 * MiB)})


def _tar_bomb(directory: Path) -> Path:
    return write_sdist(directory, "tbomb", members=[("tbomb-1.0/zeros.bin", bytes(20 * MiB))])


def _many_small_bombs(directory: Path) -> Path:
    """Members each under the per-member threshold (3 MiB of zeros) that add up to a bomb."""
    members = {f"small/z{i}.bin": bytes(3 * MiB) for i in range(40)}
    return write_wheel(directory, "small", members=members)


def _pax_bomb(directory: Path) -> Path:
    """A small .tar.gz whose one PAX header declares 64 MiB of extended data (zeros)."""
    info = tarfile.TarInfo("pax-1.0/PKG-INFO")
    raw = bytearray(info.tobuf(tarfile.USTAR_FORMAT))
    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = 64 * MiB
    blob = header.tobuf(tarfile.USTAR_FORMAT) + bytes(64 * MiB) + bytes(raw)
    target = directory / "pax-1.0.tar.gz"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    target.write_bytes(compressor.compress(blob) + compressor.flush())
    return target


def _special_tar(directory: Path, name: str, kind: bytes, member: str = "") -> Path:
    info = tarfile.TarInfo(member or f"{name}-1.0/special")
    info.type = kind
    info.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else ""
    info.devmajor, info.devminor = 1, 3
    return write_sdist(directory, name, members=[info])


def _many_members(directory: Path) -> Path:
    members = {f"many/m{i}.py": "" for i in range(10)}
    return write_wheel(directory, "many", members=members)


def _crafted_name(directory: Path, name: str, member: str, tar: bool) -> Path:
    if tar:
        return write_sdist(directory, name, members=[(member, b"x")])
    return write_wheel(directory, name, members={member: "x"})


def _no_metadata(directory: Path) -> Path:
    return write_zip(
        directory / "nometa-1.0-py3-none-any.whl",
        {"nometa/__init__.py": "", "nometa-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\n"},
    )


def _tar_gz_of_garbage_tail(directory: Path) -> Path:
    """A valid tar whose gzip stream goes on, past the end blocks, with a bomb."""
    path = write_tar(directory / "tail-1.0.tar", [("tail-1.0/PKG-INFO", b"")])
    raw = path.read_bytes() + bytes(30 * MiB)
    path.unlink()
    target = directory / "tail-1.0.tar.gz"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    target.write_bytes(compressor.compress(raw) + compressor.flush())
    return target


def _random(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def _text(path: Path) -> Path:
    path.write_text("plain text, not an archive")
    return path


CASES = [
    BadInput("zip-bomb", _zip_bomb, r"expands [\d,]+x .*decompression bomb"),
    BadInput("tar-bomb", _tar_bomb, r"expands [\d,]+x .*decompression bomb"),
    BadInput(
        "script-in-legacy-version",
        lambda d: _text(d / "evil-javascript:alert(1)%2F%2F.tar.gz"),
        r"version 'javascript:alert\(1\)%2F%2F' has characters no version may have",
    ),
    BadInput(
        "dot-dot-version",
        lambda d: write_sdist(d, "dots", "..", metadata=metadata_text("dots", "..")),
        r"version '\.\.' has characters no version may have",
    ),
    BadInput("zip-many-small-bombs", _many_small_bombs, r"the archive expands [\d,]+x .*bomb"),
    BadInput("pax-header-bomb", _pax_bomb, r"decompresses past [\d,]+ bytes .*bomb"),
    # the tail after the end-of-archive blocks is read (and bounded) by member verification
    BadInput("tar-bomb-tail", _tar_gz_of_garbage_tail, r"decompression bomb"),
    BadInput(
        "truncated-zip",
        lambda d: _truncated(d, "attrs-25.3.0-py3-none-any.whl"),
        r"not a readable zip archive",
    ),
    BadInput(
        "truncated-tar-gz",
        lambda d: _truncated(d, "six-1.16.0.tar.gz"),
        r"not a readable tar archive: .*(ended|truncated|EOF)",
    ),
    BadInput(
        "corrupt-member",
        _corrupt_member,
        r"'requests/models\.py' is corrupt",
    ),
    BadInput("wheel-without-metadata", _no_metadata, r"wheel has no \.dist-info/METADATA"),
    BadInput(
        "name-mismatch",
        lambda d: write_wheel(d, "right", metadata=metadata_text("wrong", "1.0")),
        r"metadata Name 'wrong' does not match the filename's 'right'",
    ),
    BadInput(
        "version-mismatch",
        lambda d: write_sdist(d, "ver", "1.0", metadata=metadata_text("ver", "2.0")),
        r"metadata Version '2.0' does not match the filename's '1.0'",
    ),
    BadInput(
        "non-utf8-metadata",
        lambda d: write_wheel(
            d,
            "latin",
            metadata=metadata_text("latin", "1.0", extra=["Author: x"]).encode()
            + "Ren\xe9\n".encode("latin-1"),
        ),
        r"METADATA is not valid UTF-8 \(byte 0xe9",
    ),
    BadInput(
        "two-names",
        lambda d: write_wheel(d, "twin", metadata=metadata_text("twin", "1.0", extra=["Name: x"])),
        r"has 2 Name fields",
    ),
    BadInput(
        "zip-symlink",
        lambda d: write_zip(
            d / "zlink-1.0-py3-none-any.whl",
            {
                "zlink-1.0.dist-info/METADATA": metadata_text("zlink", "1.0"),
                "zlink/evil": "/etc/passwd",
            },
            symlinks=["zlink/evil"],
        ),
        r"'zlink/evil' is a symbolic link",
    ),
    BadInput(
        "tar-symlink",
        lambda d: _special_tar(d, "tlink", tarfile.SYMTYPE),
        r"'tlink-1\.0/special' is a symbolic link, not a regular file or directory",
    ),
    BadInput("tar-hardlink", lambda d: _special_tar(d, "hlink", tarfile.LNKTYPE), r"a hard link"),
    BadInput(
        "tar-device",
        lambda d: _special_tar(d, "dev", tarfile.CHRTYPE),
        r"'dev-1\.0/special' is a character device, not a regular file or directory",
    ),
    BadInput("tar-block", lambda d: _special_tar(d, "blk", tarfile.BLKTYPE), r"a block device"),
    BadInput("tar-fifo", lambda d: _special_tar(d, "fifo", tarfile.FIFOTYPE), r"is a FIFO, not"),
    BadInput(
        "tar-contiguous",
        lambda d: _special_tar(d, "cont", tarfile.CONTTYPE),
        r"'cont-1\.0/special' is a contiguous file, not a regular file or directory",
    ),
    BadInput(
        "tar-unknown-type",
        lambda d: _special_tar(d, "odd", b"V"),
        r"'odd-1\.0/special' is of type 'V', not a regular file or directory",
    ),
    BadInput(
        "tar-duplicate",
        lambda d: write_sdist(d, "dup", members=[("dup-1.0/setup.py", b"import evil\n")]),
        r"member 'dup-1\.0/setup\.py' appears twice",
    ),
    BadInput(
        "tar-duplicate-spelled-otherwise",
        lambda d: write_sdist(d, "dup2", members=[("./dup2-1.0//setup.py", b"import evil\n")]),
        r"member '\./dup2-1\.0//setup\.py' appears twice",
    ),
    BadInput(
        "zip-absolute",
        lambda d: _crafted_name(d, "zabs", "/etc/cron.d/x", tar=False),
        r"'/etc/cron\.d/x' has an absolute path",
    ),
    BadInput(
        "tar-absolute",
        lambda d: _crafted_name(d, "tabs", "/tmp/x", tar=True),
        r"'/tmp/x' has an absolute path",
    ),
    BadInput(
        "zip-dotdot",
        lambda d: _crafted_name(d, "zdot", "zdot/../../x", tar=False),
        r"escapes the archive with '\.\.'",
    ),
    BadInput(
        "tar-dotdot",
        lambda d: _crafted_name(d, "tdot", "tdot-1.0/../../x", tar=True),
        r"escapes the archive with '\.\.'",
    ),
    BadInput("too-many-members", _many_members, r"14 members \(limit 5\)", {"max_members": 5}),
    BadInput(
        "oversized-metadata",
        lambda d: write_wheel(d, "fat", metadata=metadata_text("fat", "1.0") + "x" * 5000),
        r"metadata member 'fat-1\.0\.dist-info/METADATA' is over the 4,096-byte limit",
        {"max_metadata_size": 4096},
    ),
    BadInput(
        "file-too-large",
        lambda d: write_wheel(d, "huge", members={"huge/data.bin": _random(16384)}),
        r"bytes is over the 2,048-byte limit",
        {"max_file_size": 2048},
    ),
    BadInput(
        "unrecognised-filename",
        lambda d: write_wheel(d, filename="not_a_wheel.whl"),
        r"invalid wheel filename",
    ),
    BadInput("not-an-archive", lambda d: _text(d / "junk-1.0.tar.gz"), r"not a readable tar"),
]
