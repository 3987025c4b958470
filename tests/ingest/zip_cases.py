"""Zip archives that different readers would read differently, each refused with its reason.

Every case is an otherwise consistent wheel (METADATA, WHEEL and RECORD agree), so the refusal
can only come from the structure walk.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from .bad_inputs import BadInput
from .craft import record_text, wheel_content
from .rawzip import RawMember, build_zip, zip64_extra

MAX32 = 0xFFFFFFFF
Builder = Callable[[Path], Path]


def wheel_members(name: str, extra: dict[str, bytes] | None = None) -> list[RawMember]:
    """The members of a consistent wheel ``{name}-1.0``, ``extra`` ones listed in RECORD."""
    content = {k: v.encode() if isinstance(v, str) else v for k, v in wheel_content(name).items()}
    content.update(extra or {})
    record = f"{name}-1.0.dist-info/RECORD"
    content[record] = record_text(content, record).encode()
    return [RawMember(member, data) for member, data in content.items()]


def write_raw(directory: Path, name: str, data: bytes, suffix: str = "-py3-none-any.whl") -> Path:
    path = directory / f"{name}-1.0{suffix}"
    path.write_bytes(data)
    return path


def _with(name: str, *added: RawMember, **build) -> Builder:
    """A builder of wheel ``name`` with ``added`` members after the consistent ones."""
    return lambda d: write_raw(d, name, build_zip([*wheel_members(name), *added], **build))


def _changed(name: str, index: int, **changes) -> Builder:
    """A builder of wheel ``name`` whose member ``index`` has ``changes`` applied."""

    def build(directory: Path) -> Path:
        members = wheel_members(name)
        for key, value in changes.items():
            setattr(members[index], key, value)
        return write_raw(directory, name, build_zip(members))

    return build


def _two_archives(directory: Path) -> Path:
    """A wheel with an extra module, then the clean wheel: zipfile reads the second (its end
    record is last), a streaming reader the first."""
    evil = build_zip(wheel_members("twice", {"twice/evil.py": b"import os\n"}))
    return write_raw(directory, "twice", evil + build_zip(wheel_members("twice")))


def _unicode_path(name: str, raw: bytes, other: str) -> bytes:
    body = b"\x01" + struct.pack("<I", zlib.crc32(raw)) + other.encode()
    return struct.pack("<HH", 0x7075, len(body)) + body


STUB = b'#!/bin/sh\nexec python -m zipfile -l "$0"\n'

ZIP_CASES = [
    BadInput(
        "zip-member-only-in-local-headers",
        _with("hidden", RawMember("x/evil.py", b"import os\n", in_central=False)),
        r"member 'x/evil\.py' is not in the central directory",
    ),
    BadInput(
        "zip-same-name-twice",
        _with("dupname", RawMember("dupname/__init__.py", b"import os\n")),
        r"member 'dupname/__init__\.py' appears twice in the central directory",
    ),
    BadInput(
        "zip-second-local-copy",
        _with("dupcopy", RawMember("dupcopy/__init__.py", b"import os\n", in_central=False)),
        r"member 'dupcopy/__init__\.py' is not in the central directory",
    ),
    BadInput(
        "zip-same-path-spelled-twice",
        _with("dupslash", RawMember("dupslash//__init__.py", b"import os\n")),
        r"members 'dupslash/__init__\.py' and 'dupslash//__init__\.py' name the same path",
    ),
    BadInput(
        "zip-trailing-data",
        _with("trailing", trailing=b"more bytes after the end record"),
        r"31 bytes of data after the end of the archive",
    ),
    BadInput(
        "zip-two-archives-concatenated",
        _two_archives,
        r"[\d,]+ bytes of data come before the archive \(another archive or data prepended\)",
    ),
    BadInput(
        "zip-prepended-data",
        _with("prefixed", prefix=STUB),
        r"\d+ bytes of data come before the archive",
    ),
    BadInput(
        "zip-sdist-prepended-data",
        lambda d: write_raw(
            d, "zprefix", build_zip([RawMember("zprefix-1.0/PKG-INFO", b"")], prefix=STUB), ".zip"
        ),
        r"\d+ bytes of data come before the archive",
    ),
    BadInput(
        "zip-control-character-in-name",
        _with("ctrl", RawMember("ctrl/evil\x1b[2J.py", b"")),
        r"member name 'ctrl/evil\\x1b\[2J\.py' has a control character",
    ),
    BadInput(
        "zip-newline-in-name",
        _with("newline", RawMember("newline/a\nb.py", b"")),
        r"member name 'newline/a\\nb\.py' has a control character",
    ),
    BadInput(
        "zip-bidi-override-in-name",
        _with("bidi", RawMember("bidi/\u202eyp.exe", b"")),
        r"has an unprintable character U\+202E",
    ),
    BadInput(
        "zip-non-ascii-name-not-marked-utf8",
        _with("cp437", RawMember("cp437/caf\xc3\xa9.py".encode("latin-1"), b"", flags=0)),
        r"is not ASCII and not marked UTF-8",
    ),
    BadInput(
        "zip-data-descriptor",
        _changed("descr", 0, flags=0x08),
        r"member 'descr/__init__\.py' uses a data descriptor",
    ),
    BadInput(
        "zip-central-directory-comment",
        _changed("comment", 1, comment=b"see elsewhere"),
        r"member 'comment-1\.0\.dist-info/METADATA' has a comment in the central directory",
    ),
    BadInput(
        "zip64-local-extra-bad-length",
        _changed(
            "zlocal",
            0,
            method=0,
            local={"size": MAX32, "compressed": MAX32},
            local_extra=struct.pack("<HHQI", 0x0001, 12, 6, 6),
        ),
        r"'zlocal/__init__\.py' has a ZIP64 extra field of 12 bytes in its local header",
    ),
    BadInput(
        "zip64-central-extra-bad-length",
        _changed("zcentral", 0, method=0, central={"size": MAX32}, central_extra=zip64_extra(6, 6)),
        r"ZIP64 extra field of 16 bytes in the central directory \(8 expected\)",
    ),
    BadInput(
        "zip64-extra-length-past-its-field",
        _changed("zover", 0, central_extra=zip64_extra(6, size=40)),
        r"malformed extra field: block 0x0001 declares 40 bytes, 8 remain",
    ),
    BadInput(
        "zip64-end-record-bad-length",
        _with("zend", zip64_end=True, end64_size=56),
        r"malformed ZIP64 end record: it declares 56 bytes \(44 expected",
    ),
    BadInput(
        "zip-unknown-record-between-members",
        _changed("foreign", 1, before=b"PK\x05\x05" + bytes(12)),
        r"unknown record \(signature 504b0505\) at offset \d+, between members",
    ),
    BadInput(
        "zip-sizes-differ",
        _changed("sizes", 0, local={"size": 7}),
        r"member 'sizes/__init__\.py' has another size in its local header \(7\) than in the "
        r"central directory \(6\)",
    ),
    BadInput(
        "zip-names-differ",
        _changed("names", 0, local_name=b"names/other.py"),
        r"member 'names/other\.py' is named 'names/__init__\.py' in the central directory",
    ),
    BadInput(
        "zip-unicode-path-names-another-file",
        _changed(
            "upath",
            0,
            central_extra=_unicode_path("upath", b"upath/__init__.py", "upath/evil.py"),
        ),
        r"'upath/__init__\.py' carries another name in its Unicode Path extra field",
    ),
    BadInput(
        "zip-members-share-a-header",
        _with("shared", RawMember("shared/bomb.py", b"", in_local=False, central={"offset": 0})),
        r"members 'shared/__init__\.py' and 'shared/bomb\.py' share one local header",
    ),
    BadInput(
        "zip-unknown-compression",
        _changed("method", 0, method=99),
        r"'method/__init__\.py' uses compression method 99, which installers cannot read",
    ),
    BadInput(
        "zip-encrypted-member",
        _changed("crypt", 0, flags=0x01),
        r"member 'crypt/__init__\.py' is encrypted",
    ),
]
